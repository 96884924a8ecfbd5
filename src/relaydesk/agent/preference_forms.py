"""The agent's preferences form: language, time zone, mail, My Queues, out of office.

The preference keys are the ones mail/outbound and the dashboard read
(mail/outbound/recipients.py): `notifications` ({kind: bool}, on by default),
`my_queues` (a list of queue ids; unset means every queue the agent may
write), `out_of_office` ({"start": "YYYY-MM-DD", "end": "YYYY-MM-DD"}, both
days included, in the agent's time zone).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from relaydesk.accounts.models import User
from relaydesk.mail.outbound.kinds import MailKind
from relaydesk.tickets.visibility import readable_queues

# The agent kinds of mail, in the order the form shows them, with their labels.
NOTIFICATION_FIELDS: dict[str, tuple[str, Any]] = {
    "notify_new_ticket": (MailKind.NEW_TICKET, _("A new ticket arrives in one of My Queues")),
    "notify_follow_up": (MailKind.FOLLOW_UP, _("A customer follows up on a ticket I own")),
    "notify_owner_changed": (MailKind.OWNER_CHANGED, _("A ticket is assigned to me")),
    "notify_pending_reminder": (
        MailKind.PENDING_REMINDER,
        _("A pending reminder of my ticket is reached"),
    ),
}


def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


def notification_settings(user: User) -> dict[str, bool]:
    chosen = user.preferences.get("notifications") if isinstance(user.preferences, dict) else None
    chosen = chosen if isinstance(chosen, dict) else {}
    return {
        kind: chosen.get(kind, True) is not False for kind, _label in NOTIFICATION_FIELDS.values()
    }


def out_of_office_period(user: User) -> tuple[dt.date | None, dt.date | None]:
    period = user.preferences.get("out_of_office") if isinstance(user.preferences, dict) else None
    if not isinstance(period, dict):
        return None, None
    try:
        return (
            dt.date.fromisoformat(str(period.get("start", ""))[:10]),
            dt.date.fromisoformat(str(period.get("end", ""))[:10]),
        )
    except ValueError:
        return None, None


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    timezone = forms.ChoiceField(
        label=_("Time zone"),
        help_text=_("Every time is shown in this zone."),
        choices=timezone_choices,
    )
    notify_new_ticket = forms.BooleanField(required=False)
    notify_follow_up = forms.BooleanField(required=False)
    notify_owner_changed = forms.BooleanField(required=False)
    notify_pending_reminder = forms.BooleanField(required=False)
    my_queues: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        label=_("My Queues"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "The dashboard's “My Queues” and the new-ticket mail. None chosen: "
            "every queue you may work in."
        ),
    )
    away_from = forms.DateField(
        label=_("Out of office from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    away_until = forms.DateField(
        label=_("Out of office until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Both days included. Meanwhile you get no mail, and others see a badge."),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["my_queues"].queryset = readable_queues(user).order_by("name")
        for name, (_kind, label) in NOTIFICATION_FIELDS.items():
            fields[name].label = label

    @classmethod
    def initial_for(cls, user: User) -> dict[str, Any]:
        chosen = notification_settings(user)
        start, end = out_of_office_period(user)
        queues = user.preferences.get("my_queues") if isinstance(user.preferences, dict) else None
        return {
            "language": user.language,
            "timezone": user.timezone,
            **{name: chosen[kind] for name, (kind, _label) in NOTIFICATION_FIELDS.items()},
            "my_queues": queues if isinstance(queues, list) else [],
            "away_from": start,
            "away_until": end,
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("away_from"), data.get("away_until")
        if bool(start) != bool(end):
            self.add_error(
                "away_until" if start else "away_from",
                _("Give both days of the out-of-office period, or neither."),
            )
        elif start and end and end < start:
            self.add_error("away_until", _("The last day comes before the first."))
        return data

    def notification_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in NOTIFICATION_FIELDS]

    def preferences(self) -> dict[str, Any]:
        """The preference keys to store (None: remove the key)."""
        data = self.cleaned_data
        queues = data["my_queues"]
        period = None
        if data.get("away_from") and data.get("away_until"):
            period = {"start": data["away_from"].isoformat(), "end": data["away_until"].isoformat()}
        return {
            "notifications": {
                str(kind): bool(data[name]) for name, (kind, _label) in NOTIFICATION_FIELDS.items()
            },
            "my_queues": sorted(queue.pk for queue in queues) if queues else None,
            "out_of_office": period,
        }
