"""A real Dovecot IMAP/POP3 server for the fetch tests.

One Dovecot per test session (per xdist worker), on free loopback ports, with
a throwaway configuration, mail directory and passwd-file in a temporary
directory. It speaks plain IMAP/POP3 with STARTTLS/STLS and implicit TLS
(IMAPS/POP3S) with a certificate signed by a test CA that exists only for this
session, so that tests can prove certificate verification is really on.

Run as root (CI), Dovecot refuses to run its login and mail processes as root:
they run as the package's own `dovecot`/`dovenull` users and the mail files
belong to the `mail` user, which `first_valid_uid` admits. Run as an ordinary
user, everything runs as that user.
"""

from __future__ import annotations

import contextlib
import grp
import imaplib
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

DOVECOT = Path("/usr/sbin/dovecot")  # package dovecot-core
IMAP_BINARY = Path("/usr/lib/dovecot/imap")  # package dovecot-imapd
POP3_BINARY = Path("/usr/lib/dovecot/pop3")  # package dovecot-pop3d
DH_PARAMETERS = Path("/usr/share/dovecot/dh.pem")
HOST = "127.0.0.1"
STARTUP_TIMEOUT_SECONDS = 15.0
STOP_TIMEOUT_SECONDS = 10.0
# Free ports are chosen before Dovecot binds them; another process may win the race.
START_ATTEMPTS = 3

USERS = {"desk": "desk-secret", "other": "other-secret"}


class DovecotUnavailable(RuntimeError):
    """Dovecot is not installed here."""


def missing_binaries() -> list[str]:
    return [str(path) for path in (DOVECOT, IMAP_BINARY, POP3_BINARY) if not path.exists()]


@dataclass(frozen=True)
class Ports:
    imap: int
    imaps: int
    pop3: int
    pop3s: int


@dataclass
class DovecotServer:
    """A running Dovecot: where it listens, who may log in, and IMAP helpers
    that tests use to set up and inspect mailboxes."""

    ports: Ports
    ca_file: Path
    log_path: Path
    users: dict[str, str] = field(default_factory=lambda: dict(USERS))
    host: str = HOST

    @contextlib.contextmanager
    def imap(self, user: str = "desk") -> Iterator[imaplib.IMAP4]:
        """A logged-in plain IMAP session for `user`."""
        client = imaplib.IMAP4(self.host, self.ports.imap, timeout=10)
        try:
            client.login(user, self.users[user])
            yield client
        finally:
            with contextlib.suppress(imaplib.IMAP4.error, OSError):
                client.logout()

    def append(self, raw: bytes, *, user: str = "desk", folder: str = "INBOX") -> int:
        """IMAP APPEND `raw` to `folder`; returns the new message's UID."""
        with self.imap(user) as client:
            typ, data = client.append(quoted(folder), None, None, raw)
        assert typ == "OK", data
        match = re.search(rb"APPENDUID \d+ (\d+)", data[0] or b"")
        assert match, data
        return int(match.group(1))

    def create_folder(self, folder: str, *, user: str = "desk") -> None:
        with self.imap(user) as client:
            typ, data = client.create(quoted(folder))
        assert typ == "OK", data

    def messages(self, *, user: str = "desk", folder: str = "INBOX") -> dict[int, bytes]:
        """UID → raw bytes of every message in `folder` (read-only, flags untouched)."""
        with self.imap(user) as client:
            typ, data = client.select(quoted(folder), readonly=True)
            assert typ == "OK", data
            if data[0] == b"0":
                return {}
            typ, data = client.uid("FETCH", "1:*", "(BODY.PEEK[])")
        assert typ == "OK", data
        found = {}
        for item in data:
            if isinstance(item, tuple):
                uid = re.search(rb"UID (\d+)", item[0])
                assert uid, item[0]
                found[int(uid.group(1))] = item[1]
        return found

    def folders(self, *, user: str = "desk") -> list[str]:
        """Folder names as the server lists them (modified UTF-7, unquoted)."""
        with self.imap(user) as client:
            typ, data = client.list()
        assert typ == "OK", data
        names = []
        for line in data:
            assert isinstance(line, bytes), line
            listed = re.fullmatch(r'\((.*?)\) (?:"[^"]*"|NIL) "?(.*?)"?', line.decode("ascii"))
            assert listed, line
            names.append(listed.group(2))
        return sorted(names)

    def reset(self) -> None:
        """Empty every user's INBOX and remove their other folders."""
        for user in self.users:
            with self.imap(user) as client:
                # Children before their parents: a parent with children stays.
                for name in reversed(self.folders(user=user)):
                    if name != "INBOX":
                        client.delete(quoted(name))
                _, count = client.select("INBOX")
                if count[0] != b"0":
                    client.store("1:*", "+FLAGS.SILENT", r"(\Deleted)")
                    client.expunge()


def quoted(folder: str) -> str:
    """An IMAP quoted string (imaplib sends arguments as they are)."""
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(frozen=True)
class Accounts:
    """Who runs which Dovecot process, and whose files the mail is."""

    internal_user: str
    login_user: str
    mail_uid: int
    mail_gid: int


def process_accounts() -> Accounts:
    if os.geteuid() != 0:
        me = pwd.getpwuid(os.geteuid())
        return Accounts(me.pw_name, me.pw_name, me.pw_uid, me.pw_gid)
    mail = pwd.getpwnam("mail")
    return Accounts("dovecot", "dovenull", mail.pw_uid, mail.pw_gid)


def free_ports(count: int) -> list[int]:
    """Ports the kernel hands out now; all held open together so they differ."""
    with contextlib.ExitStack() as stack:
        sockets = []
        for _ in range(count):
            sock = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            sock.bind((HOST, 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]


def make_certificates(directory: Path) -> tuple[Path, Path, Path]:
    """A test CA and a server certificate for localhost and 127.0.0.1 signed by it.

    A proper CA/leaf pair (not one self-signed certificate) so that Python's
    strict verification accepts it. Returns (ca, certificate, key).
    """
    ca_key, ca = directory / "ca.key", directory / "ca.pem"
    key, csr, certificate = (
        directory / "server.key",
        directory / "server.csr",
        directory / "server.pem",
    )
    extensions = directory / "server.ext"
    extensions.write_text(
        "subjectAltName = DNS:localhost, IP:127.0.0.1\n"
        "basicConstraints = critical, CA:FALSE\n"
        "keyUsage = critical, digitalSignature, keyEncipherment\n"
        "extendedKeyUsage = serverAuth\n"
        "subjectKeyIdentifier = hash\n"
        "authorityKeyIdentifier = keyid\n"
    )
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    commands = [
        ["openssl", "req", "-x509", *ec, "-keyout", ca_key, "-out", ca, "-days", "2",
         "-subj", "/CN=Relaydesk test CA",
         "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
        ["openssl", "req", "-new", *ec, "-keyout", key, "-out", csr, "-subj", "/CN=localhost"],
        ["openssl", "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial",
         "-out", certificate, "-days", "2", "-extfile", extensions],
    ]  # fmt: skip
    for command in commands:
        subprocess.run([str(part) for part in command], check=True, capture_output=True)
    return ca, certificate, key


def write_config(directory: Path, ports: Ports, accounts: Accounts) -> Path:
    certificate_dir = directory / "tls"
    _, certificate, key = make_certificates(certificate_dir)
    users = directory / "users"
    users.write_text(
        "".join(
            f"{name}:{{PLAIN}}{password}:{accounts.mail_uid}:{accounts.mail_gid}"
            f"::{directory / 'mail' / name}::\n"
            for name, password in USERS.items()
        )
    )
    dh = f"ssl_dh = <{DH_PARAMETERS}\n" if DH_PARAMETERS.exists() else ""
    # Only root may chroot; an ordinary user's Dovecot runs its services without.
    chroot = "" if os.geteuid() == 0 else "chroot =\n"
    config = directory / "dovecot.conf"
    config.write_text(
        f"""\
base_dir = {directory / "run"}
state_dir = {directory / "state"}
instance_name = relaydesk-test-{os.getpid()}
log_path = {directory / "dovecot.log"}
protocols = imap pop3
listen = {HOST}
default_internal_user = {accounts.internal_user}
default_internal_group = {grp.getgrgid(pwd.getpwnam(accounts.internal_user).pw_gid).gr_name}
default_login_user = {accounts.login_user}
first_valid_uid = {accounts.mail_uid}
first_valid_gid = {accounts.mail_gid}
mail_location = maildir:~/Maildir
# Tests log in over plain connections too (security "none").
disable_plaintext_auth = no
auth_mechanisms = plain login
# Tests of a wrong password need not wait: no delay after a failed login and
# no growing penalty per client address.
auth_failure_delay = 0
service anvil {{
  {chroot}
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
ssl = yes
ssl_cert = <{certificate}
ssl_key = <{key}
{dh}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {users}
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {users}
}}
service imap-login {{
  {chroot}
  inet_listener imap {{
    port = {ports.imap}
  }}
  inet_listener imaps {{
    port = {ports.imaps}
    ssl = yes
  }}
}}
service pop3-login {{
  {chroot}
  inet_listener pop3 {{
    port = {ports.pop3}
  }}
  inet_listener pop3s {{
    port = {ports.pop3s}
    ssl = yes
  }}
}}
"""
    )
    return config


def prepare_directory(directory: Path, accounts: Accounts) -> None:
    # The mail and login processes run as other users and must reach their files.
    directory.chmod(0o755)
    mail = directory / "mail"
    mail.mkdir()
    os.chown(mail, accounts.mail_uid, accounts.mail_gid)
    for name in ("run", "state", "tls"):
        (directory / name).mkdir()


def wait_until_listening(process: subprocess.Popen[bytes], ports: Ports) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    pending = {ports.imap, ports.imaps, ports.pop3, ports.pop3s}
    while pending:
        if process.poll() is not None:
            raise RuntimeError(f"dovecot exited with status {process.returncode}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"dovecot did not listen on {sorted(pending)} in time")
        for port in list(pending):
            with contextlib.suppress(OSError), socket.create_connection((HOST, port), 0.5):
                pending.discard(port)
        if pending:
            time.sleep(0.1)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(STOP_TIMEOUT_SECONDS)


def describe_failure(directory: Path, error: Exception) -> str:
    logs = []
    for name in ("stderr.log", "dovecot.log"):
        path = directory / name
        if path.exists():
            logs.append(f"--- {name}\n{path.read_text(errors='replace')[-4000:]}")
    return f"Dovecot did not start: {error}\n" + "\n".join(logs)


@contextlib.contextmanager
def running_dovecot() -> Iterator[DovecotServer]:
    """Start Dovecot in the foreground of a child process; stop it on exit."""
    if missing := missing_binaries():
        raise DovecotUnavailable(
            f"Dovecot is not installed ({', '.join(missing)} missing): "
            "apt-get install dovecot-imapd dovecot-pop3d"
        )
    accounts = process_accounts()
    errors = []
    for _ in range(START_ATTEMPTS):
        directory = Path(tempfile.mkdtemp(prefix="relaydesk-dovecot-"))
        try:
            prepare_directory(directory, accounts)
            ports = Ports(*free_ports(4))
            config = write_config(directory, ports, accounts)
            with (directory / "stderr.log").open("wb") as stderr:
                process = subprocess.Popen(
                    [str(DOVECOT), "-F", "-c", str(config)],
                    stdin=subprocess.DEVNULL,
                    stdout=stderr,
                    stderr=stderr,
                )
            try:
                wait_until_listening(process, ports)
            except RuntimeError as error:
                stop(process)
                errors.append(describe_failure(directory, error))
                continue
            try:
                yield DovecotServer(
                    ports=ports,
                    ca_file=directory / "tls" / "ca.pem",
                    log_path=directory / "dovecot.log",
                )
            finally:
                stop(process)
            return
        finally:
            shutil.rmtree(directory, ignore_errors=True)
    raise RuntimeError("\n\n".join(errors))
