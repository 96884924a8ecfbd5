"""The one gate of the agent interface: every agent view is wrapped in
`agent_required` (function views) or inherits `AgentRequiredMixin` (class views).

Who may pass: a signed-in, active user of kind agent. Anyone else — nobody
signed in, a customer, a deactivated account — is sent to the agent sign-in page
with `?next=` set, and never learns more than that. (A customer's session is
not ended: the portal stays theirs.)
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from relaydesk.accounts.models import User
from relaydesk.agent.http import AgentRequest

P = ParamSpec("P")


def is_active_agent(user: Any) -> bool:
    return isinstance(user, User) and user.is_active and user.is_agent


def to_login(request: HttpRequest) -> HttpResponse:
    """Send the request to the agent sign-in, coming back here afterwards."""
    login_url = reverse("agent:login")
    if getattr(request, "htmx", False):
        # An htmx request would swap the login page into a fragment: reload instead.
        return HttpResponse(status=204, headers={"HX-Redirect": login_url})
    return redirect_to_login(request.get_full_path(), login_url)


def agent_required(
    view: Callable[Concatenate[AgentRequest, P], HttpResponse],
) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """Let only active agents through to `view`; everyone else goes to the sign-in."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        if not is_active_agent(request.user):
            return to_login(request)
        return view(request, *args, **kwargs)  # type: ignore[arg-type]

    return wrapper


class AgentRequiredMixin:
    """The same gate for class-based views (put it first among the bases)."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_active_agent(request.user):
            return to_login(request)
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc,no-any-return]
