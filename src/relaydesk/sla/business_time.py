"""Business-time arithmetic: add N business minutes to an instant, count the
business minutes between two instants.

A `Schedule` is pure data (no database): the calendar's time zone, its weekly
shifts and the days it is closed. Shifts are wall-clock times in that zone; a
shift whose end is not after its start runs past midnight (22:00–06:00), and
00:00–00:00 is a whole day. A shift belongs to the day it starts on: a holiday
cancels the shifts that start on it, also an overnight shift's morning part.

Business time is real elapsed time inside the shifts, so a shift spanning a DST
change is an hour shorter or longer, as the people working it experience it.
Wall-clock times that do not exist (the hour skipped in spring) resolve the way
`zoneinfo` does with `fold=0`: 02:30 on that day is 03:30 summer time.

All instants given and returned are timezone-aware; results are in UTC.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Container, Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

UTC = dt.UTC
ONE_DAY = dt.timedelta(days=1)
# A calendar that is closed this long in a row has no working time to give:
# stop searching instead of looping for ever.
MAX_CLOSED_DAYS = 366 * 5

Interval = tuple[dt.datetime, dt.datetime]


class NoWorkingTime(ValueError):
    """The schedule offers no working time where some was needed."""


@dataclass(frozen=True)
class Shift:
    weekday: int  # 0 = Monday … 6 = Sunday, the day the shift starts on
    start: dt.time
    end: dt.time  # not after `start`: the shift ends on the next day

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), not {self.weekday}")

    @property
    def overnight(self) -> bool:
        return self.end <= self.start


@dataclass(frozen=True)
class Schedule:
    zone: ZoneInfo
    shifts: tuple[Shift, ...]
    closed_days: Container[dt.date] = frozenset()

    def __post_init__(self) -> None:
        if not self.shifts:
            raise NoWorkingTime("a schedule needs at least one shift")


def _aware(instant: dt.datetime) -> dt.datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"instant must be timezone-aware, not {instant!r}")
    return instant.astimezone(UTC)


def _day_intervals(schedule: Schedule, day: dt.date) -> list[Interval]:
    """The shifts starting on this local day, as UTC intervals, sorted."""
    if day in schedule.closed_days:
        return []
    intervals = []
    for shift in schedule.shifts:
        if shift.weekday != day.weekday():
            continue
        end_day = day + ONE_DAY if shift.overnight else day
        start = dt.datetime.combine(day, shift.start, tzinfo=schedule.zone).astimezone(UTC)
        end = dt.datetime.combine(end_day, shift.end, tzinfo=schedule.zone).astimezone(UTC)
        if start < end:  # a shift inside the skipped spring hour has no length
            intervals.append((start, end))
    return sorted(intervals)


def _raw_intervals_from(schedule: Schedule, instant: dt.datetime) -> Iterator[Interval]:
    """Every shift interval that ends after `instant`, in order of start.

    Starts a day early, for the previous evening's overnight shift. Local days
    follow each other, so a later day's shifts never start before an earlier
    day's: sorting within each day keeps the whole sequence ordered by start.
    """
    day = instant.astimezone(schedule.zone).date() - ONE_DAY
    closed_run = 0
    while True:
        intervals = _day_intervals(schedule, day)
        if intervals:
            closed_run = 0
        else:
            closed_run += 1
            if closed_run > MAX_CLOSED_DAYS:
                since = day - closed_run * ONE_DAY
                raise NoWorkingTime(f"no working time in the {MAX_CLOSED_DAYS} days after {since}")
        for start, end in intervals:
            if end > instant:
                yield start, end
        day += ONE_DAY


def working_intervals_from(schedule: Schedule, instant: dt.datetime) -> Iterator[Interval]:
    """Working time from `instant` on: disjoint UTC intervals in order, none
    starting before `instant`. Overlapping shifts are cut where the earlier one
    ends, not merged: a calendar open around the clock would merge for ever."""
    covered = _aware(instant)
    for start, end in _raw_intervals_from(schedule, covered):
        start = max(start, covered)
        if end > start:
            yield start, end
            covered = end


def add_business_time(
    schedule: Schedule, instant: dt.datetime, duration: dt.timedelta
) -> dt.datetime:
    """The instant at which `duration` of working time has passed since `instant`.

    Ends inside or at the end of a shift, never at the next one's start, so that
    `business_time_between(schedule, instant, result) == duration`.
    """
    if duration < dt.timedelta(0):
        raise ValueError(f"duration must not be negative, not {duration}")
    instant = _aware(instant)
    if not duration:
        return instant
    remaining = duration
    for start, end in working_intervals_from(schedule, instant):
        available = end - start
        if remaining <= available:
            return start + remaining
        remaining -= available
    raise AssertionError("working_intervals_from never ends")  # pragma: no cover


def business_time_between(schedule: Schedule, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
    """Working time from `start` to `end`; negative when `end` comes first."""
    start, end = _aware(start), _aware(end)
    if end < start:
        return -business_time_between(schedule, end, start)
    total = dt.timedelta(0)
    if end == start:
        return total
    for interval_start, interval_end in working_intervals_from(schedule, start):
        if interval_start >= end:
            break
        total += min(interval_end, end) - interval_start
    return total


def add_business_minutes(schedule: Schedule, instant: dt.datetime, minutes: int) -> dt.datetime:
    """`add_business_time` in whole minutes, the unit SLA targets are set in."""
    return add_business_time(schedule, instant, dt.timedelta(minutes=minutes))


def business_minutes_between(schedule: Schedule, start: dt.datetime, end: dt.datetime) -> float:
    """`business_time_between` in minutes (fractional when the instants are)."""
    return business_time_between(schedule, start, end) / dt.timedelta(minutes=1)
