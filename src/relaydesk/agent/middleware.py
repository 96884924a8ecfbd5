"""A user whose password is temporary (set by an administrator) reaches nothing
but the page where they choose their own, and the sign-out."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from relaydesk.accounts.models import UserKind

# Per kind of user: the view that changes the password, then the views that
# stay open meanwhile. The portal adds UserKind.CUSTOMER here when it arrives.
PASSWORD_CHANGE_VIEWS: dict[str, tuple[str, ...]] = {
    UserKind.AGENT: ("agent:password_change", "agent:logout"),
}
ALWAYS_OPEN_PREFIXES = ("/healthz",)


class TemporaryPasswordMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and getattr(user, "must_change_password", False):
            views = PASSWORD_CHANGE_VIEWS.get(getattr(user, "kind", ""))
            if views and not self._is_open(request.path_info, views):
                target = reverse(views[0])
                if getattr(request, "htmx", False):
                    return HttpResponse(status=204, headers={"HX-Redirect": target})
                return redirect(target)
        return self.get_response(request)

    @staticmethod
    def _is_open(path: str, views: tuple[str, ...]) -> bool:
        static_prefix = "/" + settings.STATIC_URL.lstrip("/")
        if path.startswith((static_prefix, *ALWAYS_OPEN_PREFIXES)):
            return True
        return path in {reverse(name) for name in views}
