"""The `relaydesk` command, run as operators run it: real processes, real databases."""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import authenticate

from relaydesk.accounts.models import User, UserKind
from relaydesk.cli import gunicorn_argv, main

STRONG_PASSWORD = "a long and unusual passphrase"
HEALTH_TIMEOUT_SECONDS = 90
STOP_TIMEOUT_SECONDS = 40
HAS_PROC = Path("/proc/self/stat").exists()


def relaydesk_command() -> list[str]:
    # The console script next to this interpreter: the one `pip install` made.
    script = Path(sys.executable).with_name("relaydesk")
    return [str(script)] if script.exists() else [sys.executable, "-m", "relaydesk.cli"]


def embedded_environment(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a fresh embedded installation: own data dir, SQLite."""
    env = {k: v for k, v in os.environ.items() if k != "RELAYDESK_DATABASE_URL"}
    env.update(RELAYDESK_DATA_DIR=str(data_dir), **extra)
    return env


def run_relaydesk(
    *args: str, env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*relaydesk_command(), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- processes ----------------------------------------------------------------------


def process_state(pid: int) -> str | None:
    """The state letter from /proc (R, S, Z …), or None when there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[0]


def is_running(pid: int) -> bool:
    state = process_state(pid)
    return state is not None and state != "Z"


def parent_of_each_process() -> dict[int, int]:
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    return parents


def descendants(pid: int) -> set[int]:
    parents = parent_of_each_process()
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


@dataclass
class Running:
    process: subprocess.Popen[bytes]
    stdout: Path
    stderr: Path

    def output(self) -> str:
        return f"stdout:\n{self.stdout.read_text()}\nstderr:\n{self.stderr.read_text()}"


@pytest.fixture
def start_up(tmp_path: Path) -> Iterator[Any]:
    """Start `relaydesk up`; whatever is left is killed at the end of the test."""
    started: list[Running] = []

    def start(*args: str) -> Running:
        stdout, stderr = tmp_path / "up.out", tmp_path / "up.err"
        with stdout.open("wb") as out, stderr.open("wb") as err:
            process = subprocess.Popen(
                [*relaydesk_command(), "up", *args],
                env=embedded_environment(tmp_path / "data"),
                stdout=out,
                stderr=err,
                cwd=tmp_path,
            )
        started.append(Running(process, stdout, stderr))
        return started[-1]

    yield start
    for running in started:
        for pid in descendants(running.process.pid) if HAS_PROC else set():
            os.kill(pid, signal.SIGKILL)
        if running.process.poll() is None:
            running.process.kill()
            running.process.wait()


def get_health(port: int) -> dict[str, str] | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:  # noqa: S310
            body: dict[str, str] = json.load(response)
            return body
    except urllib.error.HTTPError as exc:  # 503 while the database is away
        error_body: dict[str, str] = json.load(exc)
        return error_body
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def wait_for_health(running: Running, port: int, *, worker: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert running.process.poll() is None, f"relaydesk up exited\n{running.output()}"
        health = get_health(port)
        if health and health["status"] == "ok" and health["worker"] == worker:
            return
        time.sleep(0.5)
    pytest.fail(f"/healthz did not report worker {worker!r} in {timeout} s\n{running.output()}")


def stop_with_ctrl_c(running: Running) -> None:
    """SIGINT, as a terminal's Ctrl-C, then: exit 0 and no child left behind."""
    children = descendants(running.process.pid)
    assert len(children) >= 3, "expected the web server (with its workers) and the task worker"

    running.process.send_signal(signal.SIGINT)
    exit_code = running.process.wait(timeout=STOP_TIMEOUT_SECONDS)

    assert exit_code == 0, running.output()
    deadline = time.monotonic() + 10
    while any(is_running(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in children if is_running(pid)], running.output()


# --- up --------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.skipif(not HAS_PROC, reason="reads the process tree from /proc")
def test_up_serves_with_a_live_worker_and_stops_cleanly_on_ctrl_c(start_up: Any) -> None:
    port = free_port()
    running: Running = start_up("--port", str(port))

    wait_for_health(running, port, worker="ok", timeout=HEALTH_TIMEOUT_SECONDS)
    static = urllib.request.urlopen(f"http://127.0.0.1:{port}/static/admin/css/base.css")  # noqa: S310
    assert static.status == 200

    stop_with_ctrl_c(running)
    assert f"Relaydesk is running at http://127.0.0.1:{port}/" in running.stdout.read_text()


@pytest.mark.slow
@pytest.mark.skipif(not HAS_PROC, reason="reads the process tree from /proc")
def test_up_with_demo_prints_the_admin_login_and_loads_the_customers(
    start_up: Any, tmp_path: Path
) -> None:
    port = free_port()
    running: Running = start_up("--port", str(port), "--demo", "--demo-password", STRONG_PASSWORD)

    wait_for_health(running, port, worker="ok", timeout=HEALTH_TIMEOUT_SECONDS)
    stop_with_ctrl_c(running)

    assert "admin@example.com" in running.stdout.read_text()
    with sqlite3.connect(tmp_path / "data" / "relaydesk.sqlite3") as database:
        rows = database.execute(
            "SELECT kind FROM accounts_user WHERE email = ?", ["alice@acme.example"]
        ).fetchall()
    assert rows == [("customer",)]


def command_line(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_text().split("\0")


@pytest.mark.slow
@pytest.mark.skipif(not HAS_PROC, reason="reads the process tree from /proc")
def test_up_stops_the_web_server_and_fails_when_the_worker_dies(start_up: Any) -> None:
    port = free_port()
    running: Running = start_up("--port", str(port))
    wait_for_health(running, port, worker="ok", timeout=HEALTH_TIMEOUT_SECONDS)
    children = descendants(running.process.pid)
    [task_worker] = [pid for pid in children if "worker" in command_line(pid)]

    os.kill(task_worker, signal.SIGKILL)
    exit_code = running.process.wait(timeout=STOP_TIMEOUT_SECONDS)

    assert exit_code == 1
    assert "the task worker exited with code -9; stopping" in running.stderr.read_text()
    time.sleep(0.5)
    assert not [pid for pid in children if is_running(pid)], running.output()


@pytest.mark.slow
def test_up_refuses_a_port_in_use_before_touching_the_database(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        result = run_relaydesk("up", "--port", str(port), env=embedded_environment(tmp_path))

    assert result.returncode == 1
    assert (
        result.stderr == f"relaydesk: cannot listen on 127.0.0.1:{port}: Address already in use\n"
    )
    assert not (tmp_path / "relaydesk.sqlite3").exists()


def heartbeat_rows(database: Path) -> list[tuple[str, int]]:
    with sqlite3.connect(database) as connection:
        return connection.execute("SELECT worker_id, pid FROM core_workerheartbeat").fetchall()


@pytest.mark.slow
def test_worker_beats_while_it_runs_and_leaves_cleanly_on_sigterm(tmp_path: Path) -> None:
    env = embedded_environment(tmp_path)
    database = tmp_path / "relaydesk.sqlite3"
    migrated = run_relaydesk("migrate", "-v0", env=env)
    assert (migrated.returncode, migrated.stdout) == (0, ""), migrated.stderr
    log = tmp_path / "worker.log"
    with log.open("wb") as output:
        worker = subprocess.Popen(
            [*relaydesk_command(), "worker", "--worker-id", "w1", "--heartbeat-interval", "0.2"],
            env=env,
            stdout=output,
            stderr=output,
        )
    try:
        deadline = time.monotonic() + 60
        while heartbeat_rows(database) != [("w1", worker.pid)]:
            assert worker.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "no heartbeat within 60 s"
            time.sleep(0.2)

        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=STOP_TIMEOUT_SECONDS) == 0, log.read_text()
    finally:
        if worker.poll() is None:
            worker.kill()
    assert heartbeat_rows(database) == []


# --- expected failures: one line, no traceback ---------------------------------------------


@pytest.mark.slow
def test_a_configuration_error_is_one_line_and_exit_code_2(tmp_path: Path) -> None:
    result = run_relaydesk("migrate", env=embedded_environment(tmp_path, RELAYDESK_DEBUG="maybe"))

    assert result.returncode == 2
    assert result.stderr == (
        "relaydesk: configuration error: RELAYDESK_DEBUG must be true or false, not 'maybe'\n"
    )


@pytest.mark.slow
def test_an_unreachable_database_is_one_line_without_the_password(tmp_path: Path) -> None:
    url = f"postgres://relaydesk:s3cret@127.0.0.1:{free_port()}/relaydesk"
    env = embedded_environment(tmp_path, RELAYDESK_DATABASE_URL=url)

    result = run_relaydesk("worker", env=env)

    assert result.returncode == 1
    assert result.stderr.startswith("relaydesk: cannot reach the database (postgresql relaydesk")
    assert result.stderr.count("\n") == 1
    assert "s3cret" not in result.stderr


@pytest.mark.slow
def test_a_database_without_tables_asks_for_migrate(tmp_path: Path) -> None:
    result = run_relaydesk("worker", env=embedded_environment(tmp_path))

    assert result.returncode == 1
    assert result.stderr == (
        "relaydesk: the database is not set up (no such table: core_workerheartbeat):"
        " run `relaydesk migrate`\n"
    )


@pytest.mark.slow
def test_manage_passes_through_to_django(tmp_path: Path) -> None:
    result = run_relaydesk("manage", "check", env=embedded_environment(tmp_path))

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


# --- createadmin (in this process, on the test database) ------------------------------------


@pytest.mark.django_db
def test_createadmin_creates_an_agent_administrator_who_can_sign_in(
    capsys: pytest.CaptureFixture[str],
) -> None:
    exit_code = main(
        ["createadmin", "--email", "Boss@Example.org", "--password", STRONG_PASSWORD, "--name", "B"]
    )

    assert exit_code == 0
    assert capsys.readouterr().out == "Created administrator Boss@example.org\n"
    user = authenticate(email="boss@example.org", password=STRONG_PASSWORD)
    assert isinstance(user, User)
    assert (user.kind, user.name) == (UserKind.AGENT, "B")
    assert (user.is_active, user.is_staff, user.is_superuser) == (True, True, True)


@pytest.mark.django_db
def test_createadmin_again_updates_the_same_account(capsys: pytest.CaptureFixture[str]) -> None:
    User.objects.create_user("pat@example.org", "old password 123", name="Pat", is_active=False)

    exit_code = main(["createadmin", "--email", "PAT@example.org", "--password", STRONG_PASSWORD])

    assert exit_code == 0
    assert capsys.readouterr().out == "Updated administrator pat@example.org\n"
    user = User.objects.get()
    assert (user.email, user.name, user.kind) == ("pat@example.org", "Pat", UserKind.AGENT)
    assert (user.is_active, user.is_staff, user.is_superuser) == (True, True, True)
    assert authenticate(email="pat@example.org", password=STRONG_PASSWORD) == user


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("not-an-address", STRONG_PASSWORD, "relaydesk: 'not-an-address' is not a valid email"),
        ("ann@example.org", "short", "relaydesk: password refused: This password is too short"),
        ("ann@example.org", "password123", "relaydesk: password refused: This password is too"),
    ],
)
def test_createadmin_refuses_bad_input_with_exit_code_2_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], email: str, password: str, message: str
) -> None:
    exit_code = main(["createadmin", "--email", email, "--password", password])

    assert exit_code == 2
    assert capsys.readouterr().err.startswith(message)
    assert not User.objects.exists()


@pytest.mark.django_db
def test_createadmin_asks_twice_and_stops_when_the_answers_differ(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = iter([STRONG_PASSWORD, STRONG_PASSWORD + "!"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))

    exit_code = main(["createadmin", "--email", "ann@example.org"])

    assert exit_code == 2
    assert capsys.readouterr().err == "relaydesk: the passwords do not match\n"
    assert not User.objects.exists()


@pytest.mark.django_db
def test_worker_refuses_a_heartbeat_slower_than_the_staleness_limit(
    capsys: pytest.CaptureFixture[str],
) -> None:
    exit_code = main(["worker", "--heartbeat-interval", "120"])

    assert exit_code == 2
    assert capsys.readouterr().err == (
        "relaydesk: the heartbeat interval (120 s) must be above 0 and below "
        "RELAYDESK_WORKER_STALE_SECONDS (120 s)\n"
    )


@pytest.mark.django_db
def test_worker_refuses_an_id_longer_than_the_heartbeat_column(
    capsys: pytest.CaptureFixture[str],
) -> None:
    exit_code = main(["worker", "--worker-id", "w" * 65])

    assert exit_code == 2
    assert capsys.readouterr().err == "relaydesk: a worker id has at most 64 characters\n"


# --- serve's command line --------------------------------------------------------------------


@pytest.mark.parametrize(("host", "bind"), [("127.0.0.1", "127.0.0.1:8000"), ("::1", "[::1]:8000")])
def test_serve_binds_only_to_the_given_host_with_gunicorn(host: str, bind: str) -> None:
    options = argparse.Namespace(host=host, port=8000, workers=3, threads=4)

    argv = gunicorn_argv(options)

    assert argv[1:3] == ["-m", "gunicorn"]
    assert argv[argv.index("--bind") + 1] == bind
    assert argv[argv.index("--workers") + 1] == "3"
    assert argv[-1] == "relaydesk.wsgi:application"
