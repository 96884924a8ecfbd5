"""Admin for ticket configuration. Tickets themselves are read-only here:
every change to a ticket goes through the actions layer (the agent UI, API)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from relaydesk.tickets.models import (
    Priority,
    Queue,
    QueueAccess,
    Ticket,
    TicketHistory,
    TicketState,
    TicketType,
)


class QueueAccessInline(admin.TabularInline[QueueAccess, Queue]):
    model = QueueAccess
    extra = 1


@admin.register(Queue)
class QueueAdmin(admin.ModelAdmin[Queue]):
    list_display = (
        "name",
        "email_address",
        "group",
        "default_priority",
        "reopen_policy",
        "is_active",
    )
    list_filter = ("is_active", "group")
    list_select_related = ("group", "default_priority")
    search_fields = ("name", "email_address")
    inlines = (QueueAccessInline,)


@admin.register(TicketState)
class TicketStateAdmin(admin.ModelAdmin[TicketState]):
    list_display = ("name", "category", "position", "is_active")
    list_filter = ("category", "is_active")


@admin.register(Priority)
class PriorityAdmin(admin.ModelAdmin[Priority]):
    list_display = ("name", "level", "is_default")


@admin.register(TicketType)
class TicketTypeAdmin(admin.ModelAdmin[TicketType]):
    list_display = ("name", "is_active")


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    """Shows rows for inspection; adding, changing and deleting is refused."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    list_display = (
        "number",
        "title",
        "queue",
        "state",
        "priority",
        "customer",
        "owner",
        "updated_at",
    )
    list_filter = ("queue", "state__category", "priority")
    list_select_related = ("queue", "state", "priority", "customer", "owner")
    search_fields = ("=number", "title")
    show_full_result_count = False


@admin.register(TicketHistory)
class TicketHistoryAdmin(ReadOnlyAdmin):
    list_display = ("at", "ticket", "actor", "channel", "action", "field", "old_value", "new_value")
    list_select_related = ("ticket", "actor")
    list_filter = ("action", "channel")
    show_full_result_count = False
