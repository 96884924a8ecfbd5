"""A parsed mail as the actions layer's NewArticle: fields fitted to their limits.

Nothing is dropped to fit: a text or HTML body over the article limit is
shortened in the article and kept whole as an attached file; the raw message
stays in storage besides (`raw_sha256`).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from relaydesk.mail.inbound.parsed import ParsedMail
from relaydesk.tickets.actions import NewArticle, NewAttachment
from relaydesk.tickets.actions.articles import MAX_ADDRESS_LENGTH, MAX_BODY_LENGTH
from relaydesk.tickets.models import TITLE_MAX_LENGTH, ArticleChannel, SenderKind, Visibility

SUBJECT_MAX_LENGTH = 998
MESSAGE_ID_MAX_LENGTH = 998
TRUNCATION_ROOM = 200


def title_of(parsed: ParsedMail) -> str:
    """A ticket title from the subject: one line, within the limit, never empty."""
    title = " ".join(parsed.subject.split())
    return title[:TITLE_MAX_LENGTH] or _("(no subject)")


def join_addresses(addresses: tuple[str, ...]) -> str:
    """Comma-separated, cut at an address boundary to fit the article field."""
    joined = ""
    for address in addresses:
        candidate = f"{joined}, {address}" if joined else address
        if len(candidate) > MAX_ADDRESS_LENGTH:
            break
        joined = candidate
    return joined


def join_ids(message_ids: tuple[str, ...]) -> str:
    """`<id> <id> …` as in the header; the most recent end is kept if it is too long."""
    kept: list[str] = []
    length = 0
    for message_id in reversed(message_ids):
        token = f"<{message_id.strip('<>')}>"
        if length + len(token) + 1 > MAX_ADDRESS_LENGTH:
            break
        kept.append(token)
        length += len(token) + 1
    return " ".join(reversed(kept))


def fit_bodies(parsed: ParsedMail) -> tuple[str, str, list[NewAttachment]]:
    """(text, html, extra attachments): an oversized body goes whole into a file."""
    text, html = parsed.text, parsed.html
    extra: list[NewAttachment] = []
    if len(text) > MAX_BODY_LENGTH:
        extra.append(NewAttachment("message.txt", text.encode(), "text/plain; charset=utf-8"))
        note = _("[The text is too long to show here; the whole of it is attached.]")
        text = text[: MAX_BODY_LENGTH - TRUNCATION_ROOM] + "\n\n" + note
    if len(html) > MAX_BODY_LENGTH:
        extra.append(NewAttachment("message.html", html.encode(), "text/html; charset=utf-8"))
        html = ""
    if not text.strip() and not html.strip() and not parsed.attachments:
        text = _("(This message has no text.)")
    return text, html, extra


def mail_article(
    parsed: ParsedMail,
    *,
    raw_sha256: str,
    sender_kind: SenderKind,
    visibility: Visibility = Visibility.PUBLIC,
    review_reason: str = "",
) -> NewArticle:
    """The article for this mail, as the given kind of sender, with its flags.

    `is_bounce` marks delivery reports; `is_auto_reply` marks every other mail
    that must get no automatic answer (RFC 3834 and common practice: out of
    office, Auto-Submitted, Precedence bulk/junk/list, list mail, null
    Return-Path), which is what outbound's loop protection reads.
    """
    text, html, extra = fit_bodies(parsed)
    files = [
        NewAttachment(
            filename=attachment.filename or "attachment",
            content=attachment.content,
            content_type=attachment.content_type or "application/octet-stream",
            content_id=attachment.content_id,
        )
        for attachment in parsed.attachments
    ]
    return NewArticle(
        body_text=text,
        body_html=html,
        channel=ArticleChannel.EMAIL,
        visibility=visibility,
        sender_kind=sender_kind,
        subject=parsed.subject[:SUBJECT_MAX_LENGTH],
        from_address=parsed.from_address[:MAX_ADDRESS_LENGTH],
        to_addresses=join_addresses(parsed.to),
        cc_addresses=join_addresses(parsed.cc),
        message_id=parsed.message_id.strip("<>")[:MESSAGE_ID_MAX_LENGTH],
        in_reply_to=join_ids(parsed.in_reply_to),
        references=join_ids(parsed.references),
        raw_sha256=raw_sha256,
        is_bounce=parsed.is_bounce,
        is_auto_reply=parsed.is_automatic and not parsed.is_bounce,
        review_reason=review_reason,
        attachments=(*files, *extra),
    )
