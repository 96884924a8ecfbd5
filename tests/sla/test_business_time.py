"""Business-time arithmetic (sla/business_time.py): properties over random
calendars with hypothesis, and the hard cases — weekends, holidays, year ends,
overnight shifts, both DST changes — as explicit examples."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relaydesk.sla.business_time import (
    NoWorkingTime,
    Schedule,
    Shift,
    add_business_minutes,
    business_minutes_between,
    business_time_between,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
UTC = dt.UTC


def office_hours(
    zone: ZoneInfo = BERLIN, closed: frozenset[dt.date] | holidays.HolidayBase = frozenset()
) -> Schedule:
    """Monday to Friday, 09:00–17:00."""
    return Schedule(
        zone=zone,
        shifts=tuple(Shift(day, dt.time(9), dt.time(17)) for day in range(5)),
        closed_days=closed,
    )


def local(zone: ZoneInfo, *parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=zone)  # type: ignore[misc]


# --- explicit cases --------------------------------------------------------------


def test_friday_afternoon_plus_two_hours_is_monday_morning() -> None:
    schedule = office_hours()
    friday = local(BERLIN, 2026, 11, 20, 16, 0)
    assert add_business_minutes(schedule, friday, 120) == local(BERLIN, 2026, 11, 23, 10, 0)
    assert business_minutes_between(schedule, friday, local(BERLIN, 2026, 11, 23, 10, 0)) == 120


def test_outside_hours_the_clock_starts_at_the_next_shift() -> None:
    schedule = office_hours()
    saturday = local(BERLIN, 2026, 11, 21, 12, 0)
    assert add_business_minutes(schedule, saturday, 30) == local(BERLIN, 2026, 11, 23, 9, 30)
    early = local(BERLIN, 2026, 11, 23, 6, 0)
    assert add_business_minutes(schedule, early, 0) == early  # nothing to add: the instant
    assert business_minutes_between(schedule, saturday, early) == 0


def test_the_result_stays_at_a_shift_end_rather_than_the_next_start() -> None:
    schedule = office_hours()
    monday = local(BERLIN, 2026, 11, 23, 9, 0)
    assert add_business_minutes(schedule, monday, 8 * 60) == local(BERLIN, 2026, 11, 23, 17, 0)


def test_year_end_with_new_years_day_a_public_holiday() -> None:
    schedule = office_hours(closed=holidays.country_holidays("DE"))
    # Thursday 31 December 2026, 16:30; Friday 1 January 2027 is a holiday.
    new_years_eve = local(BERLIN, 2026, 12, 31, 16, 30)
    assert add_business_minutes(schedule, new_years_eve, 60) == local(BERLIN, 2027, 1, 4, 9, 30)
    assert business_minutes_between(
        schedule, new_years_eve, local(BERLIN, 2027, 1, 4, 9, 30)
    ) == pytest.approx(60)


def test_a_regions_holiday_counts_only_with_that_region() -> None:
    # 6 January (Epiphany) 2027 is a Wednesday: a holiday in Bavaria, not in Berlin.
    morning = local(BERLIN, 2027, 1, 5, 16, 0)
    bavaria = office_hours(closed=holidays.country_holidays("DE", subdiv="BY"))
    berlin = office_hours(closed=holidays.country_holidays("DE", subdiv="BE"))
    assert add_business_minutes(bavaria, morning, 120) == local(BERLIN, 2027, 1, 7, 10, 0)
    assert add_business_minutes(berlin, morning, 120) == local(BERLIN, 2027, 1, 6, 10, 0)


def test_spring_forward_makes_a_whole_day_shift_23_hours() -> None:
    always = Schedule(zone=BERLIN, shifts=tuple(Shift(d, dt.time(0), dt.time(0)) for d in range(7)))
    start = local(BERLIN, 2026, 3, 29, 0, 0)  # clocks go 02:00 -> 03:00
    end = local(BERLIN, 2026, 3, 30, 0, 0)
    assert business_minutes_between(always, start, end) == 23 * 60
    assert add_business_minutes(always, start, 23 * 60) == end


def test_an_overnight_shift_across_fall_back_is_nine_hours() -> None:
    # 22:00 Saturday 31 October to 06:00 Sunday 1 November 2026 in New York:
    # clocks go back at 02:00, so the night shift works nine real hours.
    night = Schedule(zone=NEW_YORK, shifts=(Shift(5, dt.time(22), dt.time(6)),))
    start = local(NEW_YORK, 2026, 10, 31, 22, 0)
    assert business_minutes_between(night, start, start + dt.timedelta(days=2)) == 9 * 60
    # 8 hours in, the wall clock shows 05:00 (EST), one hour before the end.
    assert add_business_minutes(night, start, 8 * 60) == dt.datetime(
        2026, 11, 1, 5, 0, tzinfo=NEW_YORK
    )


def test_an_overnight_shift_is_cancelled_by_a_holiday_on_its_first_day() -> None:
    christmas_eve = dt.date(2026, 12, 24)  # Thursday
    night = Schedule(
        zone=BERLIN,
        shifts=tuple(Shift(d, dt.time(22), dt.time(6)) for d in range(7)),
        closed_days=frozenset({christmas_eve}),
    )
    start = local(BERLIN, 2026, 12, 24, 12, 0)
    assert add_business_minutes(night, start, 60) == local(BERLIN, 2026, 12, 25, 23, 0)


def test_a_shift_starting_in_the_skipped_hour_begins_at_summer_time() -> None:
    # 02:30 does not exist on 29 March 2026 in Berlin; it reads as 03:30 CEST.
    early = Schedule(zone=BERLIN, shifts=(Shift(6, dt.time(2, 30), dt.time(4, 0)),))
    sunday = local(BERLIN, 2026, 3, 29, 0, 0)
    assert add_business_minutes(early, sunday, 10) == dt.datetime(2026, 3, 29, 1, 40, tzinfo=UTC)
    assert business_minutes_between(early, sunday, local(BERLIN, 2026, 3, 30, 0, 0)) == 30


def test_overlapping_shifts_count_once() -> None:
    schedule = Schedule(
        zone=UTC_ZONE,
        shifts=(Shift(0, dt.time(8), dt.time(12)), Shift(0, dt.time(10), dt.time(14))),
    )
    monday = dt.datetime(2026, 11, 23, tzinfo=UTC)
    assert business_minutes_between(schedule, monday, monday + dt.timedelta(days=1)) == 6 * 60


def test_bad_input_is_refused_with_the_reason() -> None:
    with pytest.raises(NoWorkingTime, match="at least one shift"):
        Schedule(zone=BERLIN, shifts=())
    naive = dt.datetime(2026, 11, 23, 9)  # noqa: DTZ001 (the bad input under test)
    with pytest.raises(ValueError, match="timezone-aware"):
        add_business_minutes(office_hours(), naive, 5)
    with pytest.raises(ValueError, match="must not be negative"):
        add_business_minutes(office_hours(), local(BERLIN, 2026, 11, 23, 9), -5)
    with pytest.raises(ValueError, match="weekday"):
        Shift(7, dt.time(9), dt.time(17))
    every_day_closed = Schedule(
        zone=BERLIN, shifts=(Shift(0, dt.time(9), dt.time(17)),), closed_days=AlwaysClosed()
    )
    with pytest.raises(NoWorkingTime, match="no working time"):
        add_business_minutes(every_day_closed, local(BERLIN, 2026, 11, 23, 9), 5)


class AlwaysClosed:
    def __contains__(self, day: object) -> bool:
        return True


UTC_ZONE = ZoneInfo("UTC")

# --- properties --------------------------------------------------------------------

ZONES = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Asia/Kolkata",
    "Australia/Lord_Howe",  # half-hour DST shifts
    "Pacific/Chatham",
]
HOLIDAYS = {
    "none": frozenset(),
    "DE-BY": holidays.country_holidays("DE", subdiv="BY"),
    "US": holidays.country_holidays("US"),
}

times = st.builds(dt.time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45, 59]))
shifts = st.builds(Shift, st.integers(0, 6), times, times)
schedules = st.builds(
    Schedule,
    zone=st.sampled_from(ZONES).map(ZoneInfo),
    shifts=st.lists(shifts, min_size=1, max_size=6).map(tuple),
    closed_days=st.sampled_from(list(HOLIDAYS.values())),
)
instants = st.datetimes(
    # hypothesis wants naive bounds and attaches the zone itself.
    min_value=dt.datetime(2024, 1, 1),  # noqa: DTZ001
    max_value=dt.datetime(2028, 12, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
).map(lambda instant: instant.replace(microsecond=0))
minutes = st.integers(0, 20_000)

PROPERTY_SETTINGS = settings(max_examples=150, deadline=None)


@PROPERTY_SETTINGS
@given(schedules, instants, minutes)
def test_counting_what_was_added_gives_it_back(
    schedule: Schedule, start: dt.datetime, n: int
) -> None:
    end = add_business_minutes(schedule, start, n)
    assert end >= start
    assert business_time_between(schedule, start, end) == dt.timedelta(minutes=n)


@PROPERTY_SETTINGS
@given(schedules, instants, minutes, minutes)
def test_adding_more_never_ends_earlier(
    schedule: Schedule, start: dt.datetime, a: int, b: int
) -> None:
    low, high = sorted((a, b))
    assert add_business_minutes(schedule, start, low) <= add_business_minutes(schedule, start, high)


@PROPERTY_SETTINGS
@given(
    schedules,
    instants,
    st.timedeltas(dt.timedelta(0), dt.timedelta(days=20)),
    st.timedeltas(dt.timedelta(0), dt.timedelta(days=20)),
)
def test_counts_add_up_over_consecutive_spans(
    schedule: Schedule, start: dt.datetime, first: dt.timedelta, second: dt.timedelta
) -> None:
    middle, end = start + first, start + first + second
    whole = business_time_between(schedule, start, end)
    assert whole == business_time_between(schedule, start, middle) + business_time_between(
        schedule, middle, end
    )
    assert dt.timedelta(0) <= whole <= end - start
    assert business_time_between(schedule, end, start) == -whole


@PROPERTY_SETTINGS
@given(schedules, instants, st.integers(1, 20_000))
def test_the_result_ends_working_time_rather_than_waiting_for_the_next_shift(
    schedule: Schedule, start: dt.datetime, n: int
) -> None:
    end = add_business_minutes(schedule, start, n)
    # Instants are whole seconds and shifts whole minutes: the second before the
    # result was worked, so no idle time was added at the end.
    second = dt.timedelta(seconds=1)
    assert business_time_between(schedule, end - second, end) == second
