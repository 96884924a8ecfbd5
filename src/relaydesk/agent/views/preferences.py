"""The agent's preferences: language, time zone, mail per event, My Queues,
out-of-office period. The password has its own page (agent:password_change).

Language and time zone are `User` fields, applied to every request by
accounts.middleware.UserLocaleMiddleware; the rest are keys of
`User.preferences` that mail/outbound and the dashboard read.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _

from relaydesk.accounts.models import User
from relaydesk.agent.decorators import agent_required
from relaydesk.agent.http import AgentRequest
from relaydesk.agent.preference_forms import PreferencesForm


def save_preferences(user: User, *, language: str, timezone: str, keys: dict[str, Any]) -> None:
    """Store the fields and preference keys; keys this form does not own are left as
    they are in the database (the dashboard saves its own meanwhile). None removes a key."""
    with transaction.atomic():
        row = User.objects.select_for_update().only("pk", "preferences").get(pk=user.pk)
        stored = dict(row.preferences) if isinstance(row.preferences, dict) else {}
        for key, value in keys.items():
            if value is None:
                stored.pop(key, None)
            else:
                stored[key] = value
        User.objects.filter(pk=user.pk).update(
            language=language, timezone=timezone, preferences=stored
        )
    user.language, user.timezone, user.preferences = language, timezone, stored


@agent_required
def preferences(request: AgentRequest) -> HttpResponse:
    user = request.user
    form = PreferencesForm(
        request.POST or None, user=user, initial=PreferencesForm.initial_for(user)
    )
    if request.method == "POST" and form.is_valid():
        save_preferences(
            user,
            language=form.cleaned_data["language"],
            timezone=form.cleaned_data["timezone"],
            keys=form.preferences(),
        )
        translation.activate(user.language)  # the message in the language just chosen
        messages.success(request, _("Your preferences are saved."))
        return redirect("agent:preferences")
    status = 400 if request.method == "POST" else 200
    return render(request, "agent/preferences/preferences.html", {"form": form}, status=status)
