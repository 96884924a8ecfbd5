"""Template tags of the agent layout: `{% load agent_layout %}`."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import resolve, reverse

from relaydesk.agent.navigation import RAIL

register = template.Library()


@register.inclusion_tag("agent/includes/rail.html", takes_context=True)
def agent_rail(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    view_name = match.view_name if match else ""
    entries = []
    for item in RAIL:
        url = reverse(item.url_name)
        entries.append(
            {
                "item": item,
                "url": url,
                "is_active": item.is_active(view_name),
                "is_coming": getattr(resolve(url).func, "is_placeholder", False),
            }
        )
    return {"entries": entries}
