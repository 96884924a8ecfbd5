"""Command line of the harness. Progress goes to stderr; the result, as one JSON
object, is the last line on stdout."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from bench.environment import database_label, migrate_if_needed, setup_django
from bench.timing import Measurement, Operation, measure, percentile

if TYPE_CHECKING:
    from bench.fixture import BenchFixture


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    commands = parser.add_subparsers(dest="op", required=True)
    for op, text in (
        ("create", "create tickets through the actions layer"),
        ("floor", "insert the same rows with plain SQL (the lower bound)"),
    ):
        command = commands.add_parser(op, help=text)
        command.add_argument("--n", type=positive, default=2000, help="tickets (default 2000)")
        command.add_argument(
            "--concurrency", type=positive, default=1, help="threads, each with its own connection"
        )
        command.add_argument(
            "--json-only", action="store_true", help="no progress on stderr, only the result"
        )
    from bench.mail import add_mail_parser

    add_mail_parser(commands)
    from bench.ui import add_ui_parsers

    add_ui_parsers(commands)
    from bench.ui_pages import add_pages_parser

    add_pages_parser(commands)
    return parser


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def summarise(op: str, n: int, concurrency: int, measurement: Measurement) -> dict[str, Any]:
    done = len(measurement.latencies)
    wall = measurement.wall_seconds
    return {
        "op": op,
        "database": database_label()[0],
        "n": n,
        "concurrency": concurrency,
        "per_s": round(done / wall, 1) if wall else 0.0,
        "p50_ms": round(percentile(measurement.latencies, 50) * 1000, 2),
        "p95_ms": round(percentile(measurement.latencies, 95) * 1000, 2),
        # A duplicate ticket number is as much a failure as an exception.
        "errors": len(measurement.errors) + measurement.duplicates,
        "wall_s": round(wall, 2),
    }


def operation_factory(op: str) -> Callable[[BenchFixture], Operation]:
    if op == "floor":
        from bench.floor import floor_operation

        return floor_operation
    from bench.create import create_operation

    return create_operation


def main(argv: Sequence[str] | None = None) -> int:
    options = build_parser().parse_args(argv)

    def progress(message: str) -> None:
        if not options.json_only:
            print(f"bench: {message}", file=sys.stderr, flush=True)

    setup_django()
    if migrate_if_needed():
        progress("applied missing migrations")
    # Imported once Django is set up: the fixture module imports models.
    from bench.fixture import prepare_fixture

    if options.op == "mail":
        from bench.mail import main_mail

        return main_mail(options, prepare_fixture(), progress)
    if options.op in ("seed-ui", "ui-queries"):
        from bench.ui import main_ui

        return main_ui(options, progress)
    if options.op == "ui":
        from bench.ui_pages import main_pages

        return main_pages(options, progress)
    operation = operation_factory(options.op)(prepare_fixture())
    vendor, name = database_label()
    progress(f"{options.op}: {options.n} tickets, {options.concurrency} thread(s), {vendor} {name}")
    measurement = measure(operation, n=options.n, concurrency=options.concurrency)
    result = summarise(options.op, options.n, options.concurrency, measurement)
    print(json.dumps(result), flush=True)
    return 0 if result["errors"] == 0 else 1
