"""Pages that do not exist yet. Their URL names are already linked from the
layout (rail, top bar, agent menu); each answers with a "coming" page until its
real view replaces `coming_soon` in agent/urls.py. The rail marks such entries."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from relaydesk.agent.decorators import agent_required
from relaydesk.agent.http import AgentRequest

PAGES: dict[str, tuple[str | Promise, str | Promise]] = {
    "queues": (_("Queues"), _("The queue view with counts of new and open tickets.")),
    "saved_searches": (_("Saved searches"), _("Searches you saved under a name.")),
    "customers": (_("Customers"), _("Customers and organisations, with their tickets.")),
    "statistics": (_("Statistics"), _("Tickets created and closed, backlog, response times.")),
    "search": (_("Search"), _("Full-text search across the tickets you may see.")),
    "ticket_new": (_("New ticket"), _("A phone ticket or an outgoing email ticket.")),
    "preferences": (_("Preferences"), _("Language, time zone, notifications, My Queues.")),
}


@agent_required
def coming_soon(request: AgentRequest, *, page: str) -> HttpResponse:
    title, description = PAGES[page]
    return render(
        request,
        "agent/coming_soon.html",
        {"title": title, "description": description, "query": request.GET.get("q", "")},
    )


coming_soon.is_placeholder = True  # type: ignore[attr-defined]
