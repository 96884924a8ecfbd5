"""Forms of the search pages: the advanced search and saving a search under a name.

The advanced form's field names are the ticket list's filter keys
(tickets/selectors/filters.py), so the querystring it sends is what
`parse_filters` reads; `sender` is the one key of the search page's own.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from relaydesk.accounts.models import Organisation, User, UserKind
from relaydesk.agent.models import LAST_SEARCH, SavedSearch
from relaydesk.tickets.models import Priority, StateCategory, TicketState, TicketType
from relaydesk.tickets.visibility import readable_queues

YES_NO = [("", _("either")), ("yes", _("locked")), ("no", _("not locked"))]
DATE = forms.DateInput(attrs={"type": "date"})


class AdvancedSearchForm(forms.Form):
    """Every list filter, the full text and the sender; sent with GET to the search page."""

    q = forms.CharField(label=_("Words"), required=False, max_length=500)
    sender = forms.CharField(
        label=_("Sender"),
        required=False,
        max_length=254,
        help_text=_("A customer's address, the start of it, or a domain such as example.com."),
    )
    queue: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        label=_("Queues"), queryset=None, required=False
    )
    state_category = forms.MultipleChoiceField(
        label=_("State categories"), choices=StateCategory.choices, required=False
    )
    state: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        label=_("States"), queryset=None, required=False
    )
    priority: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        label=_("Priorities"), queryset=None, required=False
    )
    type: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        label=_("Types"), queryset=None, required=False
    )
    owner = forms.MultipleChoiceField(label=_("Owners"), required=False)
    responsible = forms.MultipleChoiceField(label=_("Responsible"), required=False)
    locked = forms.ChoiceField(label=_("Lock"), choices=YES_NO, required=False)
    organisation: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        label=_("Organisations"), queryset=None, required=False
    )
    created_after = forms.DateField(label=_("Created from"), required=False, widget=DATE)
    created_before = forms.DateField(label=_("Created until"), required=False, widget=DATE)
    updated_after = forms.DateField(label=_("Changed from"), required=False, widget=DATE)
    updated_before = forms.DateField(label=_("Changed until"), required=False, widget=DATE)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["queue"].queryset = readable_queues(user).order_by("name")
        fields["state"].queryset = TicketState.objects.filter(is_active=True)
        fields["priority"].queryset = Priority.objects.order_by("level")
        fields["type"].queryset = TicketType.objects.filter(is_active=True)
        fields["organisation"].queryset = Organisation.objects.filter(is_active=True)
        agents = [
            (str(pk), name or email)
            for pk, name, email in User.objects.filter(kind=UserKind.AGENT, is_active=True)
            .order_by("name", "email")
            .values_list("pk", "name", "email")
        ]
        nobody = [("none", _("nobody"))]
        fields["owner"].choices = nobody + agents
        fields["responsible"].choices = nobody + agents
        for name in ("queue", "state_category", "state", "priority", "type", "organisation"):
            fields[name].widget.attrs["size"] = 4
        for name in ("owner", "responsible"):
            fields[name].widget.attrs["size"] = 4


class SaveSearchForm(forms.Form):
    """A name for the search in `query` (a querystring), unique among the agent's searches."""

    name = forms.CharField(label=_("Name"), max_length=100)
    query = forms.CharField(widget=forms.HiddenInput, required=False, max_length=4000)

    def __init__(self, *args: Any, user: User, instance: SavedSearch | None = None, **kwargs: Any):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.user = user
        self.instance = instance

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Give the search a name."))
        if name == LAST_SEARCH:
            raise forms.ValidationError(
                _("“%(name)s” is kept automatically; choose another name.") % {"name": name}
            )
        others = SavedSearch.objects.filter(Q(owner=self.user) & Q(name=name))
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(_("You already have a search with this name."))
        return name
