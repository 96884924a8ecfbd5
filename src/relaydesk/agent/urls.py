"""URLs of the agent interface, mounted at /agent/ (URL names: `agent:<name>`).

A new page: a view in views/<area>.py wrapped in `agent_required`, a line here,
and — for a main section — a RailItem in navigation.py.
"""

from __future__ import annotations

from django.urls import URLPattern, path

from relaydesk.agent.views import (
    attachments,
    auth,
    customers,
    dashboard,
    items,
    lists,
    placeholders,
    preferences,
    search,
    statistics,
    ticket,
    ticket_actions,
)

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
    path("searches/", search.saved_searches, name="saved_searches"),
    path("searches/menu/", search.saved_searches_menu, name="saved_searches_menu"),
    path("searches/save/", search.save_search, name="saved_search_save"),
    path("searches/<int:pk>/", search.run_saved_search, name="saved_search_run"),
    path("searches/<int:pk>/rename/", search.rename_saved_search, name="saved_search_rename"),
    path("searches/<int:pk>/delete/", search.delete_saved_search, name="saved_search_delete"),
    path("customers/", customers.customers, name="customers"),
    path("customers/<int:pk>/", customers.customer, name="customer"),
    path("organisations/<int:pk>/", customers.organisation, name="organisation"),
    path("items/", items.items, name="items"),
    path("items/<int:pk>/", items.item, name="item"),
    path("items/<int:pk>/secrets/<slug:key>/", items.item_secret, name="item_secret"),
    path("statistics/", statistics.statistics, name="statistics"),
    path("statistics/<slug:table>.csv", statistics.statistics_csv, name="statistics_csv"),
    path("search/", search.search, name="search"),
    path("search/advanced/", search.advanced, name="search_advanced"),
    path("tickets/new/", customers.ticket_new, name="ticket_new"),
    path("preferences/", preferences.preferences, name="preferences"),
    # The ticket zoom (after "tickets/new/", which its number pattern would match).
    path("tickets/<str:number>/", ticket.ticket_zoom, name="ticket"),
    path("tickets/<str:number>/history/", ticket.ticket_history, name="ticket_history"),
    path("tickets/<str:number>/presence/", ticket.ticket_presence, name="ticket_presence"),
    path(
        "tickets/<str:number>/act/<slug:action>/",
        ticket_actions.ticket_action,
        name="ticket_action",
    ),
    path(
        "tickets/<str:number>/articles/<int:article_id>/headers/",
        ticket.article_headers,
        name="ticket_article_headers",
    ),
    path(
        "tickets/<str:number>/articles/<int:article_id>/html/",
        ticket.article_html,
        name="ticket_article_html",
    ),
    path(
        "tickets/<str:number>/articles/<int:article_id>/raw/",
        attachments.article_raw,
        name="ticket_article_raw",
    ),
    path(
        "tickets/<str:number>/attachments/<int:attachment_id>/",
        attachments.ticket_attachment,
        name="ticket_attachment",
    ),
]
