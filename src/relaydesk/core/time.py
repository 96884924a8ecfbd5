"""Time in one place: always aware, always UTC."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _


def now() -> dt.datetime:
    """The current instant in UTC."""
    return timezone.now()


def ensure_aware(value: dt.datetime, *, field: str) -> dt.datetime:
    """Refuse naive datetimes: a wall-clock time without a zone is ambiguous."""
    from relaydesk.core.errors import ValidationFailed

    if timezone.is_naive(value):
        raise ValidationFailed({field: _("needs a time zone")})
    return value.astimezone(dt.UTC)
