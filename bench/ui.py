"""`seed-ui` and `ui-queries` on the command line (models are imported only once
Django is set up, so this module is safe for the parser to import)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any


def add_ui_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from bench.cli import positive

    command = commands.add_parser("seed-ui", help="add N tickets through the fast path")
    command.add_argument("--n", type=positive, default=100_000, help="tickets (default 100000)")
    command.add_argument("--seed", type=int, default=None, help="random seed (default: time)")
    command.add_argument(
        "--measure", type=int, default=0, metavar="R", help="then time the UI queries R times"
    )
    command.add_argument(
        "--json-only", action="store_true", help="no progress on stderr, only the result"
    )
    command = commands.add_parser("ui-queries", help="time the UI queries on a seeded database")
    command.add_argument("--repeat", type=positive, default=30, help="runs per query (default 30)")
    command.add_argument(
        "--json-only", action="store_true", help="no progress on stderr, only the result"
    )


def main_ui(options: argparse.Namespace, progress: Callable[[str], None]) -> int:
    """`seed-ui` and `ui-queries`; the result is one JSON object on the last line."""
    from bench.environment import database_label
    from bench.ui_queries import measure_queries
    from bench.ui_seed import PREFIX, seed
    from relaydesk.accounts.models import User
    from relaydesk.tickets.models import Ticket

    vendor, name = database_label()
    result: dict[str, Any] = {"op": options.op, "database": vendor}
    repeat = options.repeat if options.op == "ui-queries" else options.measure
    if options.op == "seed-ui":
        progress(f"seed-ui: {options.n} tickets into {vendor} {name}")
        result.update(seed(options.n, progress, seed_value=options.seed))
    if repeat:
        agent = f"{PREFIX}agent0@bench.example"
        if not User.objects.filter(email__iexact=agent).exists():
            progress("ui-queries: nothing seeded yet; run seed-ui first")
            return 1
        progress(f"ui-queries: each query {repeat} times as {agent}")
        result["tickets_total"] = Ticket.objects.count()
        result["queries"] = measure_queries(agent, repeat)
    print(json.dumps(result), flush=True)
    return 0
