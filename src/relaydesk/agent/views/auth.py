"""Sign-in, sign-out and password change for agents (docs/agent.md)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from relaydesk.accounts import throttle
from relaydesk.accounts.models import User
from relaydesk.agent.decorators import agent_required, is_active_agent
from relaydesk.agent.forms import LoginForm, PasswordChangeForm
from relaydesk.agent.http import AgentRequest
from relaydesk.core.net import client_address

logger = logging.getLogger(__name__)


def safe_next(request: HttpRequest) -> str:
    """Where to go after signing in: `next` when it stays on this site, else the dashboard."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("agent:dashboard")


def _check_credentials(request: HttpRequest, form: LoginForm) -> User | None:
    """The agent these credentials belong to, or None with the form's error set.

    Throttling comes first, so that a blocked account's password is not even
    checked. A customer's correct credentials fail exactly like a wrong password.
    """
    email, password = form.cleaned_data["email"], form.cleaned_data["password"]
    address = client_address(request)
    if throttle.is_throttled(email=email, address=address):
        logger.warning("sign-in refused (throttled) for %r from %s", email, address)
        form.add_error(None, throttle.refusal_message())
        return None
    user = authenticate(request, username=email, password=password)
    if not isinstance(user, User) or not is_active_agent(user):
        throttle.record_failure(email=email, address=address)
        form.add_error(None, _("The email address or the password is not correct."))
        return None
    throttle.clear_failures(email=email)
    return user


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.method == "GET" and is_active_agent(request.user):
        return redirect(safe_next(request))
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = _check_credentials(request, form)
        if user is not None:
            login(request, user)  # a new session key: no session fixation
            if form.cleaned_data["remember_me"]:
                request.session.set_expiry(settings.RELAYDESK_REMEMBER_ME_DAYS * 24 * 3600)
            else:
                # The cookie ends with the browser; the server-side session ends
                # after SESSION_COOKIE_AGE (RELAYDESK_SESSION_HOURS) in any case.
                request.session.set_expiry(0)
            return HttpResponseRedirect(safe_next(request))
    return render(
        request,
        "agent/login.html",
        {"form": form, "next": request.POST.get("next") or request.GET.get("next", "")},
        status=400 if form.errors else 200,
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    was_signed_in = request.user.is_authenticated
    logout(request)
    if was_signed_in:
        messages.success(request, _("You have signed out."))
    return redirect("agent:login")


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@never_cache
@require_http_methods(["GET", "POST"])
@agent_required
def password_change(request: AgentRequest) -> HttpResponse:
    user = request.user
    was_temporary = user.must_change_password
    form = PasswordChangeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save(commit=False)
        user.must_change_password = False
        user.save(update_fields=["password", "must_change_password"])
        # Keeps this session; every other session of the account ends.
        update_session_auth_hash(request, user)
        messages.success(request, _("Your password has been changed."))
        return redirect("agent:dashboard" if was_temporary else "agent:password_change")
    return render(
        request,
        "agent/password_change.html",
        {"form": form, "is_temporary": was_temporary},
        status=400 if form.errors else 200,
    )
