"""Admin for business calendars: working hours and closed days edited inline."""

from __future__ import annotations

from django.contrib import admin

from relaydesk.sla.models import BusinessCalendar, ClosedDay, WorkingHours


class WorkingHoursInline(admin.TabularInline[WorkingHours, BusinessCalendar]):
    model = WorkingHours
    extra = 1


class ClosedDayInline(admin.TabularInline[ClosedDay, BusinessCalendar]):
    model = ClosedDay
    extra = 1


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin[BusinessCalendar]):
    list_display = ("name", "time_zone", "holiday_country", "holiday_subdivision")
    search_fields = ("name",)
    inlines = (WorkingHoursInline, ClosedDayInline)
