"""The queue view (`/agent/queues/`) and the ticket list (`/agent/tickets/`).

The list reads its filters, sort, cursor and page size from the querystring
(tickets/selectors: `parse_filters`, `parse_sort`, `list_page`), so every view
of it is a link; a bad value answers 400 with the filter form naming the key.
POSTs to the list are its two small forms: the bulk actions (agent/views/bulk.py)
and the choice of columns (`User.preferences["ticket_list"] = {"columns": [...]}`);
both come back to the same list with a summary.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.forms.utils import ErrorDict
from django.http import HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from relaydesk.accounts.models import Organisation, User
from relaydesk.agent.decorators import agent_required
from relaydesk.agent.http import AgentRequest
from relaydesk.agent.views import bulk
from relaydesk.agent.views.ticket_rows import (
    COLUMNS,
    DEFAULT_LIST_COLUMNS,
    REQUIRED_COLUMNS,
    active_agents,
    headings,
    preference,
    save_preference,
    set_choices,
    viewer_zone,
)
from relaydesk.core.errors import ValidationFailed
from relaydesk.tickets.models import Priority, StateCategory, TicketState, TicketType
from relaydesk.tickets.selectors import (
    SORT_COLUMNS,
    TicketPage,
    list_page,
    parse_filters,
    parse_sort,
    queue_overview,
)
from relaydesk.tickets.selectors.listing import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from relaydesk.tickets.visibility import readable_queues

PREFERENCE_KEY = "ticket_list"
# Sorting by these starts with the newest / highest first.
DESCENDING_FIRST = frozenset({"created", "updated", "pending_until", "priority"})
# Querystring keys that belong to the list itself, not to its filter.
LIST_KEYS = ("sort", "cursor", "size")


@require_GET
@agent_required
def queues(request: AgentRequest) -> HttpResponse:
    """The queues the agent may read, with their counts of new, open and pending tickets."""
    summaries = queue_overview(request.user)
    totals = {
        "new": sum(summary.new for summary in summaries),
        "open": sum(summary.open for summary in summaries),
        "pending": sum(summary.pending for summary in summaries),
    }
    return render(request, "agent/lists/queues.html", {"summaries": summaries, "totals": totals})


def list_columns(user: User) -> list[str]:
    """The columns the agent chose (in the list's order), or the default ones."""
    stored = preference(user, PREFERENCE_KEY)
    chosen = stored.get("columns") if isinstance(stored, dict) else None
    if not isinstance(chosen, list) or not chosen:
        return list(DEFAULT_LIST_COLUMNS)
    return [key for key in COLUMNS if key in REQUIRED_COLUMNS or key in chosen]


class FilterForm(forms.Form):
    """How the filter looks; `parse_filters` decides what it means (and names bad keys)."""

    q = forms.CharField(label=_("Words"), required=False)
    queue = forms.ChoiceField(label=_("Queue"), required=False)
    state_category = forms.ChoiceField(label=_("State category"), required=False)
    state = forms.ChoiceField(label=_("State"), required=False)
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    responsible = forms.ChoiceField(label=_("Responsible"), required=False)
    locked = forms.ChoiceField(
        label=_("Locked"),
        required=False,
        choices=[("", _("any")), ("yes", _("locked")), ("no", _("not locked"))],
    )
    priority = forms.ChoiceField(label=_("Priority"), required=False)
    type = forms.ChoiceField(label=_("Type"), required=False)
    customer = forms.CharField(
        label=_("Customer"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("email address")}),
    )
    organisation = forms.CharField(label=_("Organisation"), required=False)
    created_after = forms.DateField(
        label=_("Created from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    created_before = forms.DateField(
        label=_("Created until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    updated_after = forms.DateField(
        label=_("Updated from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    updated_before = forms.DateField(
        label=_("Updated until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, data: QueryDict, *, user: User, agents: list[tuple[str, str]]) -> None:
        super().__init__(data, label_suffix="")
        anything = [("", _("any"))]
        queue_rows = (
            readable_queues(user).filter(is_active=True).order_by("name").values_list("pk", "name")
        )
        set_choices(self, "queue", anything + [(str(pk), name) for pk, name in queue_rows])
        set_choices(self, "state_category", anything + list(StateCategory.choices))
        states = TicketState.objects.order_by("position", "name").values_list("pk", "name")
        set_choices(self, "state", anything + [(str(pk), name) for pk, name in states])
        people = anything + [("none", _("nobody"))] + agents
        set_choices(self, "owner", people)
        set_choices(self, "responsible", people)
        priorities = Priority.objects.order_by("level").values_list("pk", "name")
        set_choices(self, "priority", anything + [(str(pk), name) for pk, name in priorities])
        types = TicketType.objects.filter(is_active=True).order_by("name")
        set_choices(
            self,
            "type",
            anything + [(str(pk), name) for pk, name in types.values_list("pk", "name")],
        )

        # A key given several times (a queue's "being worked" link, a saved
        # search) shows as a multiple choice, so that the form shows them all.
        for name, field in self.fields.items():
            if isinstance(field, forms.ChoiceField) and len(data.getlist(name)) > 1:
                multiple = forms.MultipleChoiceField(
                    label=field.label, required=False, choices=field.choices
                )
                multiple.widget.attrs["size"] = "5"
                self.fields[name] = multiple

    def full_clean(self) -> None:
        """Not validated here: the errors are `parse_filters`'s (see `show_errors`)."""
        self._errors = ErrorDict()
        self.cleaned_data = {}

    def show_errors(self, errors: dict[str, str]) -> None:
        if self._errors is None:
            self.full_clean()
        for key, message in errors.items():
            field = key if key in self.fields else "__all__"
            text = message if field != "__all__" else f"{key}: {message}"
            found = self._errors.setdefault(field, self.error_class())
            found.append(text)


def _resolve_names(query: QueryDict) -> tuple[QueryDict, dict[str, str]]:
    """The filter takes ids; the form also accepts a customer's address and an
    organisation's name. Returns the querystring with ids, and errors by key."""
    resolved = query.copy()
    errors: dict[str, str] = {}
    lookups: dict[str, Any] = {
        "customer": lambda text: User.objects.filter(email__iexact=text),
        "organisation": lambda text: Organisation.objects.filter(name__iexact=text),
    }
    for key, find in lookups.items():
        values = [value.strip() for value in query.getlist(key) if value.strip()]
        ids: list[str] = []
        for value in values:
            if value.isascii() and value.isdigit():
                ids.append(value)
                continue
            pk = find(value).values_list("pk", flat=True).first()
            if pk is None:
                errors[key] = _t("nothing is called %(value)s") % {"value": repr(value)}
            else:
                ids.append(str(pk))
        resolved.setlist(key, ids)
    return resolved, errors


def _page_size(value: str | None) -> int:
    if not value:
        return DEFAULT_PAGE_SIZE
    if value.isascii() and value.isdigit() and 1 <= int(value) <= MAX_PAGE_SIZE:
        return int(value)
    raise ValidationFailed(
        {"size": _t("must be between 1 and %(limit)d") % {"limit": MAX_PAGE_SIZE}}
    )


def _sort_links(current: str, columns: list[str]) -> list[dict[str, Any]]:
    """Each column's heading: its label, the sort a click asks for, its aria-sort."""
    descending = current.startswith("-")
    key = current.removeprefix("-")
    links = []
    for column, label in headings(columns):
        entry: dict[str, Any] = {"key": column, "label": label, "sort": None, "aria": None}
        if column in SORT_COLUMNS:
            if column == key:
                entry["sort"] = column if descending else f"-{column}"
                entry["aria"] = "descending" if descending else "ascending"
            else:
                entry["sort"] = f"-{column}" if column in DESCENDING_FIRST else column
        links.append(entry)
    return links


def _filter_query(query: QueryDict) -> str:
    """The querystring without the list's own keys: what a column link or the
    bulk form's way back keeps."""
    kept = query.copy()
    for key in LIST_KEYS:
        kept.pop(key, None)
    return kept.urlencode()


@require_http_methods(["GET", "HEAD", "POST"])
@agent_required
def ticket_list(request: AgentRequest) -> HttpResponse:
    if request.method == "POST":
        return _post(request)
    user = request.user
    errors: dict[str, str] = {}
    resolved, errors = _resolve_names(request.GET)
    filters = sort = None
    size = DEFAULT_PAGE_SIZE
    try:
        filters = parse_filters(resolved, timezone=viewer_zone(user))
    except ValidationFailed as exc:
        errors.update(exc.errors)
    try:
        sort = parse_sort(request.GET.get("sort"))
    except ValidationFailed as exc:
        errors.update(exc.errors)
    try:
        size = _page_size(request.GET.get("size"))
    except ValidationFailed as exc:
        errors.update(exc.errors)
    page: TicketPage | None = None
    if not errors:
        try:
            page = list_page(user, filters, sort, request.GET.get("cursor") or None, size)
        except ValidationFailed as exc:
            errors.update(exc.errors)
    agents = active_agents()
    form = FilterForm(request.GET, user=user, agents=agents)
    form.show_errors(errors)
    columns = list_columns(user)
    current_sort = str(sort) if sort is not None else ""
    context = {
        "form": form,
        "page": page,
        "columns": columns,
        "headings": _sort_links(current_sort, columns),
        "column_choices": [
            (key, label, key in columns, key in REQUIRED_COLUMNS) for key, label in COLUMNS.items()
        ],
        "sort": current_sort,
        "size": size,
        "filter_query": _filter_query(request.GET),
        "here": request.GET.urlencode(),
        "is_filtered": bool(filters is not None and not filters.is_empty),
        "zone": viewer_zone(user),
        "bulk_form": bulk.BulkForm(user=user, agents=agents),
        "selected": set(request.GET.getlist("selected")),
    }
    return render(request, "agent/lists/tickets.html", context, status=400 if errors else 200)


def back_to_list(query: str) -> HttpResponseRedirect:
    """The list as it was (`query` is a querystring, appended to our own path only)."""
    url = reverse("agent:ticket_list")
    return redirect(f"{url}?{query}" if query else url)


def _post(request: AgentRequest) -> HttpResponse:
    query = QueryDict(request.POST.get("back", ""))
    back = query.urlencode()
    if request.POST.get("form") == "columns":
        chosen = [key for key in request.POST.getlist("columns") if key in COLUMNS]
        columns = [key for key in COLUMNS if key in REQUIRED_COLUMNS or key in chosen]
        save_preference(request.user, PREFERENCE_KEY, {"columns": columns})
        messages.success(request, _t("The list's columns are saved."))
        return back_to_list(back)
    outcome = bulk.apply_bulk(request.user, request.POST)
    for level, text in outcome.messages():
        messages.add_message(request, level, text)
    if outcome.error:  # nothing was tried: keep the selection for a second go
        selection = urlencode([("selected", number) for number in outcome.numbers])
        back = "&".join(part for part in (back, selection) if part)
    return back_to_list(back)
