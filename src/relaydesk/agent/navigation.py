"""The left rail of the agent interface: one RailItem per main section, in order.

Add a section by adding an item here; its page is a URL name in agent/urls.py.
An item whose URL still answers with the `coming_soon` placeholder is shown
with a "coming" mark.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class RailItem:
    key: str
    label: str | Promise
    url_name: str
    # The rail item is highlighted on views whose name starts with any of these
    # (default: its own url_name), e.g. ("agent:queue", "agent:ticket").
    active_for: tuple[str, ...] = ()
    # Single-key shortcut, shown in the "?" help (optional).
    shortcut: str = ""

    def is_active(self, view_name: str) -> bool:
        prefixes = self.active_for or (self.url_name,)
        return any(view_name.startswith(prefix) for prefix in prefixes)


RAIL: tuple[RailItem, ...] = (
    RailItem("dashboard", _("Dashboard"), "agent:dashboard", active_for=("agent:dashboard",)),
    RailItem(
        "queues", _("Queues"), "agent:queues", active_for=("agent:queues", "agent:ticket_list")
    ),
    RailItem("saved_searches", _("Saved searches"), "agent:saved_searches"),
    RailItem("customers", _("Customers"), "agent:customers"),
    RailItem("items", _("IT documentation"), "agent:items", active_for=("agent:item",)),
    RailItem("statistics", _("Statistics"), "agent:statistics"),
)
