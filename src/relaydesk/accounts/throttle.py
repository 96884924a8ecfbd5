"""Throttling of failed sign-ins, per account and per client address.

Failures are rows in the database (LoginFailure), so every web process counts
the same ones. An account is keyed by the address that was typed, whether or
not such an account exists, so that the answers for known and unknown accounts
are the same. Old rows are removed by `purge_login_failures_task`.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils.translation import gettext

from relaydesk.accounts.models import LoginFailure
from relaydesk.core.time import now


def _window() -> dt.timedelta:
    return dt.timedelta(minutes=settings.RELAYDESK_LOGIN_FAILURE_WINDOW_MINUTES)


def account_key(email: str) -> str:
    return email.strip().lower()[:254]


def is_throttled(*, email: str, address: str) -> bool:
    """True when this account or this client address has failed too often lately."""
    recent = LoginFailure.objects.filter(created_at__gt=now() - _window())
    per_account = recent.filter(email=account_key(email)).count()
    if per_account >= settings.RELAYDESK_LOGIN_FAILURES_PER_ACCOUNT:
        return True
    per_address = recent.filter(address=address).count()
    return per_address >= settings.RELAYDESK_LOGIN_FAILURES_PER_ADDRESS


def record_failure(*, email: str, address: str) -> None:
    LoginFailure.objects.create(email=account_key(email), address=address)


def clear_failures(*, email: str) -> None:
    """A successful sign-in forgives the account's failures (not the address's)."""
    LoginFailure.objects.filter(email=account_key(email)).delete()


def purge_old_failures() -> int:
    """Delete failures that no longer count; returns how many."""
    deleted, _ = LoginFailure.objects.filter(created_at__lte=now() - _window()).delete()
    return deleted


def refusal_message() -> str:
    """What a throttled sign-in is told (translated for the current request)."""
    return gettext("Too many failed sign-ins. Please wait %(minutes)d minutes, then try again.") % {
        "minutes": settings.RELAYDESK_LOGIN_FAILURE_WINDOW_MINUTES
    }
