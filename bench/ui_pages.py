"""`ui`: server time of the agent interface's pages on a seeded database.

Signed in (Django's test client, `force_login`, in-process, no network) as the
first bench-ui agent, who reads every bench-ui queue, each page is requested
once to warm up, then `--repeat` times. A request's time is what `Client.get`
takes in this process: URL resolution, the middleware (session, user, locale,
CSRF, security headers), the view, its queries and the template — everything
a WSGI server would add aside. Every statement of a request is counted and
timed (a cheap `execute_wrapper`, not DEBUG's query log), so each page reports
its query count and how much of its time is SQL; `cpu_p50_ms` is this
process's CPU time (Python: ORM, views, templates — not the database server's),
which a busy machine inflates less than the wall time; `template_p50_ms` is
the time spent rendering templates (form widgets included, and any query a
template sets off).

A page whose URL still resolves to the `coming` placeholder is reported as a
placeholder and not timed. A page that does not answer 200 is an error; the
command then exits 1. Run it with the production settings (`relaydesk.settings`,
DEBUG off); the static files manifest is collected into the data dir when
missing, as a deployment would have it.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

TARGET_MS = 100.0
SEARCH_WORDS = "printer jammed"  # one of the seed's ten topics: about 10 % of the tickets
TEST_HOST = "testserver"


def add_pages_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from bench.cli import positive

    command = commands.add_parser("ui", help="time the agent pages on a seeded database")
    command.add_argument(
        "--repeat", type=positive, default=30, help="requests per page (default 30)"
    )
    command.add_argument(
        "--json-only", action="store_true", help="no progress on stderr, only the result"
    )


@dataclass
class StatementLog:
    """Statements of the current request: how many, and their time."""

    count: int = 0
    seconds: float = 0.0
    statements: list[tuple[float, str]] = field(default_factory=list)
    keep: bool = False

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            took = time.perf_counter() - started
            self.count += 1
            self.seconds += took
            if self.keep:
                self.statements.append((took, sql))

    def reset(self) -> None:
        self.count, self.seconds, self.statements = 0, 0.0, []


@contextmanager
def logged_statements() -> Iterator[StatementLog]:
    from django.db import connection

    log = StatementLog()
    with connection.execute_wrapper(log):
        yield log


@dataclass
class RenderLog:
    """Time spent rendering templates (outermost renders only) in the current request."""

    seconds: float = 0.0
    depth: int = 0


@contextmanager
def logged_renders() -> Iterator[RenderLog]:
    """Time every Django template render (the page's, an include's own render_to_string)."""
    from django.template.backends.django import Template

    log = RenderLog()
    original = Template.render

    def render(self: Template, *args: Any, **kwargs: Any) -> Any:
        log.depth += 1
        started = time.perf_counter()
        try:
            return original(self, *args, **kwargs)
        finally:
            log.depth -= 1
            if not log.depth:
                log.seconds += time.perf_counter() - started

    Template.render = render  # type: ignore[method-assign,assignment]
    try:
        yield log
    finally:
        Template.render = original  # type: ignore[method-assign]


def ensure_static_manifest(progress: Callable[[str], None]) -> None:
    """The manifest storage (DEBUG off) needs collected static files to render a page."""
    from django.conf import settings
    from django.contrib.staticfiles.storage import staticfiles_storage
    from django.core.management import call_command

    manifest = getattr(staticfiles_storage, "manifest_name", None)
    if manifest is None or staticfiles_storage.exists(manifest):
        return
    progress(f"ui: collecting static files into {settings.STATIC_ROOT} (manifest missing)")
    call_command("collectstatic", interactive=False, verbosity=0)


def page_urls() -> dict[str, str]:
    """The pages to time, as an agent would reach them."""
    from django.urls import reverse

    from bench.ui_seed import LONG_THREAD_TITLE, PREFIX, QUEUES
    from relaydesk.tickets.models import Queue, StateCategory, Ticket

    queue_id = Queue.objects.get(name=f"{PREFIX}{QUEUES[0]}").pk
    # the queue view's link for a queue: its tickets still being worked
    worked = [
        StateCategory.NEW,
        StateCategory.OPEN,
        StateCategory.PENDING_REMINDER,
        StateCategory.PENDING_AUTO_CLOSE,
    ]
    queue_query = urlencode(
        [("queue", str(queue_id))] + [("state_category", str(value)) for value in worked]
    )
    long_thread = Ticket.objects.filter(title=LONG_THREAD_TITLE).order_by("pk").first()
    if long_thread is None:
        raise LookupError("the 50-article ticket is missing; run seed-ui first")
    return {
        "dashboard": reverse("agent:dashboard"),
        "queues": reverse("agent:queues"),
        "queue_list": f"{reverse('agent:ticket_list')}?{queue_query}",
        "ticket_list": reverse("agent:ticket_list"),
        "ticket_zoom": reverse("agent:ticket", args=[long_thread.number]),
        "search": f"{reverse('agent:search')}?{urlencode({'q': SEARCH_WORDS})}",
    }


def is_placeholder(url: str) -> bool:
    from django.urls import resolve

    return bool(getattr(resolve(url.split("?")[0]).func, "is_placeholder", False))


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def time_page(
    client: Any, url: str, repeat: int, log: StatementLog, renders: RenderLog
) -> dict[str, Any]:
    """One warm-up request, then `repeat` timed ones; stops at the first non-200."""
    from bench.timing import percentile

    log.reset()
    response = client.get(url, secure=True)
    result: dict[str, Any] = {"url": url, "status": response.status_code, "placeholder": False}
    if response.status_code != 200:
        return result
    latencies, cpu, sql, rendering, counts = [], [], [], [], set()
    size = 0
    for _ in range(repeat):
        log.reset()
        renders.seconds = 0.0
        started, cpu_started = time.perf_counter(), time.process_time()
        response = client.get(url, secure=True)
        latencies.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
        sql.append(log.seconds)
        rendering.append(renders.seconds)
        counts.add(log.count)
        size = len(response.content)
        if response.status_code != 200:
            result["status"] = response.status_code
            return result
    p95 = percentile(latencies, 95)
    result.update(
        {
            "p50_ms": _ms(percentile(latencies, 50)),
            "p95_ms": _ms(p95),
            "cpu_p50_ms": _ms(percentile(cpu, 50)),
            "sql_p50_ms": _ms(percentile(sql, 50)),
            "template_p50_ms": _ms(percentile(rendering, 50)),
            "queries": max(counts),
            "queries_min": min(counts),
            "bytes": size,
            "meets_target": p95 * 1000 <= TARGET_MS,
        }
    )
    return result


def measure_pages(agent_email: str, repeat: int, progress: Callable[[str], None]) -> dict[str, Any]:
    from django.conf import settings
    from django.test import Client

    from relaydesk.accounts.models import User

    if TEST_HOST not in settings.ALLOWED_HOSTS and "*" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, TEST_HOST]
    agent = User.objects.get(email__iexact=agent_email)
    client = Client()
    client.force_login(agent)
    pages: dict[str, Any] = {}
    with logged_statements() as log, logged_renders() as renders:
        for name, url in page_urls().items():
            if is_placeholder(url):
                progress(f"ui: {name} ({url}) is still a placeholder: not timed")
                pages[name] = {"url": url, "status": None, "placeholder": True}
                continue
            pages[name] = page = time_page(client, url, repeat, log, renders)
            if page["status"] != 200:
                progress(f"ui: {name} ({url}) answered {page['status']}")
                continue
            verdict = "ok" if page["meets_target"] else f"over {TARGET_MS:.0f} ms"
            progress(
                f"ui: {name:<12} p50 {page['p50_ms']:7.1f} ms  p95 {page['p95_ms']:7.1f} ms"
                f"  cpu {page['cpu_p50_ms']:6.1f}  sql {page['sql_p50_ms']:6.1f}"
                f"  templates {page['template_p50_ms']:6.1f} ms (p50)"
                f"  {page['queries']:3d} queries  {verdict}"
            )
    return pages


def main_pages(options: argparse.Namespace, progress: Callable[[str], None]) -> int:
    """`ui`; the result is one JSON object on the last line."""
    from django.conf import settings

    from bench.environment import database_label
    from bench.ui_seed import PREFIX
    from relaydesk.accounts.models import User
    from relaydesk.tickets.models import Ticket

    if settings.DEBUG:
        progress("ui: DEBUG is on; time the pages with RELAYDESK_DEBUG off")
        return 2
    agent = f"{PREFIX}agent0@bench.example"
    if not User.objects.filter(email__iexact=agent).exists():
        progress("ui: nothing seeded yet; run seed-ui first")
        return 1
    ensure_static_manifest(progress)
    vendor, name = database_label()
    progress(f"ui: each page {options.repeat} times as {agent} on {vendor} {name}")
    load_before = os.getloadavg()[0]
    pages = measure_pages(agent, options.repeat, progress)
    timed = [page for page in pages.values() if not page["placeholder"]]
    errors = sum(1 for page in timed if page["status"] != 200)
    result = {
        "op": "ui",
        "database": vendor,
        "tickets_total": Ticket.objects.count(),
        "repeat": options.repeat,
        "target_ms": TARGET_MS,
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "pages": pages,
        "placeholders": sorted(key for key, page in pages.items() if page["placeholder"]),
        "errors": errors,
        "all_meet_target": bool(timed)
        and all(page.get("meets_target", False) for page in timed)
        and len(timed) == len(pages),
    }
    print(json.dumps(result), flush=True)
    return 0 if errors == 0 else 1
