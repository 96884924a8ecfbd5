"""Business calendars in the database: working hours, public holidays of a
country and region, the calendar's own closed days, and refused bad input."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from relaydesk.sla.business_time import add_business_minutes, business_minutes_between
from relaydesk.sla.models import BusinessCalendar, ClosedDay, WorkingHours

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")


def munich_office() -> BusinessCalendar:
    calendar = BusinessCalendar.objects.create(
        name="Munich office",
        time_zone="Europe/Berlin",
        holiday_country="DE",
        holiday_subdivision="BY",
    )
    for weekday in range(5):  # a lunch break: two intervals a day
        WorkingHours.objects.create(
            calendar=calendar, weekday=weekday, start=dt.time(8), end=dt.time(12)
        )
        WorkingHours.objects.create(
            calendar=calendar, weekday=weekday, start=dt.time(13), end=dt.time(17)
        )
    return calendar


def test_the_schedule_has_the_hours_the_public_holidays_and_the_own_closed_days() -> None:
    calendar = munich_office()
    ClosedDay.objects.create(calendar=calendar, date=dt.date(2026, 12, 24), name="Christmas Eve")
    schedule = calendar.schedule()

    # Wednesday 23 December, 16:00, plus 2 hours: 24th closed (own), 25th and 26th
    # public holidays, the weekend — Monday 28th, 09:00.
    start = dt.datetime(2026, 12, 23, 16, tzinfo=BERLIN)
    due = add_business_minutes(schedule, start, 120)
    assert due == dt.datetime(2026, 12, 28, 9, tzinfo=BERLIN)
    # The lunch break does not count.
    monday = dt.datetime(2026, 11, 23, 11, tzinfo=BERLIN)
    assert business_minutes_between(schedule, monday, monday + dt.timedelta(hours=3)) == 120
    # Bavaria's Epiphany (6 January) is closed.
    assert dt.date(2027, 1, 6) in schedule.closed_days
    assert dt.date(2027, 1, 7) not in schedule.closed_days


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"time_zone": "Mars/Olympus"}, "time_zone", "Mars/Olympus is not a time zone"),
        ({"holiday_country": "XX"}, "holiday_country", "knows no country XX"),
        (
            {"holiday_country": "DE", "holiday_subdivision": "ZZ"},
            "holiday_country",
            "knows no country DE with region ZZ",
        ),
        ({"holiday_subdivision": "BY"}, "holiday_country", "A region needs its country"),
    ],
)
def test_bad_calendars_are_refused_naming_the_field(
    fields: dict[str, str], field: str, message: str
) -> None:
    calendar = BusinessCalendar(name="Bad", **fields)
    with pytest.raises(ValidationError) as refused:
        calendar.full_clean()
    assert message in " ".join(refused.value.message_dict[field])
    assert not BusinessCalendar.objects.exists()


def test_the_country_code_is_stored_in_capitals() -> None:
    calendar = BusinessCalendar(name="Lower", holiday_country="de")
    calendar.full_clean()
    assert calendar.holiday_country == "DE"
