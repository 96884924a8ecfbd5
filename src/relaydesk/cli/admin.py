"""Administration subcommands: migrate, demo, createadmin, manage."""

from __future__ import annotations

import argparse
import getpass

from relaydesk.cli.base import (
    EXIT_OK,
    EXIT_USAGE,
    CommandFailed,
    call_quietly,
    ensure_database,
    setup_django,
)


def cmd_migrate(options: argparse.Namespace) -> int:
    setup_django()
    ensure_database()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["relaydesk", "migrate", *options.args])
    return EXIT_OK


def load_demo(password: str | None) -> None:
    from relaydesk.demo import DemoDataConflict
    from relaydesk.demo import load_demo as load

    try:
        load(password)
    except DemoDataConflict as exc:
        raise CommandFailed(f"cannot load the demo data: {exc}") from exc


def cmd_demo(options: argparse.Namespace) -> int:
    setup_django()
    ensure_database()
    # The demo needs the schema; migrating is idempotent and quick when current.
    call_quietly("migrate")
    load_demo(options.demo_password)
    return EXIT_OK


def read_password() -> str:
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Password (again): "):
        raise CommandFailed("the passwords do not match", EXIT_USAGE)
    return first


def cmd_createadmin(options: argparse.Namespace) -> int:
    setup_django()
    ensure_database()
    from django.core.management import call_command
    from django.core.management.base import CommandError

    password = options.password if options.password is not None else read_password()
    try:
        call_command("createadmin", email=options.email, password=password, name=options.name)
    except CommandError as exc:
        raise CommandFailed(str(exc), exc.returncode) from exc
    return EXIT_OK


def cmd_manage(options: argparse.Namespace) -> int:
    # Set up here, not by Django, so that a bad setting is one line, not a traceback.
    setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["relaydesk manage", *options.args])
    return EXIT_OK
