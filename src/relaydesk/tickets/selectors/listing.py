"""The ticket list: filters, a sort on any column, keyset pagination.

Keyset ("cursor") paging instead of OFFSET: a page is "the next `size` rows
after this (sort value, id)", which costs the same on page 1 and page 4,000
and neither skips nor repeats a row when tickets are added meanwhile. The id
breaks ties, so rows with equal sort values page stably. Cursors are opaque
strings; they carry the sort they were made for and are refused with another.

Ascending sorts put empty values (no owner, no pending time …) last,
descending sorts first: one the exact reverse of the other, as the
"previous page" needs, and PostgreSQL's default order, so its indexes serve.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q, QuerySet
from django.db.models.expressions import OrderBy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from relaydesk.accounts.models import User
from relaydesk.core.errors import ValidationFailed
from relaydesk.tickets.models import Ticket
from relaydesk.tickets.selectors.filters import TicketFilters, apply_filters
from relaydesk.tickets.visibility import visible_tickets

# What a list row shows. Rows are read in two steps (`fetch_rows`): the page's
# ids from the filtered, sorted query without any join, then those rows by id
# with the configuration rows joined, and the people and the organisation one
# query each. One query joining everything made PostgreSQL spend 10-30 ms
# planning (join orders over the joins and the visibility subquery) and pick
# worse plans; each step alone plans in about 1 ms.
ROW_RELATIONS = ("queue", "state", "priority", "type")
ROW_PREFETCHES = ("customer", "organisation", "owner", "responsible")
DEFAULT_SORT = "-updated"
DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class SortColumn:
    """A column one may sort by: its label, the field path and its kind."""

    label: Any  # a lazy translatable string
    path: str
    kind: type  # str, int or dt.datetime: how a cursor value is read back
    nullable: bool = False


SORT_COLUMNS: dict[str, SortColumn] = {
    "number": SortColumn(gettext_lazy("number"), "number", str),
    "title": SortColumn(gettext_lazy("title"), "title", str),
    "queue": SortColumn(gettext_lazy("queue"), "queue__name", str),
    "state": SortColumn(gettext_lazy("state"), "state__name", str),
    "priority": SortColumn(gettext_lazy("priority"), "priority__level", int),
    "type": SortColumn(gettext_lazy("type"), "type__name", str, nullable=True),
    "customer": SortColumn(gettext_lazy("customer"), "customer__email", str, nullable=True),
    "organisation": SortColumn(
        gettext_lazy("organisation"), "organisation__name", str, nullable=True
    ),
    "owner": SortColumn(gettext_lazy("owner"), "owner__email", str, nullable=True),
    "responsible": SortColumn(
        gettext_lazy("responsible"), "responsible__email", str, nullable=True
    ),
    "created": SortColumn(gettext_lazy("created"), "created_at", dt.datetime),
    "updated": SortColumn(gettext_lazy("updated"), "updated_at", dt.datetime),
    "pending_until": SortColumn(
        gettext_lazy("pending until"), "pending_until", dt.datetime, nullable=True
    ),
}


@dataclass(frozen=True)
class Sort:
    """A sort column and its direction; `str(sort)` is the querystring form (`-updated`)."""

    key: str
    descending: bool

    @property
    def column(self) -> SortColumn:
        return SORT_COLUMNS[self.key]

    def __str__(self) -> str:
        return f"-{self.key}" if self.descending else self.key


def parse_sort(text: str | None) -> Sort:
    """`updated` ascending, `-updated` descending; empty gives the default (`-updated`)."""
    text = (text or DEFAULT_SORT).strip()
    key = text.removeprefix("-")
    if key not in SORT_COLUMNS:
        raise ValidationFailed(
            {
                "sort": _("cannot sort by %(value)s; one of %(known)s")
                % {"value": repr(text), "known": ", ".join(SORT_COLUMNS)}
            }
        )
    return Sort(key, descending=text.startswith("-"))


@dataclass(frozen=True)
class TicketPage:
    """One page of the list; a cursor is None where there is nothing more that way."""

    rows: list[Ticket]
    next_cursor: str | None
    previous_cursor: str | None
    count: int | None  # all matching rows, when asked for


def fetch_rows(tickets: QuerySet[Ticket], limit: int, offset: int = 0) -> list[Ticket]:
    """Rows `offset` to `offset + limit` of an ordered queryset, with what a row shows.

    At most six queries whatever the number of rows: the ids, the rows by id
    (queue, state, priority, type joined), then customers, organisations,
    owners and responsibles — each of those only when some row has one.
    """
    ids = list(tickets.values_list("pk", flat=True)[offset : offset + limit])
    if not ids:
        return []
    loaded = Ticket.objects.filter(pk__in=ids).select_related(*ROW_RELATIONS)
    by_id = {row.pk: row for row in loaded.prefetch_related(*ROW_PREFETCHES)}
    return [by_id[pk] for pk in ids if pk in by_id]


def _ordering(sort: Sort, *, reverse: bool) -> list[OrderBy]:
    descending = sort.descending != reverse
    if descending:
        return [F(sort.column.path).desc(nulls_first=True), F("pk").desc()]
    return [F(sort.column.path).asc(nulls_last=True), F("pk").asc()]


def _beyond(column: SortColumn, value: Any, pk: int, *, descending: bool) -> Q:
    """Rows strictly after (value, pk) in the order; the lone `lte`/`gte` bounds an index scan."""
    path = column.path
    if value is None:  # only nullable columns carry None
        among_nulls = Q(**{f"{path}__isnull": True, ("pk__lt" if descending else "pk__gt"): pk})
        if descending:  # empty values come first: every non-empty one is after them
            return among_nulls | Q(**{f"{path}__isnull": False})
        return among_nulls  # empty values come last
    if descending:
        return Q(**{f"{path}__lte": value}) & (
            Q(**{f"{path}__lt": value}) | Q(**{path: value, "pk__lt": pk})
        )
    condition = Q(**{f"{path}__gte": value}) & (
        Q(**{f"{path}__gt": value}) | Q(**{path: value, "pk__gt": pk})
    )
    if column.nullable:
        condition |= Q(**{f"{path}__isnull": True})
    return condition


def _sort_value(row: Ticket, column: SortColumn) -> Any:
    value: Any = row
    for part in column.path.split("__"):
        value = getattr(value, part)
        if value is None:
            return None
    return value


def _encode(sort: Sort, row: Ticket, *, backward: bool) -> str:
    value = _sort_value(row, sort.column)
    if isinstance(value, dt.datetime):
        value = value.isoformat()
    payload = {"s": str(sort), "v": value, "i": row.pk, "b": backward}
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str, sort: Sort) -> tuple[Any, int, bool]:
    """(sort value, id, backward) from a cursor made for `sort`."""
    bad = ValidationFailed({"cursor": _("is not a cursor of this list")})
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = json.loads(raw)
        value, pk, backward = payload["v"], payload["i"], payload["b"]
        if payload["s"] != str(sort) or type(pk) is not int or type(backward) is not bool:
            raise bad
        if value is not None and sort.column.kind is dt.datetime:
            value = dt.datetime.fromisoformat(value)
        elif value is not None and not isinstance(value, sort.column.kind):
            raise bad
        if value is None and not sort.column.nullable:
            raise bad
    except (binascii.Error, ValueError, TypeError, KeyError, UnicodeDecodeError):
        raise bad from None
    return value, pk, backward


def list_page(
    user: User,
    filters: TicketFilters | None = None,
    sort: Sort | str | None = None,
    cursor: str | None = None,
    size: int = DEFAULT_PAGE_SIZE,
    *,
    with_count: bool = True,
) -> TicketPage:
    """One page of the tickets `user` may see, filtered and sorted.

    The rows with their related objects take at most six queries (see
    `fetch_rows`), the count one more; the full-text filter adds none
    (it is a subquery).
    """
    sort = sort if isinstance(sort, Sort) else parse_sort(sort)
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise ValidationFailed(
            {"size": _("must be between 1 and %(limit)d") % {"limit": MAX_PAGE_SIZE}}
        )
    tickets = apply_filters(visible_tickets(user), filters or TicketFilters(), user)
    backward = False
    page = tickets
    if cursor:
        value, pk, backward = _decode(cursor, sort)
        descending = sort.descending != backward
        page = tickets.filter(_beyond(sort.column, value, pk, descending=descending))
    rows = fetch_rows(page.order_by(*_ordering(sort, reverse=backward)), size + 1)
    has_more = len(rows) > size
    rows = rows[:size]
    if backward:
        rows.reverse()
    has_next = has_more if not backward else True
    has_previous = has_more if backward else bool(cursor)
    return TicketPage(
        rows=rows,
        next_cursor=_encode(sort, rows[-1], backward=False) if rows and has_next else None,
        previous_cursor=_encode(sort, rows[0], backward=True) if rows and has_previous else None,
        count=tickets.count() if with_count else None,
    )
