"""What the dashboard widgets and the ticket list share: the columns a ticket
row can show, the viewer's time zone, and saving one of the agent's preferences.

Rows render through `agent/lists/row.html`, one `<td>` per column key.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django import forms
from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from relaydesk.accounts.models import User, UserKind

# Column key -> heading. The keys that are also sort keys (tickets/selectors
# listing.SORT_COLUMNS) can be sorted by clicking their heading.
COLUMNS: dict[str, str | Promise] = {
    "number": _("Number"),
    "title": _("Title"),
    "customer": _("Customer"),
    "organisation": _("Organisation"),
    "queue": _("Queue"),
    "state": _("State"),
    "priority": _("Priority"),
    "type": _("Type"),
    "owner": _("Owner"),
    "responsible": _("Responsible"),
    "created": _("Created"),
    "updated": _("Updated"),
    "pending_until": _("Pending until"),
}
# Always shown in the list: a row without them cannot be recognised.
REQUIRED_COLUMNS = ("number", "title")
DEFAULT_LIST_COLUMNS = (
    "number",
    "title",
    "customer",
    "queue",
    "state",
    "priority",
    "owner",
    "updated",
)
# The dashboard's widgets show one fixed line per ticket; "created" reads as its age.
WIDGET_COLUMNS = ("number", "title", "customer", "queue", "state", "priority", "owner", "created")


def viewer_zone(user: User) -> dt.tzinfo:
    """The agent's time zone (`User.timezone`); UTC when it names no zone."""
    try:
        return zoneinfo.ZoneInfo(user.timezone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def preference(user: User, key: str) -> Any:
    """One of the agent's preferences (`User.preferences[key]`), None when unset."""
    return user.preferences.get(key) if isinstance(user.preferences, dict) else None


def save_preference(user: User, key: str, value: Any) -> None:
    """Store `User.preferences[key]`, leaving the other keys as they are in the
    database (another tab or page may have saved one meanwhile)."""
    with transaction.atomic():
        row = User.objects.select_for_update().only("pk", "preferences").get(pk=user.pk)
        preferences = dict(row.preferences) if isinstance(row.preferences, dict) else {}
        preferences[key] = value
        User.objects.filter(pk=user.pk).update(preferences=preferences)
    user.preferences = preferences


def headings(
    columns: tuple[str, ...] | list[str], **renamed: str | Promise
) -> list[tuple[str, str | Promise]]:
    """(key, heading) of each column; `renamed` overrides a heading (created="Age")."""
    return [(key, renamed.get(key, COLUMNS[key])) for key in columns]


def active_agents() -> list[tuple[str, str]]:
    """(id, name) of every active agent, for the owner pickers."""
    rows = User.objects.filter(kind=UserKind.AGENT, is_active=True).order_by("name", "email")
    return [(str(pk), name or email) for pk, name, email in rows.values_list("pk", "name", "email")]


def set_choices(form: forms.Form, name: str, choices: list[tuple[str, Any]]) -> None:
    """Give a form's choice field its choices (read from the database per request)."""
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)  # noqa: S101 - a programming error otherwise
    field.choices = choices
