"""`relaydesk serve` (gunicorn) and `relaydesk worker` (the task worker)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import NoReturn

from relaydesk.cli.base import (
    EXIT_OK,
    EXIT_USAGE,
    SETTINGS_MODULE,
    CommandFailed,
    call_quietly,
    ensure_database,
    setup_django,
)

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
