"""Raw RFC 5322 messages for the inbound pipeline's tests, and a one-call delivery."""

from __future__ import annotations

import itertools
from email.message import EmailMessage
from email.utils import format_datetime

from relaydesk.core.time import now
from relaydesk.mail.inbound.process import process_inbound
from relaydesk.mail.inbound.store import store_raw
from relaydesk.mail.models import InboundMessage, InboundVia, MailAccount
from relaydesk.tickets.models import Queue

_serial = itertools.count(1)


def raw_mail(
    *,
    subject: str = "The printer on floor 3 is jammed",
    sender: str = "Alice <alice@acme.example>",
    to: str = "support@desk.test",
    cc: str | None = None,
    body: str = "Since this morning nothing prints.",
    html: str | None = None,
    message_id: str | None = None,
    in_reply_to: str | None = None,
    references: str | None = None,
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, bytes, str]] | None = None,
) -> bytes:
    """A plain message; `message_id` without brackets (a fresh one if None, none if "")."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    if cc:
        message["Cc"] = cc
    message["Subject"] = subject
    message["Date"] = format_datetime(now())
    if message_id != "":
        message["Message-ID"] = f"<{message_id or f'm{next(_serial)}.{id(message)}@mua.example'}>"
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    if references:
        message["References"] = references
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    if html is not None:
        message.add_alternative(html, subtype="html")
    for filename, content, content_type in attachments or []:
        maintype, subtype = content_type.split("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


def bounce_for(original: bytes, *, to: str = "support@desk.test") -> bytes:
    """A delivery status notification (multipart/report) that returns `original`."""
    report = EmailMessage()
    report["From"] = "Mail Delivery System <MAILER-DAEMON@mx.acme.example>"
    report["To"] = to
    report["Subject"] = "Undelivered Mail Returned to Sender"
    report["Message-ID"] = f"<bounce.{next(_serial)}@mx.acme.example>"
    report["Auto-Submitted"] = "auto-replied"
    report.set_content("This is the mail system. Your message could not be delivered.")
    report.add_attachment(
        "Reporting-MTA: dns; mx.acme.example\n\n"
        "Final-Recipient: rfc822; alice@acme.example\nAction: failed\nStatus: 5.1.1\n",
        subtype="delivery-status",
    )
    report.add_attachment(original, maintype="message", subtype="rfc822")
    report.replace_header("Content-Type", report.get("Content-Type", "").replace("mixed", "report"))
    report.set_param("report-type", "delivery-status")
    return report.as_bytes()


def deliver(
    raw: bytes,
    *,
    via: str = InboundVia.INGEST,
    queue: Queue | None = None,
    account: MailAccount | None = None,
) -> InboundMessage:
    """Store and process, as mailgate and ingest do."""
    return process_inbound(store_raw(raw, via=via, queue=queue, account=account))
