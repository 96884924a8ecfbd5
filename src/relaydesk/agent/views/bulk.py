"""Bulk actions of the ticket list: one change applied to each selected ticket.

Each ticket goes through its own action in tickets/actions (its own
transaction, permission and history); a ticket the agent may not see is
refused exactly like a missing one, and a refusal never stops the others. The
outcome is one summary: "N done, M refused: #number why; …".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.http import QueryDict
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from relaydesk.accounts.models import User
from relaydesk.agent.views.ticket_rows import active_agents, set_choices, viewer_zone
from relaydesk.core.errors import DomainError
from relaydesk.tickets import actions
from relaydesk.tickets.models import (
    Channel,
    Priority,
    Queue,
    StateCategory,
    Ticket,
    TicketState,
)
from relaydesk.tickets.visibility import visible_tickets

MAX_SELECTION = 200
ACTION_CHOICES = [
    ("", _("Choose an action…")),
    ("state", _("Change state")),
    ("owner", _("Change owner")),
    ("queue", _("Move to queue")),
    ("priority", _("Change priority")),
    ("lock", _("Lock")),
    ("unlock", _("Unlock")),
    ("merge", _("Merge into one")),
    ("close", _("Close")),
]


class BulkForm(forms.Form):
    """The bulk bar above the list; the selected rows' checkboxes post `ticket`."""

    action = forms.ChoiceField(label=_("Action"), choices=ACTION_CHOICES)
    state = forms.ChoiceField(label=_("State"), required=False)
    pending_until = forms.DateTimeField(
        label=_("Pending until"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("for pending states"),
    )
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    queue = forms.ChoiceField(label=_("Queue"), required=False)
    priority = forms.ChoiceField(label=_("Priority"), required=False)
    merge_target = forms.CharField(
        label=_("Merge into"),
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"placeholder": _("ticket number")}),
        help_text=_("empty: the oldest selected ticket"),
    )

    def __init__(
        self, data: QueryDict | None = None, *, user: User, agents: list[tuple[str, str]]
    ) -> None:
        super().__init__(data, prefix="bulk", label_suffix="")
        self.user = user
        choose = [("", "—")]
        states = TicketState.objects.filter(is_active=True).exclude(category=StateCategory.MERGED)
        rows = states.order_by("position").values_list("pk", "name")
        set_choices(self, "state", choose + [(str(pk), name) for pk, name in rows])
        set_choices(self, "owner", choose + [("none", _("nobody"))] + agents)
        queues = Queue.objects.filter(is_active=True).order_by("name").values_list("pk", "name")
        set_choices(self, "queue", choose + [(str(pk), name) for pk, name in queues])
        priorities = Priority.objects.order_by("level").values_list("pk", "name")
        set_choices(self, "priority", choose + [(str(pk), name) for pk, name in priorities])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        action = data.get("action")
        needed = {"state": "state", "owner": "owner", "queue": "queue", "priority": "priority"}
        if action in needed and not data.get(needed[action]):
            self.add_error(needed[action], _t("Choose a value for this action."))
        if action == "state" and data.get("state"):
            state = TicketState.objects.get(pk=data["state"])
            data["state_row"] = state
            if state.is_pending and data.get("pending_until") is None:
                self.add_error("pending_until", _t("A pending state needs a date and time."))
        return data

    def clean_pending_until(self) -> dt.datetime | None:
        moment: dt.datetime | None = self.cleaned_data.get("pending_until")
        if moment is not None and moment.tzinfo is None:  # read in the agent's zone
            moment = moment.replace(tzinfo=viewer_zone(self.user))
        return moment


@dataclass
class BulkOutcome:
    """What a bulk action did: done numbers, refused (number, why), or a form error."""

    numbers: list[str]
    done: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    error: str = ""

    def messages(self) -> list[tuple[int, str]]:
        if self.error:
            return [(messages.ERROR, self.error)]
        summary = ngettext("%(done)d done", "%(done)d done", len(self.done)) % {
            "done": len(self.done)
        }
        if not self.refused:
            return [(messages.SUCCESS, summary + ".")]
        reasons = "; ".join(f"#{number} {why}" for number, why in self.refused)
        text = ngettext(
            "%(summary)s, %(refused)d refused: %(reasons)s",
            "%(summary)s, %(refused)d refused: %(reasons)s",
            len(self.refused),
        ) % {"summary": summary, "refused": len(self.refused), "reasons": reasons}
        return [(messages.WARNING if self.done else messages.ERROR, text)]


def _selected(data: QueryDict) -> list[str]:
    numbers = [value.strip() for value in data.getlist("ticket") if value.strip()]
    return list(dict.fromkeys(number for number in numbers if len(number) <= 32))


def _form_error(form: BulkForm) -> str:
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        text = " ".join(str(error) for error in errors)
        parts.append(f"{label}: {text}" if label else text)
    return _t("Nothing was changed. %(problems)s") % {"problems": " ".join(parts)}


def apply_bulk(user: User, data: QueryDict) -> BulkOutcome:
    """Apply the posted action to each posted ticket number, each on its own."""
    numbers = _selected(data)
    outcome = BulkOutcome(numbers=numbers)
    if not numbers:
        outcome.error = _t("Nothing was changed: select at least one ticket.")
        return outcome
    if len(numbers) > MAX_SELECTION:
        outcome.error = _t("Nothing was changed: select at most %(limit)d tickets.") % {
            "limit": MAX_SELECTION
        }
        return outcome
    form = BulkForm(data, user=user, agents=active_agents())
    if not form.is_valid():
        outcome.error = _form_error(form)
        return outcome
    visible = {
        ticket.number: ticket
        for ticket in visible_tickets(user).filter(number__in=numbers).order_by("created_at", "pk")
    }
    change = _change(form.cleaned_data, user, visible, numbers, outcome)
    if change is None:
        return outcome
    for number in numbers:
        ticket = visible.get(number)
        if ticket is None:
            outcome.refused.append((number, _t("no such ticket")))
            continue
        try:
            change(ticket)
        except DomainError as exc:
            outcome.refused.append((number, exc.message))
        else:
            outcome.done.append(number)
    return outcome


Change = Callable[[Ticket], Any]


def _change(
    data: dict[str, Any],
    user: User,
    visible: dict[str, Ticket],
    numbers: list[str],
    outcome: BulkOutcome,
) -> Change | None:
    """The change to apply to one ticket; None (with `outcome.error`) if there is none."""
    action = data["action"]
    common: dict[str, Any] = {"actor": user, "via": Channel.WEB}
    if action == "state":
        until = data.get("pending_until") if data["state_row"].is_pending else None
        return lambda ticket: actions.change_state(
            ticket=ticket, state=data["state_row"], pending_until=until, **common
        )
    if action == "owner":
        owner = None if data["owner"] == "none" else int(data["owner"])
        return lambda ticket: actions.set_owner(ticket=ticket, owner=owner, **common)
    if action == "queue":
        return lambda ticket: actions.move_queue(ticket=ticket, queue=int(data["queue"]), **common)
    if action == "priority":
        priority = int(data["priority"])
        return lambda ticket: actions.change_priority(ticket=ticket, priority=priority, **common)
    if action == "lock":
        return lambda ticket: actions.lock_ticket(ticket=ticket, **common)
    if action == "unlock":
        return lambda ticket: actions.unlock_ticket(ticket=ticket, **common)
    if action == "close":
        return lambda ticket: actions.close_ticket(ticket=ticket, **common)
    return _merge(data, user, visible, numbers, outcome)


def _merge(
    data: dict[str, Any],
    user: User,
    visible: dict[str, Ticket],
    numbers: list[str],
    outcome: BulkOutcome,
) -> Change | None:
    """Merge every selected ticket into the named one (or the oldest selected)."""
    wanted = (data.get("merge_target") or "").strip()
    if wanted:
        target = visible.get(wanted) or visible_tickets(user).filter(number=wanted).first()
        if target is None:
            outcome.error = _t("Nothing was changed: there is no ticket %(number)s.") % {
                "number": wanted
            }
            return None
    elif visible:
        target = next(iter(visible.values()))  # ordered by creation: the oldest
    else:
        target = None
    if target is not None and target.number in numbers:
        numbers.remove(target.number)  # the target is not merged into itself
    if not numbers or target is None:
        outcome.error = _t("Nothing was changed: select the tickets to merge into another.")
        return None
    return lambda ticket: actions.merge_tickets(
        source=ticket, target=target, actor=user, via=Channel.WEB
    )
