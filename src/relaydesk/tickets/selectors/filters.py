"""The ticket list's filter: a typed object, parsed from (and written back to) a querystring.

Views parse `request.GET` with `parse_filters`; saved searches store the same
querystring (`filters_querystring`). Unknown keys are ignored, so a view may
keep its own parameters (`sort`, `cursor`, `size`) in the same querystring.
A bad value raises `ValidationFailed` naming each bad key.

- `queue`, `state`, `priority`, `type`, `customer`, `organisation`: any of these
  ids (repeated keys or comma-separated);
- `state_category`: any of these categories (`new`, `open`, `pending_reminder` …);
- `owner`, `responsible`: any of these agents' ids, `none` standing for nobody;
- `locked`: `yes` or `no` (also `true`/`false`, `1`/`0`);
- `created_after`, `created_before`, `updated_after`, `updated_before`: ISO
  date or date-time;
- `q`: words, each found as a prefix in the ticket's text (tickets/search).

A date (`2025-03-01`) is a day in the viewer's time zone: `…_after` includes
that day from its start, `…_before` includes it to its end. A date-time
without a zone is read in the viewer's zone too.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlencode

from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from relaydesk.accounts.models import User
from relaydesk.core.errors import ValidationFailed
from relaydesk.tickets.models import StateCategory, Ticket
from relaydesk.tickets.search import matching_ids_sql

NOBODY = "none"
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})
MAX_VALUES = 200
MAX_TEXT_LENGTH = 500


class MultiValueMapping(Protocol):
    """What `parse_filters` reads: a QueryDict, or anything with `getlist`."""

    def getlist(self, key: str, default: Any = ...) -> list[Any]: ...


@dataclass(frozen=True)
class TicketFilters:
    """What a ticket list is narrowed to; an empty tuple or None means "any".

    In `owners` and `responsibles`, None stands for "nobody".
    """

    queues: tuple[int, ...] = ()
    states: tuple[int, ...] = ()
    state_categories: tuple[str, ...] = ()
    owners: tuple[int | None, ...] = ()
    responsibles: tuple[int | None, ...] = ()
    locked: bool | None = None
    priorities: tuple[int, ...] = ()
    types: tuple[int, ...] = ()
    customers: tuple[int, ...] = ()
    organisations: tuple[int, ...] = ()
    created_after: dt.datetime | None = None
    created_before: dt.datetime | None = None
    updated_after: dt.datetime | None = None
    updated_before: dt.datetime | None = None
    text: str = ""

    @property
    def is_empty(self) -> bool:
        return self == TicketFilters()


# key in the querystring -> attribute of TicketFilters, for the plain id lists
ID_KEYS = {
    "queue": "queues",
    "state": "states",
    "priority": "priorities",
    "type": "types",
    "customer": "customers",
    "organisation": "organisations",
}
PERSON_KEYS = {"owner": "owners", "responsible": "responsibles"}
RANGE_KEYS = ("created_after", "created_before", "updated_after", "updated_before")


def _values(data: MultiValueMapping | Mapping[str, Any], key: str) -> list[str]:
    """Every non-empty value of `key`, repeated keys and comma-separated lists alike."""
    if hasattr(data, "getlist"):
        raw: Iterable[Any] = data.getlist(key)
    else:
        value = data.get(key)
        raw = value if isinstance(value, list | tuple) else ([] if value is None else [value])
    found = [part.strip() for item in raw for part in str(item).split(",")]
    return [part for part in found if part]


def _ids(key: str, values: list[str], *, nobody: bool = False) -> tuple[Any, ...]:
    if len(values) > MAX_VALUES:
        raise ValueError(_("at most %(limit)d values") % {"limit": MAX_VALUES})
    parsed: list[int | None] = []
    for value in values:
        if nobody and value.lower() == NOBODY:
            parsed.append(None)
            continue
        if not value.isascii() or not value.isdigit() or len(value) > 18:
            raise ValueError(_("%(value)s is not an id") % {"value": repr(value)})
        parsed.append(int(value))
    return tuple(dict.fromkeys(parsed))


def _boolean(values: list[str]) -> bool | None:
    if not values:
        return None
    if len(values) > 1:
        raise ValueError(_("give one value"))
    word = values[0].lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(_("%(value)s is neither yes nor no") % {"value": repr(values[0])})


def _instant(values: list[str], *, zone: dt.tzinfo, end_of_day: bool) -> dt.datetime | None:
    if not values:
        return None
    if len(values) > 1:
        raise ValueError(_("give one value"))
    text = values[0]
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            if end_of_day:
                day += dt.timedelta(days=1)
            moment = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
        else:
            moment = dt.datetime.fromisoformat(text)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=zone)
    except ValueError:
        raise ValueError(
            _("%(value)s is not a date (YYYY-MM-DD) or a date-time") % {"value": repr(text)}
        ) from None
    return moment.astimezone(dt.UTC)


def _zone(timezone: str | dt.tzinfo) -> dt.tzinfo:
    if isinstance(timezone, dt.tzinfo):
        return timezone
    try:
        return zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def parse_filters(
    data: MultiValueMapping | Mapping[str, Any], *, timezone: str | dt.tzinfo = "UTC"
) -> TicketFilters:
    """Read the filter keys of a querystring; ValidationFailed names every bad key.

    `timezone` is the viewer's (`user.timezone`): dates are days in that zone.
    """
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    zone = _zone(timezone)

    def attempt(key: str, attribute: str, parse: Any) -> None:
        try:
            values[attribute] = parse(_values(data, key))
        except ValueError as exc:
            errors[key] = str(exc)

    for key, attribute in ID_KEYS.items():
        attempt(key, attribute, lambda found, key=key: _ids(key, found))
    for key, attribute in PERSON_KEYS.items():
        attempt(key, attribute, lambda found, key=key: _ids(key, found, nobody=True))
    attempt("state_category", "state_categories", _categories)
    attempt("locked", "locked", _boolean)
    for key in RANGE_KEYS:
        end = key.endswith("_before")
        attempt(key, key, lambda found, end=end: _instant(found, zone=zone, end_of_day=end))
    attempt("q", "text", _text)
    for low, high in (("created_after", "created_before"), ("updated_after", "updated_before")):
        if values.get(low) and values.get(high) and values[low] >= values[high]:
            errors.setdefault(high, _("must be later than %(key)s") % {"key": low})
    if errors:
        raise ValidationFailed(errors)
    return TicketFilters(**values)


def _categories(values: list[str]) -> tuple[str, ...]:
    for value in values:
        if value not in StateCategory.values:
            raise ValueError(
                _("unknown state category %(value)s; one of %(known)s")
                % {"value": repr(value), "known": ", ".join(StateCategory.values)}
            )
    return tuple(dict.fromkeys(values))


def _text(values: list[str]) -> str:
    text = " ".join(values).strip()
    if len(text) > MAX_TEXT_LENGTH:
        raise ValueError(_("is longer than %(limit)d characters") % {"limit": MAX_TEXT_LENGTH})
    return text


def filters_querystring(filters: TicketFilters) -> str:
    """The querystring `parse_filters` reads back into the same filters (for saved searches)."""
    pairs: list[tuple[str, str]] = []
    for key, attribute in {**ID_KEYS, **PERSON_KEYS}.items():
        for value in getattr(filters, attribute):
            pairs.append((key, NOBODY if value is None else str(value)))
    pairs += [("state_category", category) for category in filters.state_categories]
    if filters.locked is not None:
        pairs.append(("locked", "yes" if filters.locked else "no"))
    for key in RANGE_KEYS:
        moment = getattr(filters, key)
        if moment is not None:
            pairs.append((key, moment.isoformat()))
    if filters.text:
        pairs.append(("q", filters.text))
    return urlencode(pairs)


def _people(column: str, ids: tuple[int | None, ...]) -> Q:
    chosen = [pk for pk in ids if pk is not None]
    condition = Q(**{f"{column}__in": chosen}) if chosen else Q(pk__in=[])
    if None in ids:
        condition |= Q(**{f"{column}__isnull": True})
    return condition


def apply_filters(
    tickets: QuerySet[Ticket], filters: TicketFilters, user: User
) -> QuerySet[Ticket]:
    """Narrow `tickets` (already visible to `user`) to what the filters ask for."""
    plain = {
        "queue_id__in": filters.queues,
        "state_id__in": filters.states,
        "state__category__in": filters.state_categories,
        "priority_id__in": filters.priorities,
        "type_id__in": filters.types,
        "customer_id__in": filters.customers,
        "organisation_id__in": filters.organisations,
    }
    condition = Q(**{lookup: list(value) for lookup, value in plain.items() if value})
    if filters.owners:
        condition &= _people("owner_id", filters.owners)
    if filters.responsibles:
        condition &= _people("responsible_id", filters.responsibles)
    if filters.locked is not None:
        condition &= Q(is_locked=filters.locked)
    ranges = {
        "created_at__gte": filters.created_after,
        "created_at__lt": filters.created_before,
        "updated_at__gte": filters.updated_after,
        "updated_at__lt": filters.updated_before,
    }
    condition &= Q(**{lookup: value for lookup, value in ranges.items() if value is not None})
    tickets = tickets.filter(condition)
    match = matching_ids_sql(user, filters.text) if filters.text else None
    if match is not None:  # text without a single word narrows nothing
        tickets = tickets.filter(pk__in=RawSQL(*match))  # noqa: S611 - our SQL, bound terms
    return tickets
