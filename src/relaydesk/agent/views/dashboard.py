"""The start page: the agent's dashboard widgets.

Each widget is a selector of tickets/selectors/dashboard.py shown as a count
and a page of one-line rows. A widget pages on its own: without JavaScript
through `?<key>_page=N` on the dashboard, with htmx by swapping just that
widget (`agent:dashboard_widget`), which also refreshes it every 60 seconds.
The agent hides and orders widgets; the choice is `User.preferences["dashboard"]`
= {"order": [keys…], "hidden": [keys…]}.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from relaydesk.accounts.models import User
from relaydesk.agent.decorators import agent_required
from relaydesk.agent.http import AgentRequest
from relaydesk.agent.views.ticket_rows import (
    WIDGET_COLUMNS,
    headings,
    preference,
    save_preference,
    viewer_zone,
)
from relaydesk.tickets.models import Ticket
from relaydesk.tickets.selectors import (
    WidgetPage,
    my_locked_tickets,
    my_queue_tickets,
    new_tickets,
    pending_reminders_reached,
    tickets_awaiting_answer,
    widget_page,
)

PREFERENCE_KEY = "dashboard"
WIDGET_PAGE_SIZE = 10
REFRESH_SECONDS = 60


@dataclass(frozen=True)
class Widget:
    key: str
    title: str | Promise
    empty: str | Promise
    tickets: Callable[[User], QuerySet[Ticket]]


WIDGETS: tuple[Widget, ...] = (
    Widget(
        "new",
        _("New tickets"),
        _("No new tickets. Tickets nobody has locked, taken or written in yet appear here."),
        new_tickets,
    ),
    Widget(
        "awaiting_answer",
        _("Open — needs an answer"),
        _("Nothing to answer: new and open tickets whose customer wrote last appear here."),
        tickets_awaiting_answer,
    ),
    Widget(
        "my_locked",
        _("My locked tickets"),
        _("You hold no locks. Lock a ticket to work on it and it appears here."),
        my_locked_tickets,
    ),
    Widget(
        "my_queues",
        _("My queues"),
        _("No tickets being worked in your queues (choose My Queues in your preferences)."),
        my_queue_tickets,
    ),
    Widget(
        "pending_reminders",
        _("Pending reminders reached"),
        _("No reminders due. Pending tickets whose reminder time has come appear here."),
        pending_reminders_reached,
    ),
)
WIDGETS_BY_KEY = {widget.key: widget for widget in WIDGETS}


@dataclass(frozen=True)
class Layout:
    """The agent's widget order (every widget, hidden ones included) and the hidden keys."""

    order: tuple[str, ...]
    hidden: frozenset[str]

    @property
    def shown(self) -> list[Widget]:
        return [WIDGETS_BY_KEY[key] for key in self.order if key not in self.hidden]


def _known(keys: Any) -> list[str]:
    if not isinstance(keys, list):
        return []
    return [key for key in dict.fromkeys(keys) if isinstance(key, str) and key in WIDGETS_BY_KEY]


def layout_of(user: User) -> Layout:
    """The stored layout; widgets it does not name (new ones) come last, shown."""
    stored = preference(user, PREFERENCE_KEY)
    stored = stored if isinstance(stored, dict) else {}
    order = _known(stored.get("order"))
    order += [widget.key for widget in WIDGETS if widget.key not in order]
    return Layout(order=tuple(order), hidden=frozenset(_known(stored.get("hidden"))))


def _page_number(value: str | None) -> int:
    """A page parameter; anything that is not a small positive number is page 1."""
    if value and value.isascii() and value.isdigit() and len(value) < 7:
        return max(int(value), 1)
    return 1


def _widget_context(request: AgentRequest, widget: Widget, page: int) -> dict[str, Any]:
    found: WidgetPage = widget_page(widget.tickets(request.user), page=page, size=WIDGET_PAGE_SIZE)
    if not found.rows and page > 1:  # paged past the end meanwhile: back to the first page
        found = widget_page(widget.tickets(request.user), page=1, size=WIDGET_PAGE_SIZE)
    return {
        "widget": widget,
        "found": found,
        "first_row": (found.page - 1) * found.size + 1,
        "last_row": (found.page - 1) * found.size + len(found.rows),
    }


def _other_pages(query: Mapping[str, str], key: str) -> str:
    """The dashboard querystring of the other widgets' pages (kept when this one pages)."""
    from urllib.parse import urlencode

    keep = {
        name: value
        for name, value in query.items()
        if name.endswith("_page") and name != f"{key}_page" and name[:-5] in WIDGETS_BY_KEY
    }
    return urlencode(keep)


@require_GET
@agent_required
def dashboard(request: AgentRequest) -> HttpResponse:
    layout = layout_of(request.user)
    widgets = []
    for widget in layout.shown:
        context = _widget_context(
            request, widget, _page_number(request.GET.get(f"{widget.key}_page"))
        )
        context["other_pages"] = _other_pages(request.GET, widget.key)
        widgets.append(context)
    return render(
        request,
        "agent/dashboard.html",
        {
            "widgets": widgets,
            "layout": [(WIDGETS_BY_KEY[key], key in layout.hidden) for key in layout.order],
            "columns": WIDGET_COLUMNS,
            "headings": headings(WIDGET_COLUMNS, created=_("Age")),
            "zone": viewer_zone(request.user),
            "refresh_seconds": REFRESH_SECONDS,
        },
    )


@require_GET
@agent_required
def dashboard_widget(request: AgentRequest, key: str) -> HttpResponse:
    """One widget alone, for htmx paging and polling; a plain request goes to the dashboard."""
    widget = WIDGETS_BY_KEY.get(key)
    if widget is None:
        raise Http404
    page = _page_number(request.GET.get("page"))
    if not request.htmx:
        return redirect(f"{reverse('agent:dashboard')}?{key}_page={page}")
    context = _widget_context(request, widget, page)
    context.update(
        {
            "columns": WIDGET_COLUMNS,
            "headings": headings(WIDGET_COLUMNS, created=_("Age")),
            "zone": viewer_zone(request.user),
            "refresh_seconds": REFRESH_SECONDS,
            "other_pages": "",
        }
    )
    return render(request, "agent/dashboard_widget.html", context)


def _moved(order: list[str], key: str, step: int) -> list[str]:
    if key not in order:
        return order
    index = order.index(key)
    target = index + step
    if 0 <= target < len(order):
        order[index], order[target] = order[target], order[index]
    return order


@require_POST
@agent_required
def dashboard_customise(request: AgentRequest) -> HttpResponseRedirect:
    """Save which widgets show and in which order (the "Customise" panel).

    The form posts the widgets in their current order (`order`), the ticked
    ones (`shown`), and possibly one move (`up` or `down` = a widget key).
    """
    order = _known(request.POST.getlist("order"))
    order += [widget.key for widget in WIDGETS if widget.key not in order]
    shown = set(_known(request.POST.getlist("shown")))
    if request.POST.get("up"):
        order = _moved(order, request.POST["up"], -1)
    elif request.POST.get("down"):
        order = _moved(order, request.POST["down"], +1)
    hidden = [key for key in order if key not in shown]
    save_preference(request.user, PREFERENCE_KEY, {"order": order, "hidden": hidden})
    messages.success(request, _t("Your dashboard is saved."))
    url = reverse("agent:dashboard")
    # Moving a widget keeps the panel open, so that the next move is one click away.
    return redirect(
        url + "?customise=1#customise" if "up" in request.POST or "down" in request.POST else url
    )
