"""Business calendars: when the service desk works, for SLA clocks (issue 7).

A calendar has a time zone, weekly working hours (several per day, overnight
shifts allowed), public holidays from the `holidays` package for a country and
optional subdivision, and its own extra closed days. `schedule()` turns it into
the pure data that `sla.business_time` computes with.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Container
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from relaydesk.sla.business_time import Schedule, Shift

WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


def validate_time_zone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValidationError(
            _("%(name)s is not a time zone (use a name such as Europe/Berlin)."),
            params={"name": name},
            code="time_zone",
        ) from error


class ClosedDays:
    """The public holidays of a country (and subdivision) plus a calendar's own dates."""

    def __init__(self, public: Container[dt.date], own: frozenset[dt.date]) -> None:
        self.public = public
        self.own = own

    def __contains__(self, day: object) -> bool:
        return day in self.own or day in self.public


def public_holidays(country: str, subdivision: str = "") -> holidays.HolidayBase:
    """The `holidays` package's calendar; years are filled in as they are asked for."""
    return holidays.country_holidays(country, subdiv=subdivision or None)


class BusinessCalendar(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default="UTC",
        validators=[validate_time_zone],
        help_text=_("The zone the working hours are in, e.g. Europe/Berlin."),
    )
    holiday_country = models.CharField(
        _("public holidays of"),
        max_length=3,
        blank=True,
        help_text=_("ISO country code such as DE or US; empty for no public holidays."),
    )
    holiday_subdivision = models.CharField(
        _("region"),
        max_length=10,
        blank=True,
        help_text=_("The state or region whose holidays also count, e.g. BY for Bavaria."),
    )

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if self.holiday_subdivision and not self.holiday_country:
            raise ValidationError(
                {"holiday_country": _("A region needs its country.")}, code="country"
            )
        if self.holiday_country:
            self.holiday_country = self.holiday_country.upper()
            try:
                public_holidays(self.holiday_country, self.holiday_subdivision)
            except NotImplementedError as error:
                raise ValidationError(
                    {
                        "holiday_country": _(
                            "The holidays package knows no country %(country)s with "
                            "region %(region)s."
                        )
                        % {
                            "country": self.holiday_country,
                            "region": self.holiday_subdivision or "-",
                        }
                    },
                    code="country",
                ) from error

    def schedule(self) -> Schedule:
        """The calendar as pure data for `sla.business_time` (reads hours and dates)."""
        public: Container[dt.date] = (
            public_holidays(self.holiday_country, self.holiday_subdivision)
            if self.holiday_country
            else frozenset()
        )
        own = frozenset(self.closed_days.values_list("date", flat=True))
        return Schedule(
            zone=ZoneInfo(self.time_zone),
            shifts=tuple(
                Shift(weekday=hours.weekday, start=hours.start, end=hours.end)
                for hours in self.working_hours.all()
            ),
            closed_days=ClosedDays(public, own),
        )


class WorkingHours(models.Model):
    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="working_hours"
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=WEEKDAYS)
    start = models.TimeField(_("from"))
    end = models.TimeField(
        _("until"),
        help_text=_("Not after the start: the shift ends on the next day (00:00–00:00 is 24 h)."),
    )

    class Meta:
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")
        ordering = ["weekday", "start"]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"


class ClosedDay(models.Model):
    """A day the calendar does not work beyond the public holidays (a company holiday)."""

    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="closed_days"
    )
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("closed day")
        verbose_name_plural = _("closed days")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="sla_closed_day_unique")
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}".strip()
