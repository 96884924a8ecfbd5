"""Template helpers of ticket rows (dashboard widgets, ticket list): `{% load agent_lists %}`."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.timesince import timesince, timeuntil

from relaydesk.core.time import now

register = template.Library()


@register.filter
def ticket_url(number: str) -> str:
    """The ticket zoom (`agent:ticket`) of a ticket number."""
    try:
        return reverse("agent:ticket", args=[number])
    except NoReverseMatch:  # the zoom page is not wired yet: its URL as agreed
        return f"{reverse('agent:dashboard')}tickets/{quote(number, safe='')}/"


@register.filter
def age(moment: dt.datetime | None) -> str:
    """How long ago (or, for a future moment, how far ahead) in its largest unit: "3 hours"."""
    if moment is None:
        return ""
    current = now()
    if moment > current:
        return timeuntil(moment, current, depth=1)
    return timesince(moment, current, depth=1)


@register.filter
def is_future(moment: dt.datetime | None) -> bool:
    return moment is not None and moment > now()
