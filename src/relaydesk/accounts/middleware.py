"""Every request of a signed-in user runs in that user's language and time zone.

`UserLocaleMiddleware` comes after AuthenticationMiddleware (and after
LocaleMiddleware, whose guess from the browser it overrides): it activates
`user.language` and `user.timezone`, so that every string is translated and
every time is shown in the user's zone. Times are stored in UTC throughout;
only their display changes. Anonymous requests keep LocaleMiddleware's choice
and the server's zone (UTC).
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation


def user_zone(name: str) -> zoneinfo.ZoneInfo | None:
    """The zone called `name`, or None when there is no such zone."""
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


class UserLocaleMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return self.get_response(request)
        language = getattr(user, "language", "") or ""
        if language in dict(settings.LANGUAGES):
            translation.activate(language)
            request.LANGUAGE_CODE = language
        zone = user_zone(getattr(user, "timezone", "") or "UTC")
        if zone is not None:
            timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
