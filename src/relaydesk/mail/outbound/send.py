"""Delivering one outbox row through Django's mail backend (SMTP in production).

The row is the outbox (SECURITY.md "never lose data"): it is claimed with a
conditional UPDATE on its attempt counter, so two runs of the same task cannot
both take the same attempt; a row that was sent is never sent again; a retry
sends the same Message-ID, so that a receiver can recognise a repeat.
"""

from __future__ import annotations

import datetime as dt
import re
import smtplib
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import F

from relaydesk.core.storage import read_blob
from relaydesk.core.time import now
from relaydesk.mail.models import OutboundMessage, OutboundStatus
from relaydesk.tickets.models import Attachment

DEFAULT_ATTEMPTS = 5
DEFAULT_RETRY_SECONDS = 60
MAX_ERROR_LENGTH = 2000
# Only these stored headers reach the wire; From, To, Subject and Message-ID
# come from their own columns.
PASSED_HEADERS = ("In-Reply-To", "References", "Auto-Submitted", "X-Loop")


def max_attempts() -> int:
    return max(1, int(getattr(settings, "RELAYDESK_MAIL_SEND_ATTEMPTS", DEFAULT_ATTEMPTS)))


def retry_delay(attempt: int) -> dt.timedelta:
    """Exponential backoff: base, 2×base, 4×base … after the 1st, 2nd, 3rd failure."""
    base = int(getattr(settings, "RELAYDESK_MAIL_RETRY_SECONDS", DEFAULT_RETRY_SECONDS))
    return dt.timedelta(seconds=base * 2 ** max(0, attempt - 1))


def claim(outbound_id: int) -> OutboundMessage | None:
    """The pending row with its attempt counter moved on, or None if not ours to send."""
    message = OutboundMessage.objects.filter(pk=outbound_id, status=OutboundStatus.PENDING).first()
    if message is None:
        return None
    taken = OutboundMessage.objects.filter(
        pk=outbound_id, status=OutboundStatus.PENDING, attempts=message.attempts
    ).update(attempts=F("attempts") + 1)
    if taken != 1:
        return None  # another run took this attempt
    message.attempts += 1
    return message


def build_email(message: OutboundMessage) -> EmailMultiAlternatives:
    headers = {
        name: str(message.headers[name]) for name in PASSED_HEADERS if message.headers.get(name)
    }
    headers["Message-ID"] = f"<{message.message_id}>"
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=message.from_address,
        to=[message.to_address],
        headers=headers,
        connection=get_connection(fail_silently=False),
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    if message.kind == FORWARD_KIND and message.article_id is not None:
        attach_files(email, message.article_id)
    return email


FORWARD_KIND = "forward"  # kinds.MailKind.FORWARD: the only kind that carries files
_CONTENT_TYPE = re.compile(r"[A-Za-z0-9][\w.+-]*/[A-Za-z0-9][\w.+-]*")


def attach_files(email: EmailMultiAlternatives, article_id: int) -> None:
    """A forward carries the forwarded article's files (copied onto the forward
    article), read from storage at each attempt. Names were normalised when stored
    (SECURITY.md class 5); a type that is not a plain `type/subtype` goes as
    application/octet-stream."""
    for item in Attachment.objects.filter(article_id=article_id).order_by("id"):
        content_type = item.content_type.strip().lower()
        if not _CONTENT_TYPE.fullmatch(content_type):
            content_type = "application/octet-stream"
        email.attach(item.filename or "attachment", read_blob(item.sha256), content_type)


def is_permanent(error: Exception) -> bool:
    """A 5xx answer to the recipient or the message: RFC 5321 says not to repeat it.

    Everything else (connection refused, timeouts, 4xx, a refused login the
    operator may still fix) is worth another try.
    """
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in error.recipients.values()]
        return bool(codes) and all(code >= 500 for code in codes)
    if isinstance(error, smtplib.SMTPDataError):
        return error.smtp_code >= 500
    return False


def describe(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        parts = [
            f"{address}: {code} {reply.decode(errors='replace')}"
            for address, (code, reply) in error.recipients.items()
        ]
        return "recipient refused: " + "; ".join(parts)
    if isinstance(error, smtplib.SMTPResponseException):
        reply = error.smtp_error
        text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
        return f"{type(error).__name__}: {error.smtp_code} {text}"
    return f"{type(error).__name__}: {error}"


@dataclass(frozen=True)
class Outcome:
    status: str
    retry_after: dt.timedelta | None = None


def record_sent(message: OutboundMessage) -> Outcome:
    OutboundMessage.objects.filter(pk=message.pk).update(
        status=OutboundStatus.SENT, sent_at=now(), last_error=""
    )
    return Outcome(OutboundStatus.SENT)


def record_failure(message: OutboundMessage, error: Exception) -> Outcome:
    """FAILED after a permanent refusal or the last attempt; else PENDING with a retry."""
    limit = max_attempts()
    reason = describe(error)
    if is_permanent(error) or message.attempts >= limit:
        text = f"attempt {message.attempts} of {limit}: {reason}"
        OutboundMessage.objects.filter(pk=message.pk).update(
            status=OutboundStatus.FAILED, last_error=text[:MAX_ERROR_LENGTH]
        )
        return Outcome(OutboundStatus.FAILED)
    delay = retry_delay(message.attempts)
    text = f"attempt {message.attempts} of {limit}: {reason}; retrying in {delay}"
    OutboundMessage.objects.filter(pk=message.pk).update(last_error=text[:MAX_ERROR_LENGTH])
    return Outcome(OutboundStatus.PENDING, retry_after=delay)


def deliver(outbound_id: int) -> Outcome | None:
    """One attempt at one row; None when there was nothing to do."""
    message = claim(outbound_id)
    if message is None:
        return None
    if message.attempts > max_attempts():
        # Only a stale re-enqueue gets here; the row had its tries.
        return record_failure(message, RuntimeError("no attempts left"))
    try:
        build_email(message).send()
    except (smtplib.SMTPException, OSError, ValueError) as error:
        return record_failure(message, error)
    return record_sent(message)
