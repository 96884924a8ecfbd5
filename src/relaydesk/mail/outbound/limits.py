"""Loop and flood protection for the mail we send (SECURITY.md class 8).

Three rules, checked when a mail is queued; a mail they stop is still written
to the outbox, as SUPPRESSED with the reason, so that an operator sees it:

1. nothing automatic answers something automatic (an auto-reply, a bounce);
2. at most RELAYDESK_MAIL_AUTO_REPLY_LIMIT automatic mails per customer
   address per hour;
3. nothing goes to one of our own queue addresses (two queues must never
   acknowledge each other).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings

from relaydesk.core.time import now
from relaydesk.mail.ids import mail_domain
from relaydesk.mail.models import OutboundMessage, OutboundStatus
from relaydesk.tickets.models import Article, Queue

DEFAULT_AUTO_REPLY_LIMIT = 10
FLOOD_WINDOW = dt.timedelta(hours=1)

# Stored in OutboundMessage.last_error: data for operators, so not translated
# at write time (like history rows).
REASON_OWN_ADDRESS = "loop protection: {address} is one of our own queue addresses"
REASON_AUTOMATIC_TRIGGER = "loop protection: the triggering message was automatic ({what})"
REASON_FLOOD = (
    "flood protection: {count} automatic mails to {address} in the last hour (limit {limit})"
)


def auto_reply_limit() -> int:
    return int(getattr(settings, "RELAYDESK_MAIL_AUTO_REPLY_LIMIT", DEFAULT_AUTO_REPLY_LIMIT))


def normalise(address: str) -> str:
    return address.strip().lower()


def own_addresses() -> set[str]:
    """Every queue's sender address and the default From, lowercased."""
    addresses = {
        normalise(address)
        for address in Queue.objects.exclude(email_address="").values_list(
            "email_address", flat=True
        )
    }
    addresses.add(normalise(settings.DEFAULT_FROM_EMAIL))
    return addresses


def automatic_trigger(article: Article | None) -> str | None:
    """Why the article must get no automatic answer, or None."""
    if article is None:
        return None
    if article.is_bounce:
        return "bounce"
    if article.is_auto_reply:
        return "auto-reply"
    return None


def recent_automatic_count(address: str, *, at: dt.datetime | None = None) -> int:
    """Automatic mails queued to the address within the window (suppressed ones aside).

    Outbox addresses are stored lowercased, so an exact match uses the index.
    """
    since = (at or now()) - FLOOD_WINDOW
    return (
        OutboundMessage.objects.filter(
            to_address=normalise(address), is_automatic=True, created_at__gte=since
        )
        .exclude(status=OutboundStatus.SUPPRESSED)
        .count()
    )


def flood_reason(address: str) -> str | None:
    limit = auto_reply_limit()
    count = recent_automatic_count(address)
    if count >= limit:
        return REASON_FLOOD.format(count=count, address=address, limit=limit)
    return None


def suppression_reason(
    address: str,
    *,
    is_automatic: bool,
    trigger: Article | None,
    capped: bool,
    own: set[str],
) -> str | None:
    """Why this mail must not be sent, or None. `capped`: the flood limit applies."""
    if normalise(address) in own:
        return REASON_OWN_ADDRESS.format(address=address)
    if not is_automatic:
        return None
    what = automatic_trigger(trigger)
    if what is not None:
        return REASON_AUTOMATIC_TRIGGER.format(what=what)
    if capped:
        return flood_reason(address)
    return None


def is_our_loop_token(values: Iterable[str]) -> bool:
    """Does an X-Loop header name us? (Our mail coming back: see compose.loop_token.)"""
    ours = own_addresses() | {mail_domain().lower()}
    return any(normalise(value) in ours for value in values)
