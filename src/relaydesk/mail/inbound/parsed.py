"""What the parser makes of a message: the one shape the rest of the pipeline reads."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ParsedAttachment:
    """A part kept as a file: named, typed, with its decoded bytes."""

    filename: str
    content_type: str
    content: bytes
    content_id: str = ""  # without angle brackets; set for inline parts
    is_inline: bool = False


@dataclass(frozen=True)
class ParsedMail:
    """A message, decoded. Addresses are bare addr-specs ("alice@acme.example").

    Text fields never contain NUL or lone surrogates; `html` is already
    sanitised; `message_id` is never empty (a missing one is derived from the
    raw bytes, so that a redelivery is recognised).
    """

    message_id: str  # without angle brackets
    subject: str
    from_address: str  # "" when the message names no usable sender
    from_name: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    reply_to: tuple[str, ...]
    delivered_to: tuple[str, ...]  # Delivered-To, X-Original-To, Envelope-To
    in_reply_to: tuple[str, ...]  # Message-IDs without angle brackets
    references: tuple[str, ...]
    date: dt.datetime | None
    text: str  # the text body; made from the HTML when there is no text part
    html: str  # sanitised HTML body, "" when the message has none
    attachments: tuple[ParsedAttachment, ...] = field(default_factory=tuple)
    # Loop protection (RFC 3834 and common practice), read from the headers:
    auto_submitted: str = ""  # the Auto-Submitted value, lowercased; "" when absent
    precedence: str = ""  # lowercased
    is_list_mail: bool = False  # List-Id or List-Unsubscribe present
    has_null_return_path: bool = False  # Return-Path: <>
    is_bounce: bool = False  # a delivery status notification
    is_auto_reply: bool = False  # an automatic answer (out of office, acknowledgement …)
    x_loop: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()  # what the parser had to repair, for the operator

    @property
    def is_automatic(self) -> bool:
        """Mail that must never get an automatic answer from us."""
        return (
            self.is_auto_reply
            or self.is_bounce
            or self.is_list_mail
            or self.has_null_return_path
            or (self.auto_submitted not in ("", "no"))
            or self.precedence in {"bulk", "junk", "list"}
        )
