"""Typed requests for agent views: after `agent_required`, `request.user` is an
active agent, and HtmxMiddleware has set `request.htmx`."""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from relaydesk.accounts.models import User


class HtmxRequest(HttpRequest):
    htmx: HtmxDetails


class AgentRequest(HtmxRequest):
    user: User
