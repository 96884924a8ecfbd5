"""The headers of an outgoing mail (issue 3, point 9; SECURITY.md class 6).

Every text that goes into a header — subject, display names — is flattened to
one line first, and addresses are built with `email.headerregistry.Address`,
which quotes names and refuses CR/LF: nothing a customer or an admin types can
add a header.
"""

from __future__ import annotations

import re
import unicodedata
from email.headerregistry import Address
from email.utils import parseaddr

from django.conf import settings

from relaydesk.accounts.models import User
from relaydesk.core.ticket_numbers import subject_tag
from relaydesk.mail.ids import mail_domain
from relaydesk.mail.outbound.kinds import AUTO_SUBMITTED, MailKind
from relaydesk.tickets.models import (
    Article,
    Queue,
    SenderKind,
    SenderNamePolicy,
    Ticket,
    Visibility,
)

MAX_SUBJECT_LENGTH = 250
MAX_NAME_LENGTH = 100
# Long threads: the newest references are the ones that matter (RFC 5322 3.6.4).
MAX_REFERENCES = 20
_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")


def one_line(value: str, *, max_length: int) -> str:
    """The text with every control or line-separating character made a space."""
    characters = (
        " " if unicodedata.category(char) in {"Cc", "Zl", "Zp"} else char for char in value
    )
    return " ".join("".join(characters).split())[:max_length]


def default_sender_address() -> str:
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or settings.DEFAULT_FROM_EMAIL


def sender_address(queue: Queue) -> str:
    return (queue.email_address or default_sender_address()).strip()


def sender_name(queue: Queue, kind: str, author: User | None) -> str:
    """The agent's name on an agent's reply when the queue says so, and on an
    agent's forward (a person writing to a third party); else the queue's."""
    if kind == MailKind.FORWARD and author is not None and author.is_agent and author.name.strip():
        return author.name
    if (
        kind == MailKind.REPLY
        and queue.sender_name_policy == SenderNamePolicy.AGENT
        and author is not None
        and author.is_agent
        and author.name.strip()
    ):
        return author.name
    return queue.sender_name or queue.name


def format_address(address: str, name: str = "") -> str:
    """`"Name" <addr>`, quoted as needed; a name that will not go falls back to the bare address."""
    try:
        return str(
            Address(display_name=one_line(name, max_length=MAX_NAME_LENGTH), addr_spec=address)
        )
    except (ValueError, IndexError):
        return str(Address(addr_spec=address))


def tagged_subject(ticket: Ticket, subject: str) -> str:
    """`[Ticket#N] subject`, the tag once and first, the whole on one line."""
    tag = subject_tag(ticket.number)
    text = one_line(subject.replace(tag, " "), max_length=MAX_SUBJECT_LENGTH)
    return f"{tag} {text}".strip()


def message_ids_in(value: str) -> list[str]:
    """The Message-IDs of a header value, with or without angle brackets."""
    found = _MESSAGE_ID.findall(value)
    if found:
        return found
    return [part.strip("<>") for part in value.split() if "@" in part]


def thread_headers(ticket: Ticket, *, upto: Article | None = None) -> dict[str, str]:
    """In-Reply-To and References that point at the customer's last public message.

    With `upto`, the last one written before that article (the one being sent
    or the one that triggered the mail), however late the mail is composed.
    """
    articles = Article.objects.filter(
        ticket=ticket, sender_kind=SenderKind.CUSTOMER, visibility=Visibility.PUBLIC
    )
    if upto is not None:
        articles = articles.filter(pk__lte=upto.pk)
    last = (
        articles.exclude(message_id="")
        .order_by("-created_at", "-id")
        .only("message_id", "references")
        .first()
    )
    if last is None:
        return {}
    parent = last.message_id.strip().strip("<>")
    chain = [ref for ref in message_ids_in(last.references) if ref != parent] + [parent]
    chain = list(dict.fromkeys(chain))[-MAX_REFERENCES:]
    return {
        "In-Reply-To": f"<{parent}>",
        "References": " ".join(f"<{ref}>" for ref in chain),
    }


def loop_token(queue: Queue) -> str:
    """Our X-Loop value: the queue's address, else our mail domain.

    The inbound loop guard recognises our own mail coming back by it.
    """
    return (queue.email_address or mail_domain()).strip().lower()


def automatic_headers(kind: str, queue: Queue) -> dict[str, str]:
    """RFC 3834 Auto-Submitted and X-Loop on automatic mail; nothing on a human reply.

    Precedence: bulk is deliberately absent: RFC 3834 discourages it, and some
    servers drop such mail.
    """
    value = AUTO_SUBMITTED.get(MailKind(kind)) if kind in MailKind.values else None
    if value is None:
        return {}
    return {"Auto-Submitted": value, "X-Loop": loop_token(queue)}
