"""Read-side queries for lists, dashboards and counts; each starts from the visibility rule.

Views call these; none of them writes. See each module for the rules:
`dashboard` (widgets, queue overview), `listing` (the ticket list: sort and
keyset paging), `filters` (the list's filter object and its querystring).
"""

from relaydesk.tickets.selectors.dashboard import (
    QueueSummary,
    WidgetPage,
    my_locked_tickets,
    my_queue_ids,
    my_queue_tickets,
    new_tickets,
    pending_reminders_reached,
    queue_overview,
    tickets_awaiting_answer,
    widget_page,
)
from relaydesk.tickets.selectors.filters import (
    TicketFilters,
    apply_filters,
    filters_querystring,
    parse_filters,
)
from relaydesk.tickets.selectors.listing import (
    DEFAULT_SORT,
    SORT_COLUMNS,
    Sort,
    TicketPage,
    fetch_rows,
    list_page,
    parse_sort,
)

__all__ = [
    "DEFAULT_SORT",
    "SORT_COLUMNS",
    "QueueSummary",
    "Sort",
    "TicketFilters",
    "TicketPage",
    "WidgetPage",
    "apply_filters",
    "fetch_rows",
    "filters_querystring",
    "list_page",
    "my_locked_tickets",
    "my_queue_ids",
    "my_queue_tickets",
    "new_tickets",
    "parse_filters",
    "parse_sort",
    "pending_reminders_reached",
    "queue_overview",
    "tickets_awaiting_answer",
    "widget_page",
]
