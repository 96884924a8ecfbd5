"""Who is on the other end of a request."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest

UNKNOWN_ADDRESS = "0.0.0.0"  # noqa: S104 - a placeholder value, nothing listens on it


def _valid(candidate: str) -> str | None:
    try:
        return str(ipaddress.ip_address(candidate.strip()))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str:
    """The client's IP address.

    Behind a reverse proxy (RELAYDESK_BEHIND_PROXY) that is the last entry of
    X-Forwarded-For, the one our proxy appended; entries before it come from the
    client and could be forged. Otherwise it is the socket's peer address.
    """
    if settings.RELAYDESK_BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop for hop in forwarded.split(",") if hop.strip()]
        if hops and (address := _valid(hops[-1])):
            return address
    return _valid(request.META.get("REMOTE_ADDR", "")) or UNKNOWN_ADDRESS
