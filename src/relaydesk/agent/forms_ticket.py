"""Forms of the ticket zoom's actions. Each carries the ticket's version and the
time the page was loaded, for the stale check (the actions raise Conflict)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import forms
from django.db.models import QuerySet
from django.forms.models import ModelChoiceIterator
from django.forms.utils import flatatt
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from relaydesk.accounts.models import User
from relaydesk.tickets.models import (
    LinkKind,
    Priority,
    Queue,
    StateCategory,
    TicketState,
    TicketType,
)

BODY_MAX_LENGTH = 100_000


def zone_of(user: User) -> ZoneInfo:
    try:
        return ZoneInfo(user.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


class Hidden(forms.HiddenInput):
    """A hidden input written directly: the zoom holds a dozen forms with three
    hidden fields each, and the template renderer made them a noticeable cost."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        final = self.build_attrs(self.attrs, attrs)
        shown = self.format_value(value)
        return format_html(
            '<input type="hidden" name="{}"{}{}>',
            name,
            format_html(' value="{}"', shown) if shown is not None else "",
            flatatt(final),
        )


class TicketActionForm(forms.Form):
    """The base of every action form: the version seen, when the page was loaded,
    and whether the agent chose to go on although the ticket changed meanwhile."""

    version = forms.IntegerField(widget=Hidden, min_value=1)
    loaded_at = forms.CharField(widget=Hidden, required=False, max_length=64)
    go_on = forms.BooleanField(widget=Hidden, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def freeze_choices(self) -> None:
        """Read each picker's rows once (a select otherwise queries them twice)."""
        for field in self.fields.values():
            choices = getattr(field, "choices", None)
            if isinstance(choices, ModelChoiceIterator):
                field.choices = list(iter(choices))  # type: ignore[attr-defined]  # iter(): no COUNT

    def loaded_time(self) -> dt.datetime | None:
        value = parse_datetime(self.cleaned_data.get("loaded_at") or "")
        if value is None or value.tzinfo is None:
            return None
        return value


class ArticleForm(TicketActionForm):
    """Reply, internal note or phone note."""

    subject = forms.CharField(label=_("Subject"), required=False, max_length=998)
    body = forms.CharField(
        label=_("Text"),
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
    )


class ReplyForm(ArticleForm):
    RECIPIENTS = (("customer", _("To the customer")), ("all", _("Reply to all")))

    recipients = forms.ChoiceField(
        label=_("Recipients"), choices=RECIPIENTS, initial="customer", widget=forms.RadioSelect
    )
    article = forms.IntegerField(widget=Hidden, required=False)
    field_order = ["recipients", "subject", "body"]


class ForwardForm(TicketActionForm):
    article = forms.IntegerField(widget=Hidden)
    to_address = forms.EmailField(label=_("Forward to"), max_length=254)
    note = forms.CharField(
        label=_("Note to the recipient"),
        required=False,
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class AgentChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """Agents by name (the address is in the title of the page's people lists)."""

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.get_full_name())


class OwnerForm(TicketActionForm):
    owner = AgentChoiceField(
        label=_("Owner"), queryset=User.objects.none(), required=False, empty_label=_("nobody")
    )

    def __init__(self, *args: Any, agents: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = agents  # type: ignore[attr-defined]


class LockForm(TicketActionForm):
    take_over = forms.BooleanField(widget=Hidden, required=False)


class StateForm(TicketActionForm):
    state = forms.ModelChoiceField(
        label=_("State"),
        queryset=TicketState.objects.filter(is_active=True).exclude(category=StateCategory.MERGED),
        empty_label=None,
    )
    pending_until = forms.DateTimeField(
        label=_("Pending until"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        help_text=_("For pending states: when the ticket comes back (your time zone)."),
    )

    def __init__(self, *args: Any, zone: ZoneInfo, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        state, until = data.get("state"), data.get("pending_until")
        if until is not None:
            # The browser sends wall-clock time; it is the agent's zone.
            data["pending_until"] = until.replace(tzinfo=None).replace(tzinfo=self.zone)
        if state is not None and state.is_pending and until is None:
            self.add_error("pending_until", _("A pending state needs a date and time."))
        if state is not None and not state.is_pending:
            data["pending_until"] = None
        return data


class PriorityForm(TicketActionForm):
    priority = forms.ModelChoiceField(
        label=_("Priority"), queryset=Priority.objects.all(), empty_label=None
    )


class TypeForm(TicketActionForm):
    ticket_type = forms.ModelChoiceField(
        label=_("Type"),
        queryset=TicketType.objects.filter(is_active=True),
        required=False,
        empty_label=_("none"),
    )


class QueueForm(TicketActionForm):
    queue = forms.ModelChoiceField(
        label=_("Queue"), queryset=Queue.objects.none(), empty_label=None
    )

    def __init__(self, *args: Any, queues: QuerySet[Queue], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["queue"].queryset = queues  # type: ignore[attr-defined]


class LinkForm(TicketActionForm):
    number = forms.CharField(label=_("Ticket number"), max_length=32)
    kind = forms.ChoiceField(label=_("Link type"), choices=LinkKind.choices)


class MergeForm(TicketActionForm):
    number = forms.CharField(
        label=_("Merge into ticket number"),
        max_length=32,
        help_text=_("This ticket's articles move there; this ticket becomes merged."),
    )
    confirmed = forms.BooleanField(widget=Hidden, required=False)
    # The number the preview was shown for: a changed number is previewed again.
    previewed = forms.CharField(widget=Hidden, required=False, max_length=32)


class SplitForm(TicketActionForm):
    article = forms.IntegerField(widget=Hidden)
    title = forms.CharField(label=_("Title of the new ticket"), max_length=255, required=False)


class CloseForm(TicketActionForm):
    state = forms.ModelChoiceField(
        label=_("Closed state"),
        queryset=TicketState.objects.filter(is_active=True, category=StateCategory.CLOSED),
        empty_label=None,
    )
