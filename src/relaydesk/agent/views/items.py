"""IT documentation in the agent interface: find items, an item's page
(attributes, relations, All tickets, logbook), and revealing a secret.

Items are read through `cmdb.permissions.visible_items`; the item's tickets
through the visibility rule (`cmdb.selectors.item_tickets`), so a ticket in a
queue the agent cannot read is neither listed nor counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from relaydesk.agent.decorators import agent_required
from relaydesk.agent.http import AgentRequest
from relaydesk.cmdb import actions, permissions
from relaydesk.cmdb.models import AttributeKind, ConfigurationItem, ItemClass
from relaydesk.cmdb.selectors import item_tickets, items_matching, logbook, relations_of
from relaydesk.core.errors import DomainError
from relaydesk.tickets.models import Channel

PAGE_SIZE = 25
TICKETS_SHOWN = 50


class ItemSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Name, serial, inventory number, IP or other value"),
        required=False,
        max_length=200,
    )
    item_class = forms.ModelChoiceField(
        label=_("Class"), queryset=ItemClass.objects.all(), required=False
    )


@dataclass(frozen=True)
class ShownAttribute:
    label: str
    kind: str
    value: Any
    item: ConfigurationItem | None = None  # a reference's target
    secret_key: str = ""  # a secret that is set (its value is never on the page)


def _attributes(item: ConfigurationItem) -> list[ShownAttribute]:
    definitions = list(item.item_class.attributes.all())
    referenced = ConfigurationItem.objects.in_bulk(
        [
            item.attributes[d.key]
            for d in definitions
            if d.kind == AttributeKind.REFERENCE and d.key in item.attributes
        ]
    )
    secrets = set(item.secrets.values_list("key", flat=True))
    shown = []
    for definition in definitions:
        value = item.attributes.get(definition.key)
        if definition.kind == AttributeKind.SECRET:
            key = definition.key if definition.key in secrets else ""
            shown.append(ShownAttribute(definition.label, definition.kind, None, secret_key=key))
        elif definition.kind == AttributeKind.REFERENCE:
            target = referenced.get(value) if value is not None else None
            shown.append(ShownAttribute(definition.label, definition.kind, value, item=target))
        else:
            shown.append(ShownAttribute(definition.label, definition.kind, value))
    return shown


def _visible_item(request: AgentRequest, pk: int) -> ConfigurationItem:
    item = (
        permissions.visible_items(request.user)
        # Three levels of location (site › building › room) come with the item.
        .select_related(
            "item_class", "location__parent__parent", "organisation", "responsible_group"
        )
        .filter(pk=pk)
        .first()
    )
    if item is None:
        raise Http404
    return item


@agent_required
def items(request: AgentRequest) -> HttpResponse:
    form = ItemSearchForm(request.GET or None)
    found = items_matching(request.user, "")
    if form.is_valid():
        found = items_matching(request.user, form.cleaned_data["q"])
        if form.cleaned_data["item_class"] is not None:
            found = found.filter(item_class=form.cleaned_data["item_class"])
    try:
        offset = max(0, min(int(request.GET.get("from", "0")), 1_000_000))
    except ValueError:
        offset = 0
    rows = list(found[offset : offset + PAGE_SIZE + 1])
    query = request.GET.copy()
    query["from"] = str(offset + PAGE_SIZE)
    context = {
        "form": form,
        "items": rows[:PAGE_SIZE],
        "next_query": query.urlencode() if len(rows) > PAGE_SIZE else "",
    }
    return render(request, "agent/items/list.html", context)


@agent_required
def item(request: AgentRequest, pk: int) -> HttpResponse:
    shown = _visible_item(request, pk)
    tickets = list(item_tickets(request.user, shown)[: TICKETS_SHOWN + 1])
    context = {
        "item": shown,
        "location_path": shown.location.path() if shown.location else [],
        "attributes": _attributes(shown),
        "relations": relations_of(shown),
        "tickets": tickets[:TICKETS_SHOWN],
        "more_tickets": len(tickets) > TICKETS_SHOWN,
        "logbook": logbook(shown),
        "can_reveal": permissions.can_reveal_secrets(request.user),
    }
    return render(request, "agent/items/item.html", context)


@agent_required
@require_POST
def item_secret(request: AgentRequest, pk: int, key: str) -> HttpResponse:
    """The secret's value in place of its button (htmx) or on a page of its own;
    revealing it is a line in the item's logbook."""
    shown = _visible_item(request, pk)
    template = "agent/items/secret_value.html" if request.htmx else "agent/items/secret.html"
    try:
        value = actions.reveal_secret(actor=request.user, via=Channel.WEB, item=shown, key=key)
    except DomainError as error:
        return render(request, template, {"item": shown, "error": error.message}, status=403)
    response = render(request, template, {"item": shown, "value": value})
    response["Cache-Control"] = "no-store"
    return response
