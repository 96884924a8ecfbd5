"""The `relaydesk` command: run, migrate and administer an installation.

    relaydesk up        embedded all-in-one: migrate, web server and worker together
    relaydesk serve     the web server (gunicorn, threaded workers), for production
    relaydesk worker    the task worker
    relaydesk migrate | demo | createadmin | manage …

Django is set up only by the subcommands that need it, so `relaydesk --help`
works without a configured installation.
"""

from __future__ import annotations

import argparse
import getpass
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from types import FrameType
from typing import NoReturn

SETTINGS_MODULE = "relaydesk.settings"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_WEB_WORKERS = 2
# The web server is gunicorn's threaded (gthread) worker on the WSGI app, not
# uvicorn's ASGI worker. That worker has left uvicorn (uvicorn.workers is
# deprecated for the separate uvicorn-worker package), and ASGI would cost us
# twice today: Django says to turn persistent connections off under ASGI (our
# PostgreSQL settings keep them for 60 s), and WhiteNoise is a WSGI middleware
# whose file responses Django's ASGI handler reads whole into memory, with a
# warning for every static file. All our views are synchronous; threads give
# the concurrency that waiting on the database needs.
GUNICORN_WORKER_CLASS = "gthread"
WSGI_APPLICATION = "relaydesk.wsgi:application"
DEFAULT_WEB_THREADS = 4
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


# --- up -------------------------------------------------------------------------


class StopRequest:
    """Records SIGINT/SIGTERM so that the supervising loop can act on them."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.count += 1

    def install(self) -> None:
        signal.signal(signal.SIGINT, self)
        signal.signal(signal.SIGTERM, self)


def child_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "relaydesk.cli", *args]


def start_child(args: list[str]) -> subprocess.Popen[bytes]:
    # A process group of its own: a Ctrl-C in the terminal reaches only `up`,
    # which forwards one SIGTERM. A second signal would make the task worker
    # abandon the task it is running.
    return subprocess.Popen(args, process_group=0)


def stop_children(children: Sequence[subprocess.Popen[bytes]], stop: StopRequest) -> None:
    """SIGTERM every running child, wait, then kill whatever is left."""
    signals_before = stop.count
    for child in children:
        if child.poll() is None:
            child.terminate()
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    while time.monotonic() < deadline and stop.count == signals_before:
        if all(child.poll() is not None for child in children):
            return
        time.sleep(POLL_SECONDS)
    # Out of patience, or the operator pressed Ctrl-C again.
    for child in children:
        if child.poll() is None:
            child.kill()
            child.wait()


def connect_host(host: str) -> str:
    """The address to reach a server bound to `host` from this machine."""
    return {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)  # noqa: S104


def url_for(host: str, port: int) -> str:
    host = connect_host(host)
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def wait_until_listening(
    host: str, port: int, children: Sequence[subprocess.Popen[bytes]], stop: StopRequest
) -> bool:
    """True once the port accepts connections; False if a child died or a stop came."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if stop.count or any(child.poll() is not None for child in children):
            return False
        try:
            with socket.create_connection((connect_host(host), port), timeout=POLL_SECONDS):
                return True
        except OSError:
            time.sleep(POLL_SECONDS)
    return True  # slow, but alive: keep supervising and let the operator look


def supervise(children: dict[str, subprocess.Popen[bytes]], stop: StopRequest) -> int:
    """Wait for a stop request or a dead child; stop the other children either way."""
    processes = list(children.values())
    while not stop.count:
        for name, child in children.items():
            if child.poll() is not None:
                print(
                    f"relaydesk: the {name} exited with code {child.returncode}; stopping",
                    file=sys.stderr,
                )
                stop_children(processes, stop)
                return EXIT_FAILURE
        time.sleep(POLL_SECONDS)
    stop_children(processes, stop)
    return EXIT_OK


def start_children(host: str, port: int) -> dict[str, subprocess.Popen[bytes]]:
    web = ["serve", "--host", host, "--port", str(port), "--no-collectstatic"]
    return {
        "web server": start_child(child_command(*web)),
        "task worker": start_child(child_command("worker")),
    }


def ensure_port_free(host: str, port: int) -> None:
    """Fail before migrating, with a plain message, rather than in gunicorn's retries."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as probe:
        # As gunicorn does, so that connections in TIME_WAIT do not count as "in use".
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            message = f"cannot listen on {gunicorn_bind(host, port)}: {exc.strerror}"
            raise CommandFailed(message) from exc


def cmd_up(options: argparse.Namespace) -> int:
    ensure_port_free(options.host, options.port)
    url = url_for(options.host, options.port)
    # Links in mail point here unless the operator chose another address.
    os.environ.setdefault("RELAYDESK_BASE_URL", url)
    setup_django()
    ensure_database()
    call_quietly("migrate")
    call_quietly("collectstatic")
    if options.demo:
        load_demo(options.demo_password)
    stop = StopRequest()
    stop.install()
    children = start_children(options.host, options.port)
    if wait_until_listening(options.host, options.port, list(children.values()), stop):
        print(f"Relaydesk is running at {url}/ (press Ctrl-C to stop)", flush=True)
    return supervise(children, stop)


# --- serve and worker ---------------------------------------------------------------


def gunicorn_bind(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def gunicorn_has_control_socket() -> bool:
    from gunicorn.config import KNOWN_SETTINGS  # type: ignore[import-untyped,unused-ignore]

    return any(setting.name == "control_socket_disable" for setting in KNOWN_SETTINGS)


def gunicorn_argv(options: argparse.Namespace) -> list[str]:
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "--worker-class",
        GUNICORN_WORKER_CLASS,
        "--workers",
        str(options.workers),
        "--threads",
        str(options.threads),
        "--bind",
        gunicorn_bind(options.host, options.port),
        "--access-logfile",
        "-",
    ]
    if gunicorn_has_control_socket():
        # Gunicorn 25.1+ opens a control socket in ~/.gunicorn by default: one
        # path shared by every instance on the host, and a remote control we
        # do not use. Processes are managed with signals.
        argv.append("--no-control-socket")
    return [*argv, WSGI_APPLICATION]


def cmd_serve(options: argparse.Namespace) -> NoReturn:
    if not options.no_collectstatic:
        setup_django()
        call_quietly("collectstatic")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    argv = gunicorn_argv(options)
    sys.stdout.flush()
    sys.stderr.flush()
    # exec, not a child: the supervisor's (or `up`'s) signals reach gunicorn's
    # master directly, and no idle Python process stays behind.
    os.execv(sys.executable, argv)  # noqa: S606 - fixed argv, no shell


def cmd_worker(options: argparse.Namespace) -> int:
    setup_django()
    ensure_database()
    from relaydesk.core.worker import WorkerSetupError, run_worker

    try:
        run_worker(
            interval=options.interval,
            batch=options.batch,
            worker_id=options.worker_id,
            queues=options.queues,
            heartbeat_interval=options.heartbeat_interval,
        )
    except WorkerSetupError as exc:
        raise CommandFailed(str(exc), EXIT_USAGE) from exc
    return EXIT_OK


# --- administration -------------------------------------------------------------------


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


# --- the parser -------------------------------------------------------------------------

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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="relaydesk", description="Relaydesk service desk.")
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")
    add_up(commands)
    add_serve(commands)
    add_worker(commands)
    add_administration(commands)
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


if __name__ == "__main__":
    sys.exit(main())
