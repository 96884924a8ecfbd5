"""Ticket number generators and the subject-tag parser.

`date_checksum` (the default) gives YYYYMMDD + two-digit system id + a daily
counter (at least five digits) + one check digit, e.g. 2014020442000018.
`increment` gives 1, 2, 3 … Both draw from `TicketNumberCounter`, which makes
them unique under concurrency on every database: the counter row is updated
in the caller's transaction, so a second creator waits for the first commit.
"""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.db import connection

from relaydesk.core.time import now


def check_digit(digits: str) -> int:
    """Weights 1, 2, 1, 2 … over the digits; 10 minus the sum mod 10, 10 becoming 1."""
    total = sum(int(digit) * (1 if index % 2 == 0 else 2) for index, digit in enumerate(digits))
    remainder = 10 - total % 10
    return 1 if remainder == 10 else remainder


# One statement on both databases (SQLite has RETURNING since 3.35). The row
# lock it takes is held until the caller's transaction commits, so concurrent
# creators queue here and never share a value. A block of several values is
# taken in the same one statement.
COUNTER_UPSERT = (
    "INSERT INTO core_ticketnumbercounter (scope, value) VALUES (%s, %s)"
    " ON CONFLICT (scope) DO UPDATE SET value = core_ticketnumbercounter.value + %s"
    " RETURNING value"
)


def next_counter_values(scope: str, count: int = 1) -> range:
    """Advance the scope's counter by `count`; the values taken (caller holds a transaction)."""
    if count < 1:
        raise ValueError(f"count must be at least 1, not {count}")
    with connection.cursor() as cursor:
        cursor.execute(COUNTER_UPSERT, [scope, count, count])
        row = cursor.fetchone()
    last = int(row[0])
    return range(last - count + 1, last + 1)


def date_checksum_number(today: dt.date, counter: int, system_id: int) -> str:
    base = f"{today:%Y%m%d}{system_id:02d}{counter:05d}"
    return f"{base}{check_digit(base)}"


def next_ticket_numbers(count: int) -> list[str]:
    """`count` new ticket numbers, in order, from one counter statement."""
    generator = settings.RELAYDESK_TICKET_NUMBER_GENERATOR
    if generator == "increment":
        return [str(value) for value in next_counter_values("all", count)]
    if generator == "date_checksum":
        today = now().date()
        values = next_counter_values(f"{today:%Y%m%d}", count)
        system_id = settings.RELAYDESK_SYSTEM_ID % 100
        return [date_checksum_number(today, value, system_id) for value in values]
    raise ValueError(f"unknown RELAYDESK_TICKET_NUMBER_GENERATOR {generator!r}")


def next_ticket_number() -> str:
    return next_ticket_numbers(1)[0]


def subject_tag(number: str) -> str:
    """The tag put in front of outgoing subjects, e.g. "[Ticket#2014020442000018]"."""
    return f"[{settings.RELAYDESK_TICKET_HOOK}{number}]"


def find_ticket_number(subject: str) -> str | None:
    """The ticket number in a subject's tag, or None. Matches the hook case-insensitively."""
    hook = re.escape(settings.RELAYDESK_TICKET_HOOK)
    # ASCII digits only: other scripts' digits must not pass for a ticket number.
    pattern = rf"\[\s*{hook}\s*:?\s*([0-9]{{1,32}})\s*\]"
    match = re.search(pattern, subject, flags=re.IGNORECASE)
    return match.group(1) if match else None
