"""The argument parser and `main()`, the console script's entry point."""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Callable, Sequence

from relaydesk.cli.admin import cmd_createadmin, cmd_demo, cmd_manage, cmd_migrate
from relaydesk.cli.base import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    DEFAULT_WEB_WORKERS,
    EXIT_FAILURE,
    CommandFailed,
    explain_database_error,
)
from relaydesk.cli.cmdb import add_cmdb
from relaydesk.cli.mail import cmd_ingest, cmd_mailgate
from relaydesk.cli.serve import DEFAULT_WEB_THREADS, cmd_serve, cmd_worker
from relaydesk.cli.up import cmd_up

Handler = Callable[[argparse.Namespace], int]


def add_bind_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default=DEFAULT_HOST, help="address to listen on (%(default)s)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (%(default)s)")


def add_up(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "up", help="migrate, then run the web server and the task worker together"
    )
    add_bind_options(parser)
    parser.add_argument("--demo", action="store_true", help="load the demo data first")
    parser.add_argument(
        "--demo-password", help="password of the demo accounts (default: generated)"
    )
    parser.set_defaults(handler=cmd_up)


def add_serve(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("serve", help="run the web server (gunicorn)")
    add_bind_options(parser)
    parser.add_argument(
        "--workers", type=int, default=DEFAULT_WEB_WORKERS, help="web processes (%(default)s)"
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=DEFAULT_WEB_THREADS,
        help="threads per web process (%(default)s)",
    )
    parser.add_argument(
        "--no-collectstatic",
        action="store_true",
        help="skip collectstatic (when a release step has already run it)",
    )
    parser.set_defaults(handler=cmd_serve)


def add_worker(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("worker", help="run background tasks")
    parser.add_argument(
        "--interval", type=float, default=1.0, help="seconds between polls when idle (%(default)s)"
    )
    parser.add_argument("--batch", action="store_true", help="exit when no task is left")
    parser.add_argument("--worker-id", help="unique name of this worker (default: host-pid-random)")
    parser.add_argument("--queues", default="*", help="comma-separated queue names (all)")
    parser.add_argument(
        "--heartbeat-interval",
        type=float,
        default=None,
        help="seconds between heartbeats (default: 15)",
    )
    parser.set_defaults(handler=cmd_worker)


def add_administration(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    migrate = commands.add_parser("migrate", help="apply database migrations")
    migrate.add_argument("args", nargs=argparse.REMAINDER, help="passed to Django's migrate")
    migrate.set_defaults(handler=cmd_migrate)

    demo = commands.add_parser("demo", help="load the demo data")
    demo.add_argument("--demo-password", help="password of the demo accounts")
    demo.set_defaults(handler=cmd_demo)

    admin = commands.add_parser("createadmin", help="create or update an administrator")
    admin.add_argument("--email", required=True)
    admin.add_argument("--password", help="(default: ask twice)")
    admin.add_argument("--name")
    admin.set_defaults(handler=cmd_createadmin)

    manage = commands.add_parser("manage", help="run a Django management command")
    manage.add_argument("args", nargs=argparse.REMAINDER, help="the command and its arguments")
    manage.set_defaults(handler=cmd_manage)


def add_mail(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    mailgate = commands.add_parser(
        "mailgate",
        help="store and process one message from standard input (for an MTA pipe)",
        description="Exit status: 0 stored, 65 stored but quarantined, 75 not stored "
        "(the MTA should retry). See docs/mail.md.",
    )
    mailgate.add_argument("--queue", help="queue (name or address) for a new ticket")
    mailgate.set_defaults(handler=cmd_mailgate)

    ingest = commands.add_parser(
        "ingest", help="import messages from files, mbox files and Maildir folders"
    )
    ingest.add_argument("--queue", help="queue (name or address) for new tickets")
    ingest.add_argument("--json", action="store_true", help="one JSON line per message")
    ingest.add_argument("paths", nargs="+", metavar="PATH", help="file or folder")
    ingest.set_defaults(handler=cmd_ingest)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="relaydesk", description="Relaydesk service desk.")
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")
    add_up(commands)
    add_serve(commands)
    add_worker(commands)
    add_administration(commands)
    add_mail(commands)
    add_cmdb(commands)
    return parser


# Their arguments are Django's; argparse would take `-v0` or `--database x`
# for options of its own, so these skip it (their --help is Django's).
PASS_THROUGH: dict[str, Handler] = {"migrate": cmd_migrate, "manage": cmd_manage}


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in PASS_THROUGH:
        return argparse.Namespace(handler=PASS_THROUGH[args[0]], args=args[1:])
    return build_parser().parse_args(args)


def main(argv: Sequence[str] | None = None) -> int:
    options = parse(argv)
    handler: Handler = options.handler
    try:
        return handler(options)
    except CommandFailed as exc:
        print(f"relaydesk: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        # Ctrl-C before `up` supervises anything (say, during migrate).
        print("relaydesk: interrupted", file=sys.stderr)
        return 128 + signal.SIGINT
    except Exception as exc:
        explanation = explain_database_error(exc)
        if explanation is None:
            raise
        print(f"relaydesk: {explanation}", file=sys.stderr)
        return EXIT_FAILURE
