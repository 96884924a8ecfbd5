"""What every subcommand shares: Django setup, database checks, one-line failures."""

from __future__ import annotations

import os

SETTINGS_MODULE = "relaydesk.settings"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_WEB_WORKERS = 2
# `up` gives its children this long to stop after SIGTERM before killing them.
STOP_TIMEOUT_SECONDS = 15.0
STARTUP_TIMEOUT_SECONDS = 60.0
POLL_SECONDS = 0.2

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2


class CommandFailed(Exception):
    """An expected failure: printed as one line, no traceback."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILURE) -> None:
        super().__init__(message)
        self.exit_code = exit_code


# --- Django --------------------------------------------------------------------


def setup_django() -> None:
    """Load settings and apps; configuration mistakes become CommandFailed."""
    import django
    from django.core.exceptions import ImproperlyConfigured

    from relaydesk.config import ConfigError

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    try:
        django.setup()
    except (ConfigError, ImproperlyConfigured) as exc:
        raise CommandFailed(f"configuration error: {exc}", EXIT_USAGE) from exc
    except ValueError as exc:
        # dj-database-url raises plain ValueErrors for a URL it cannot parse.
        raise CommandFailed(f"configuration error: {exc}", EXIT_USAGE) from exc


def database_label() -> str:
    """Where the database is, without the password that a URL may carry."""
    from django.db import connection

    config = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"SQLite {config['NAME']}"
    return f"{connection.vendor} {config.get('NAME')} on {config.get('HOST')}:{config.get('PORT')}"


def ensure_database() -> None:
    from django.db import DatabaseError, connection

    try:
        connection.ensure_connection()
    except DatabaseError as exc:
        message = f"cannot reach the database ({database_label()}): {first_line(exc)}"
        raise CommandFailed(message) from exc


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def call_quietly(name: str, *args: str) -> None:
    from django.core.management import call_command

    call_command(name, *args, interactive=False, verbosity=0)


POSTGRES_UNDEFINED_TABLE = "42P01"


def explain_database_error(exc: Exception) -> str | None:
    """One line for the database errors an operator fixes, None for anything else."""
    # Importing django.db needs no settings, so this works before setup too.
    from django.db import InterfaceError, OperationalError, ProgrammingError

    text = first_line(exc)
    sqlstate = getattr(exc.__cause__, "sqlstate", None)
    if isinstance(exc, OperationalError | ProgrammingError) and (
        "no such table" in text or sqlstate == POSTGRES_UNDEFINED_TABLE
    ):
        return f"the database is not set up ({text}): run `relaydesk migrate`"
    if isinstance(exc, OperationalError | InterfaceError):
        return f"the database is unavailable: {text}"
    return None
