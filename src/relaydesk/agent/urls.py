"""URLs of the agent interface, mounted at /agent/ (URL names: `agent:<name>`).

A new page: a view in views/<area>.py wrapped in `agent_required`, a line here,
and — for a main section — a RailItem in navigation.py.
"""

from __future__ import annotations

from django.urls import URLPattern, path

from relaydesk.agent.views import auth, dashboard, lists, placeholders

app_name = "agent"


def coming(route: str, name: str) -> URLPattern:
    """A page still to come: replace this line with the real view when it arrives."""
    return path(route, placeholders.coming_soon, {"page": name}, name=name)


urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("widgets/<slug:key>/", dashboard.dashboard_widget, name="dashboard_widget"),
    path("dashboard/customise/", dashboard.dashboard_customise, name="dashboard_customise"),
    path("login/", auth.login_view, name="login"),
    path("logout/", auth.logout_view, name="logout"),
    path("password/", auth.password_change, name="password_change"),
    path("queues/", lists.queues, name="queues"),
    path("tickets/", lists.ticket_list, name="ticket_list"),
    coming("searches/", "saved_searches"),
    coming("customers/", "customers"),
    coming("statistics/", "statistics"),
    coming("search/", "search"),
    coming("tickets/new/", "ticket_new"),
    coming("preferences/", "preferences"),
]
