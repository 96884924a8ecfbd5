"""Ticket numbers: the OTRS-style date+checksum form, the increment form, the
subject tag and its parser, and uniqueness under concurrent creation."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.db import connection
from pytest_django import Settings

from relaydesk.core import ticket_numbers
from relaydesk.core.models import TicketNumberCounter
from relaydesk.core.ticket_numbers import (
    check_digit,
    date_checksum_number,
    find_ticket_number,
    next_ticket_number,
    subject_tag,
)
from relaydesk.tickets.actions import NewArticle, create_ticket
from relaydesk.tickets.models import ArticleChannel, Ticket
from tests.factories import Directory, make_ticket

REPO_ROOT = Path(__file__).resolve().parents[2]
FEB_4_2014 = dt.datetime(2014, 2, 4, 12, 0, tzinfo=dt.UTC)


def otrs_check_digit(digits: str) -> int:
    """OTRS's Kernel::System::Ticket::Number::DateChecksum, transcribed independently."""
    total, multiplier = 0, 1
    for digit in digits:
        total += multiplier * int(digit)
        multiplier = 2 if multiplier == 1 else 1
    remainder = 10 - total % 10
    return 1 if remainder == 10 else remainder


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[dt.datetime]:
    """The instant the number generator sees; tests change clock[0]."""
    instant = [FEB_4_2014]
    monkeypatch.setattr(ticket_numbers, "now", lambda: instant[0])
    return instant


# --- the check digit and the date+checksum form ------------------------------


def test_check_digit_of_the_otrs_example() -> None:
    # 2014-02-04, system id 42, counter 00001 -> check digit 8
    assert check_digit("201402044200001") == 8


@pytest.mark.parametrize(
    ("digits", "expected"),
    [("0", 1), ("5", 5), ("19", 1), ("201402044200002", 7), ("201402044299999", 6)],
)
def test_check_digit_values(digits: str, expected: int) -> None:
    # "0" and "19" sum to a multiple of ten: 10 - 0 = 10 becomes 1
    assert check_digit(digits) == expected


def test_check_digit_agrees_with_otrs_over_a_range_of_numbers() -> None:
    for counter in range(1, 2000, 7):
        base = f"2023123110{counter:05d}"
        assert check_digit(base) == otrs_check_digit(base), base


def test_date_checksum_number_of_the_otrs_example() -> None:
    assert date_checksum_number(dt.date(2014, 2, 4), 1, 42) == "2014020442000018"


@pytest.mark.parametrize(
    ("counter", "expected"),
    [
        (2, "2014020442000027"),
        (3, "2014020442000036"),
        (99999, "2014020442999996"),
        # past five digits the counter simply grows: no wrap-around, no collision
        (100000, "20140204421000008"),
        (123456, "20140204421234566"),
    ],
)
def test_date_checksum_number_values(counter: int, expected: str) -> None:
    assert date_checksum_number(dt.date(2014, 2, 4), counter, 42) == expected


def test_date_checksum_number_pads_the_system_id() -> None:
    assert date_checksum_number(dt.date(2014, 2, 5), 1, 7) == "2014020507000011"


# --- the generator: counters per day, settings --------------------------------


@pytest.mark.django_db
def test_next_ticket_number_counts_per_day(settings: Settings, clock: list[dt.datetime]) -> None:
    settings.RELAYDESK_TICKET_NUMBER_GENERATOR = "date_checksum"
    settings.RELAYDESK_SYSTEM_ID = 42

    first, second = next_ticket_number(), next_ticket_number()
    clock[0] = dt.datetime(2014, 2, 5, 0, 0, 1, tzinfo=dt.UTC)
    next_day = next_ticket_number()
    clock[0] = dt.datetime(2014, 2, 4, 23, 59, 59, tzinfo=dt.UTC)
    back_again = next_ticket_number()

    assert (first, second) == ("2014020442000018", "2014020442000027")
    assert next_day == "2014020542000016"
    assert back_again == "2014020442000036"
    assert dict(TicketNumberCounter.objects.values_list("scope", "value")) == {
        "20140204": 3,
        "20140205": 1,
    }


@pytest.mark.django_db
def test_the_date_is_the_utc_date(settings: Settings, clock: list[dt.datetime]) -> None:
    settings.RELAYDESK_SYSTEM_ID = 42
    # 23:30 UTC on the 4th is already the 5th in Berlin; numbers follow UTC
    clock[0] = dt.datetime(2014, 2, 4, 23, 30, tzinfo=dt.UTC)
    settings.TIME_ZONE = "Europe/Berlin"

    assert next_ticket_number() == "2014020442000018"


@pytest.mark.django_db
def test_system_id_uses_its_last_two_digits(settings: Settings, clock: list[dt.datetime]) -> None:
    settings.RELAYDESK_SYSTEM_ID = 142

    assert next_ticket_number() == "2014020442000018"


@pytest.mark.django_db
def test_created_tickets_get_consecutive_date_checksum_numbers(
    directory: Directory, settings: Settings, clock: list[dt.datetime]
) -> None:
    settings.RELAYDESK_TICKET_NUMBER_GENERATOR = "date_checksum"
    settings.RELAYDESK_SYSTEM_ID = 42

    tickets = [make_ticket(customer=directory.alice, queue=directory.support) for _ in range(3)]

    assert [t.number for t in tickets] == [
        "2014020442000018",
        "2014020442000027",
        "2014020442000036",
    ]
    assert list(Ticket.objects.order_by("pk").values_list("number", flat=True)) == [
        "2014020442000018",
        "2014020442000027",
        "2014020442000036",
    ]


@pytest.mark.django_db
def test_increment_generator(directory: Directory, settings: Settings) -> None:
    settings.RELAYDESK_TICKET_NUMBER_GENERATOR = "increment"

    tickets = [make_ticket(customer=directory.alice, queue=directory.support) for _ in range(3)]

    assert [t.number for t in tickets] == ["1", "2", "3"]
    assert TicketNumberCounter.objects.get(scope="all").value == 3


@pytest.mark.django_db
def test_increment_and_date_counters_are_independent(
    settings: Settings, clock: list[dt.datetime]
) -> None:
    settings.RELAYDESK_SYSTEM_ID = 42
    settings.RELAYDESK_TICKET_NUMBER_GENERATOR = "increment"
    assert next_ticket_number() == "1"
    settings.RELAYDESK_TICKET_NUMBER_GENERATOR = "date_checksum"
    assert next_ticket_number() == "2014020442000018"
    settings.RELAYDESK_TICKET_NUMBER_GENERATOR = "increment"
    assert next_ticket_number() == "2"


@pytest.mark.django_db
def test_unknown_generator_is_refused_and_creates_nothing(
    directory: Directory, settings: Settings
) -> None:
    settings.RELAYDESK_TICKET_NUMBER_GENERATOR = "random"

    with pytest.raises(ValueError, match="unknown RELAYDESK_TICKET_NUMBER_GENERATOR 'random'"):
        make_ticket(customer=directory.alice, queue=directory.support)

    assert Ticket.objects.count() == 0


# --- the subject tag and its parser -------------------------------------------


def test_subject_tag_default_hook() -> None:
    assert subject_tag("2014020442000018") == "[Ticket#2014020442000018]"


def test_subject_tag_custom_hook(settings: Settings) -> None:
    settings.RELAYDESK_TICKET_HOOK = "Case#"

    assert subject_tag("123") == "[Case#123]"


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("[Ticket#123] Printer jammed", "123"),
        ("[Ticket#2014020442000018] Printer jammed", "2014020442000018"),
        ("Printer jammed [Ticket#2014020442000018]", "2014020442000018"),
        ("Re: Fwd: [Ticket#2014020442000018] Printer jammed", "2014020442000018"),
        ("RE: AW: WG: [Ticket#77] x", "77"),
        ("[ticket#123] lower-case hook", "123"),
        ("[TICKET#123] upper-case hook", "123"),
        ("[Ticket# 123] a space after the hook", "123"),
        ("[ Ticket#123 ] spaces inside the brackets", "123"),
        ("[Ticket#:123] a colon after the hook", "123"),
        ("[Ticket#1] first [Ticket#2] second", "1"),
    ],
)
def test_find_ticket_number(subject: str, expected: str) -> None:
    assert find_ticket_number(subject) == expected


@pytest.mark.parametrize(
    "subject",
    [
        "",
        "Printer jammed",
        "Ticket#123 without brackets",
        "[Ticket#] no number",
        "[Ticket#12a] letters in the number",
        "[Case#123] another system's hook",
        "[Ticket#123",
    ],
)
def test_find_ticket_number_without_a_tag(subject: str) -> None:
    assert find_ticket_number(subject) is None


def test_find_ticket_number_with_custom_hook(settings: Settings) -> None:
    settings.RELAYDESK_TICKET_HOOK = "Case#"

    assert find_ticket_number("Re: [Case#42] Printer") == "42"
    assert find_ticket_number("Re: [case# 42] Printer") == "42"
    assert find_ticket_number("Re: [Ticket#42] Printer") is None


def test_find_ticket_number_hook_is_literal_not_a_pattern(settings: Settings) -> None:
    settings.RELAYDESK_TICKET_HOOK = "T.N."

    assert find_ticket_number("[T.N.5] x") == "5"
    assert find_ticket_number("[TxNx5] x") is None


def test_subject_tag_round_trips(settings: Settings) -> None:
    for hook in ("Ticket#", "Case#", "RT-"):
        settings.RELAYDESK_TICKET_HOOK = hook
        assert find_ticket_number(f"Re: {subject_tag('2014020442000018')} hi") == (
            "2014020442000018"
        )


# --- uniqueness under concurrency (PostgreSQL) ---------------------------------

WORKERS = 8
PER_WORKER = 25
EXPECTED_NUMBERS = {
    date_checksum_number(FEB_4_2014.date(), counter, 42)
    for counter in range(1, WORKERS * PER_WORKER + 1)
}


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_creation_from_threads_gives_distinct_numbers(
    directory: Directory, settings: Settings, clock: list[dt.datetime]
) -> None:
    settings.RELAYDESK_TICKET_NUMBER_GENERATOR = "date_checksum"
    settings.RELAYDESK_SYSTEM_ID = 42
    barrier = threading.Barrier(WORKERS)
    numbers: list[str] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def work(worker: int) -> None:
        try:
            barrier.wait(timeout=30)
            for index in range(PER_WORKER):
                ticket = create_ticket(
                    actor=None,
                    via="email",
                    title=f"thread {worker} ticket {index}",
                    queue=directory.support.pk,
                    customer=directory.alice.pk,
                    article=NewArticle(body_text="hello", channel=ArticleChannel.EMAIL),
                )
                with lock:
                    numbers.append(ticket.number)
        except BaseException as exc:  # collected and asserted empty below
            with lock:
                failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(worker,)) for worker in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert failures == []
    assert not any(thread.is_alive() for thread in threads)
    assert len(numbers) == WORKERS * PER_WORKER
    assert set(numbers) == EXPECTED_NUMBERS
    assert Ticket.objects.count() == WORKERS * PER_WORKER
    assert set(Ticket.objects.values_list("number", flat=True)) == EXPECTED_NUMBERS
    assert TicketNumberCounter.objects.get(scope="20140204").value == WORKERS * PER_WORKER


CHILD_SCRIPT = """
import datetime as dt, json, os, sys
import django
django.setup()
from django.db import connection
from relaydesk.core import ticket_numbers
from relaydesk.tickets.actions import NewArticle, create_ticket
ticket_numbers.now = lambda: dt.datetime(2014, 2, 4, 12, tzinfo=dt.UTC)
queue_id, customer_id, count = (int(value) for value in sys.argv[1:4])
print("ready", flush=True)
sys.stdin.readline()
made = []
for index in range(count):
    ticket = create_ticket(
        actor=None, via="email", title=f"process {os.getpid()} ticket {index}",
        queue=queue_id, customer=customer_id,
        article=NewArticle(body_text="hello", channel="email"),
    )
    made.append(ticket.number)
connection.close()
print(json.dumps(made), flush=True)
"""


def _child_environment() -> dict[str, str]:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    url = (
        f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        f"/{db['NAME']}"
    )
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "relaydesk.settings",
        "RELAYDESK_DATABASE_URL": url,
        "RELAYDESK_TICKET_NUMBER_GENERATOR": "date_checksum",
        "RELAYDESK_SYSTEM_ID": "42",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
    }


@pytest.mark.slow
@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_creation_from_processes_gives_distinct_numbers(directory: Directory) -> None:
    environment = _child_environment()
    arguments = [str(directory.support.pk), str(directory.alice.pk), str(PER_WORKER)]
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD_SCRIPT, *arguments],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=environment,
        )
        for _ in range(WORKERS)
    ]
    try:
        for child in children:  # every process is set up and waiting ...
            assert child.stdout is not None
            assert child.stdout.readline().strip() == "ready"
        for child in children:  # ... then they all start at once
            assert child.stdin is not None
            child.stdin.write("go\n")
            child.stdin.flush()
        results = [child.communicate(timeout=180) for child in children]
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()

    failures = [err for child, (_, err) in zip(children, results, strict=True) if child.returncode]
    assert failures == []
    numbers = [number for out, _ in results for number in json.loads(out.strip())]
    assert len(numbers) == WORKERS * PER_WORKER
    assert set(numbers) == EXPECTED_NUMBERS
    assert set(Ticket.objects.values_list("number", flat=True)) == EXPECTED_NUMBERS


def test_tag_with_non_ascii_digits_is_no_ticket_number() -> None:
    assert find_ticket_number("Re: [Ticket#１２３]") is None
    assert find_ticket_number("Re: [Ticket#١٢٣]") is None
