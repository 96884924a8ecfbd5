"""Forms of the customer pages: finding customers, and a ticket on a customer's behalf."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from relaydesk.accounts.models import User, UserKind
from relaydesk.cmdb.models import ConfigurationItem
from relaydesk.cmdb.permissions import visible_items
from relaydesk.tickets.models import (
    TITLE_MAX_LENGTH,
    Priority,
    Queue,
    StateCategory,
    TicketState,
    TicketType,
)
from relaydesk.tickets.permissions import writable_queue_filter

PHONE = "phone"
EMAIL = "email"
KINDS = [
    (PHONE, _("Phone ticket: the customer called, you write down what they said")),
    (EMAIL, _("Email ticket: you write to the customer, who gets it by mail")),
]
MAX_FILES = 10
MAX_FILE_BYTES = 20 * 1024 * 1024


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        cleaned = [super(MultipleFileField, self).clean(item, initial) for item in files]
        if len(cleaned) > MAX_FILES:
            raise forms.ValidationError(_("At most %(count)d files.") % {"count": MAX_FILES})
        for upload in cleaned:
            if upload.size > MAX_FILE_BYTES:
                raise forms.ValidationError(
                    _("%(name)s is larger than 20 MB.") % {"name": upload.name}
                )
        return cleaned


class CustomerSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Name, address or domain"),
        required=False,
        max_length=254,
        widget=forms.TextInput(attrs={"type": "search", "autofocus": True}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class NewTicketForm(forms.Form):
    """A phone ticket or an outgoing email ticket; the action validates the rest."""

    kind = forms.ChoiceField(label=_("Kind"), choices=KINDS, widget=forms.RadioSelect)
    customer = forms.EmailField(
        label=_("Customer's address"),
        max_length=254,
        help_text=_("An unknown address becomes a new customer."),
    )
    title = forms.CharField(label=_("Subject"), max_length=TITLE_MAX_LENGTH)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 10}))
    queue: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("Queue"), queryset=None)
    state: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("State"), queryset=None, required=False
    )
    priority: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Priority"), queryset=None, required=False
    )
    ticket_type: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Type"), queryset=None, required=False
    )
    owner: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Owner"), queryset=None, required=False
    )
    attachments = MultipleFileField(label=_("Attachments"), required=False)
    # The configuration item the ticket is about (from the item's "Create ticket").
    item: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None, required=False, widget=forms.HiddenInput
    )

    def __init__(
        self, *args: Any, user: User, item: ConfigurationItem | None = None, **kwargs: Any
    ) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        queues = Queue.objects.filter(writable_queue_filter(user), is_active=True)
        if item is not None and settings.RELAYDESK_CMDB_TICKET_QUEUES:
            queues = queues.filter(name__in=settings.RELAYDESK_CMDB_TICKET_QUEUES)
        fields["queue"].queryset = queues.distinct().order_by("name")
        fields["item"].queryset = visible_items(user)
        fields["state"].queryset = TicketState.objects.filter(is_active=True).exclude(
            category=StateCategory.MERGED
        )
        fields["state"].empty_label = _("(default: new)")
        fields["priority"].queryset = Priority.objects.order_by("level")
        fields["priority"].empty_label = _("(the queue's default)")
        fields["ticket_type"].queryset = TicketType.objects.filter(is_active=True)
        fields["owner"].queryset = User.objects.filter(
            kind=UserKind.AGENT, is_active=True
        ).order_by("name", "email")
        fields["owner"].empty_label = _("(nobody)")
        fields["owner"].label_from_instance = lambda agent: agent.get_full_name()
