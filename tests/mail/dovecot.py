"""A real IMAP server for the inbound tests: Debian's Dovecot (dovecot-imapd), started in
the foreground on a free loopback port with a throwaway configuration, one mailbox user
and a password, Maildir storage under a temporary directory. `.ci/run` installs it."""

import getpass
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER, PASSWORD = "inbox", "imap-test-password"
START_TIMEOUT = 60  # seconds: the machine may be busy


@dataclass
class ImapServer:
    host: str
    port: int
    user: str
    password: str
    log: Path

    def connect(self) -> imaplib.IMAP4:
        imap = imaplib.IMAP4(self.host, self.port, timeout=30)
        imap.login(self.user, self.password)
        return imap


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _config(root: Path, port: int) -> str:
    if os.geteuid() == 0:  # Debian's package creates these service users
        internal, login = "dovecot", "dovenull"
        owner = pwd.getpwnam("dovecot")
    else:
        internal = login = getpass.getuser()
        owner = pwd.getpwuid(os.geteuid())
    for sub in ("mail", "run", "state"):
        (root / sub).mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            os.chown(root / sub, owner.pw_uid, owner.pw_gid)
    # Dovecot's unprivileged processes must reach their sockets under the directory
    os.chmod(root, 0o755)  # noqa: S103 (a throwaway test directory)
    return f"""
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
instance_name = netwerkbrug-test-{port}
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_login_user = {login}
first_valid_uid = {owner.pw_uid}
last_valid_uid = {owner.pw_uid}
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = static
  args = password={PASSWORD}
}}
userdb {{
  driver = static
  args = uid={owner.pw_uid} gid={owner.pw_gid} home={root}/mail/%u
}}
namespace inbox {{
  inbox = yes
  separator = /
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


@contextmanager
def running_dovecot(root: Path) -> Iterator[ImapServer]:
    if not Path(DOVECOT).exists():
        pytest.skip("Dovecot is not installed (apt-get install dovecot-imapd)")
    port = _free_port()
    config = root / "dovecot.conf"
    config.write_text(_config(root, port))
    process = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(config)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    server = ImapServer("127.0.0.1", port, USER, PASSWORD, root / "dovecot.log")
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                server.connect().logout()
                break
            except (OSError, imaplib.IMAP4.error):
                if process.poll() is not None or time.monotonic() > deadline:
                    log = server.log.read_text() if server.log.exists() else ""
                    output = process.stdout.read().decode() if process.poll() is not None else ""
                    raise RuntimeError(f"Dovecot did not start:\n{output}\n{log}") from None
                time.sleep(0.1)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout:
            process.stdout.close()


def append(server: ImapServer, raw: bytes, folder: str = "INBOX") -> None:
    """Delivers a message the way the tests' mail arrives: IMAP APPEND."""
    imap = server.connect()
    try:
        typ, data = imap.append(folder, None, None, raw)
        assert typ == "OK", data
    finally:
        imap.logout()


def folder_subjects(server: ImapServer, folder: str) -> list[str]:
    """The subjects in `folder` (read without changing flags), plus each message's flags."""
    imap = server.connect()
    try:
        typ, _ = imap.select(f'"{folder}"', readonly=True)
        if typ != "OK":
            return []
        typ, data = imap.uid("SEARCH", None, "ALL")
        found = []
        for uid in data[0].split():
            typ, parts = imap.uid("FETCH", uid, "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
            flags = parts[0][0].decode()
            subject = parts[0][1].decode().strip().removeprefix("Subject: ")
            found.append(f"{subject} {'SEEN' if 'Seen' in flags else 'UNSEEN'}")
        return found
    finally:
        imap.logout()
