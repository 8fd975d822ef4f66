"""With RATELIMIT_STORAGE_URI=redis://…, the login limits are kept in Redis, so they hold
across several web processes (memory storage is per process)."""

import http.client
import os
import socket
import subprocess
import sys
import textwrap
import time
import urllib.parse
import uuid
from pathlib import Path

import pytest

from tests.factories import make_user

REDIS = ("127.0.0.1", 6379)
# Only ends a wait that would otherwise hang: a shared CI machine may take long to start
# gunicorn's workers or to answer while they boot.
CEILING = float(os.environ.get("TEST_WAIT_CEILING", "240"))
TRIES = 25

ONE_PROCESS = textwrap.dedent(
    """
    import sys
    from app import create_app

    database, prefix, first = sys.argv[1], sys.argv[2], int(sys.argv[3])
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database,
                      "WTF_CSRF_ENABLED": False, "RATELIMIT_KEY_PREFIX": prefix})
    client = app.test_client()
    # A different address each time: this is the per-IP limit, not the per-account hold.
    codes = [client.post("/login", data={"email": f"x{n}@example.org", "password": "wrong"})
             .status_code for n in range(first, first + 6)]
    print(" ".join(map(str, codes)))
    """
)


def redis_available() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=1):
            return True
    except OSError:
        return False


def attempts_in_a_new_process(database_uri: str, prefix: str, cwd, first: int) -> list[str]:
    env = {
        **os.environ,
        "RATELIMIT_STORAGE_URI": f"redis://{REDIS[0]}:{REDIS[1]}/15",
        "SECRET_KEY": "x",
    }
    result = subprocess.run(
        [sys.executable, "-c", ONE_PROCESS, database_uri, prefix, str(first)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_login_limit_is_shared_by_processes_through_redis(database_uri, tmp_path):
    if not redis_available():
        pytest.skip("no Redis server on 127.0.0.1:6379")
    prefix = f"test-{uuid.uuid4().hex}"
    first = attempts_in_a_new_process(database_uri, prefix, tmp_path, 0)
    second = attempts_in_a_new_process(database_uri, prefix, tmp_path, 6)
    assert first == ["401"] * 6
    assert second == ["401"] * 4 + ["429"] * 2


GUNICORN_APP = textwrap.dedent(
    """
    import os
    from app import create_app

    # Only the per-account protection is under test: the per-address limits are lifted.
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": os.environ["NWB_TEST_DATABASE"],
        "RATELIMIT_KEY_PREFIX": os.environ["NWB_TEST_PREFIX"],
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_LOGIN": "1000 per minute",
        "LOGIN_FREE_FAILURES_PER_ADDRESS": 1000,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    })
    """
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def gunicorn_two_workers(database_uri, tmp_path):
    """A real gunicorn with two worker processes sharing the counts through Redis."""
    if not redis_available():
        pytest.skip("no Redis server on 127.0.0.1:6379")
    (tmp_path / "nwb_gunicorn_app.py").write_text(GUNICORN_APP)
    port = free_port()
    log = tmp_path / "access.log"
    env = {
        **os.environ,
        "NWB_TEST_DATABASE": database_uri,
        "NWB_TEST_PREFIX": f"test-{uuid.uuid4().hex}",
        "RATELIMIT_STORAGE_URI": f"redis://{REDIS[0]}:{REDIS[1]}/15",
        "SECRET_KEY": "gunicorn-test-secret",
        "WEB_CONCURRENCY": "2",  # the start-up check requires Redis for this
        "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
    }
    repo = Path(__file__).resolve().parents[2]
    errors = tmp_path / "gunicorn.err"
    with errors.open("wb") as error_file:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{port}",
                "--pythonpath",
                f"{tmp_path},{repo}",
                "--access-logfile",
                str(log),
                "--graceful-timeout",
                "5",
                "--access-logformat",
                "%(p)s %(s)s %(m)s %(U)s",
                "nwb_gunicorn_app:app",
            ],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=error_file,
        )
    try:
        deadline = time.monotonic() + CEILING
        while True:
            assert process.poll() is None, errors.read_text()
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not start listening"
                time.sleep(0.2)
        yield port, log
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)


def post_login(port: int, email: str, password: str) -> int:
    body = urllib.parse.urlencode({"email": email, "password": password})
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=CEILING)
    try:
        connection.request(
            "POST",
            "/login",
            body=body,
            headers={"Content-Type": "application/x-www-form-urlencoded", "Connection": "close"},
        )
        return connection.getresponse().status
    finally:
        connection.close()


def answering_workers(log: Path, count: int) -> list[str]:
    """The worker pid of each logged POST /login, waiting until `count` are logged."""
    deadline = time.monotonic() + CEILING
    while True:
        text = log.read_text() if log.exists() else ""
        lines = [line.split()[0] for line in text.splitlines() if line.endswith("POST /login")]
        if len(lines) >= count:
            return lines
        assert time.monotonic() < deadline, "gunicorn did not log every request"
        time.sleep(0.2)


def test_tenth_wrong_password_is_refused_whichever_gunicorn_worker_answers(
    gunicorn_two_workers,
):
    """Wrong passwords for one account through two gunicorn workers: the account is held
    after the free failures, also by a worker that saw fewer of them itself (memory
    storage would count per process). Another account is tried when, by chance, one
    worker answered everything."""
    port, log = gunicorn_two_workers
    from app.extensions import db

    proven = False
    # Which worker accepts a connection is the kernel's choice: on a busy machine one worker
    # may take every request of a round, so there are enough rounds for both to answer.
    for attempt in range(TRIES):
        email = f"target{attempt}@example.org"
        make_user(email=email)
        db.session.commit()
        done = 10 * attempt
        statuses = [post_login(port, email, "wrong-password") for _ in range(10)]
        assert statuses[:6] == [401] * 6, statuses
        assert statuses[6:] == [429] * 4, statuses  # the tenth and those before it
        workers = answering_workers(log, done + 10)[done : done + 10]
        failures_seen = {pid: workers[:6].count(pid) for pid in set(workers)}
        if any(failures_seen[pid] < 6 for pid in workers[6:]):
            proven = True
            break
    assert proven, f"one worker answered every request in {TRIES} tries"
