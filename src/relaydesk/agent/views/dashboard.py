"""The start page. For now a placeholder: the dashboard widgets come next (issue 4)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from relaydesk.agent.decorators import agent_required
from relaydesk.agent.http import AgentRequest


@agent_required
def dashboard(request: AgentRequest) -> HttpResponse:
    return render(request, "agent/dashboard.html")
