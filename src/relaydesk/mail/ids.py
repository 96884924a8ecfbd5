"""Message-IDs of the mail we send, and recognising them when replies come back.

Our Message-IDs carry the ticket number and an HMAC over it, e.g.
`<rd.2014020442000018.k3j9x2.5f1c0a9e4b7d2c31@desk.example.com>`. A reply's
In-Reply-To/References then name the ticket even if the subject tag was cut;
the HMAC makes a forged ID (someone guessing a number) worthless.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from urllib.parse import urlsplit

from django.conf import settings

PREFIX = "rd"
_SIGNATURE_HEX = 16
_OURS = re.compile(
    rf"^{PREFIX}\.(?P<number>[0-9]{{1,32}})\.(?P<nonce>[a-z0-9]{{6,32}})\."
    rf"(?P<signature>[0-9a-f]{{{_SIGNATURE_HEX}}})@(?P<domain>[^\s<>@]+)$"
)


def mail_domain() -> str:
    """The right-hand side of our Message-IDs: the host of RELAYDESK_BASE_URL."""
    return urlsplit(settings.BASE_URL).hostname or "relaydesk.invalid"


def _signature(number: str, nonce: str) -> str:
    key = f"relaydesk.mail.message-id:{settings.SECRET_KEY}".encode()
    digest = hmac.new(key, f"{number}.{nonce}".encode(), hashlib.sha256).hexdigest()
    return digest[:_SIGNATURE_HEX]


def make_message_id(ticket_number: str) -> str:
    """A new Message-ID (without angle brackets) for mail about this ticket."""
    nonce = secrets.token_hex(6)
    return f"{PREFIX}.{ticket_number}.{nonce}.{_signature(ticket_number, nonce)}@{mail_domain()}"


def ticket_number_in(message_id: str) -> str | None:
    """The ticket number of one of our Message-IDs whose signature holds, else None."""
    match = _OURS.match(message_id.strip().strip("<>").strip())
    if match is None:
        return None
    expected = _signature(match["number"], match["nonce"])
    if not hmac.compare_digest(expected, match["signature"]):
        return None
    return match["number"]
