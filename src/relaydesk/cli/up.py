"""`relaydesk up`: the embedded all-in-one — migrate, then web server and worker
as child processes, stopped together on Ctrl-C."""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from types import FrameType

from relaydesk.cli.admin import load_demo
from relaydesk.cli.base import (
    EXIT_FAILURE,
    EXIT_OK,
    POLL_SECONDS,
    STARTUP_TIMEOUT_SECONDS,
    STOP_TIMEOUT_SECONDS,
    CommandFailed,
    call_quietly,
    ensure_database,
    setup_django,
)
from relaydesk.cli.serve import gunicorn_bind


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
