"""`load_demo`: fill an empty installation with demo data, exactly once.

Everything is written in one transaction, so a failed load leaves nothing
behind and a second load finds either all of the demo or none of it.
"""

from __future__ import annotations

import os
import random
import secrets
import sys
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction

from relaydesk.demo.directory import DemoDataConflict, create_directory
from relaydesk.demo.directory_data import ADMIN_EMAIL, DOCUMENTED_LOGINS, MARKER_QUEUES
from relaydesk.demo.stories import SEED, tell_stories
from relaydesk.tickets.models import Queue

PASSWORD_ENV = "RELAYDESK_DEMO_PASSWORD"  # noqa: S105 - a variable name, not a password


@dataclass(frozen=True)
class LoadResult:
    password: str
    tickets: int
    created_users: tuple[str, ...]  # addresses of the users who got `password`


def demo_present() -> bool:
    """All demo queues exist: loaded. None: not loaded. Some: refuse to guess."""
    found = set(Queue.objects.filter(name__in=MARKER_QUEUES).values_list("name", flat=True))
    if found and len(found) < len(MARKER_QUEUES):
        raise DemoDataConflict(
            f"some demo queues exist ({', '.join(sorted(found))}) but not all of them; "
            "load the demo into a database without them"
        )
    return bool(found)


def choose_password(password: str | None) -> str:
    """The argument, else RELAYDESK_DEMO_PASSWORD, else a random one (shown once)."""
    return password or os.environ.get(PASSWORD_ENV) or secrets.token_urlsafe(12)


def _load(password: str | None) -> LoadResult | None:
    with transaction.atomic():
        if demo_present():
            return None
        chosen = choose_password(password)
        # Hashed once for every user: hashing is deliberately slow.
        directory = create_directory(make_password(chosen))
        rng = random.Random(SEED)  # noqa: S311 - demo content, not a secret
        tickets = tell_stories(directory, rng)
    return LoadResult(chosen, len(tickets), tuple(u.email for u in directory.created_users))


def _announce(result: LoadResult) -> None:
    lines = [f"Demo data loaded: {result.tickets} tickets."]
    if result.created_users:
        documented = [email for email in DOCUMENTED_LOGINS if email in result.created_users]
        others = len(result.created_users) - len(documented)
        lines += [
            f"Sign in at {settings.BASE_URL}/admin/ as {ADMIN_EMAIL} "
            f"with the password: {result.password}",
            "Every demo user has this password: "
            + ", ".join(documented)
            + (f" and {others} more" if others else "")
            + ".",
        ]
    if ADMIN_EMAIL not in result.created_users:
        lines.append(f"{ADMIN_EMAIL} existed before and keeps its own password.")
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()


def load_demo(password: str | None) -> None:
    """Load the demo data unless it is already there; print the logins the first time.

    Raises DemoDataConflict when the database holds part of the demo, or a
    user the demo needs with the wrong kind (agent/customer).
    """
    try:
        result = _load(password)
    except IntegrityError:
        # Another loader committed the same demo first (both saw none of it).
        if not demo_present():
            raise
        result = None
    if result is None:
        sys.stdout.write("Demo data already present; nothing changed.\n")
        sys.stdout.flush()
        return
    _announce(result)


__all__ = ["DemoDataConflict", "load_demo"]
