"""With RATELIMIT_STORAGE_URI=redis://…, the login limit is kept in Redis, so it holds
across several web processes (memory storage is per process)."""

import os
import socket
import subprocess
import sys
import textwrap
import uuid

import pytest

REDIS = ("127.0.0.1", 6379)

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
