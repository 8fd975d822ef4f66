"""The page cache's generation known inside each process (app.core.generation_watch),
against a real Redis server: another process's write is seen at once without asking Redis,
a lost subscription or an emptied Redis never leaves a process with a number that is too
low, and a conditional feed poll served from a process's own memory asks Redis nothing."""

import os
import socket
import time
import uuid
from datetime import UTC, datetime

import pytest
import redis

from app.core import generation_watch, page_cache
from app.core.generation_watch import GenerationWatch
from app.extensions import db
from app.groups.models import WorkingGroup
from tests.factories import make_group, make_meeting
from tests.redis_apps import apps_sharing_redis

FUTURE = datetime(2030, 3, 31, 8, 0, tzinfo=UTC)


@pytest.fixture
def server() -> redis.Redis:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    return redis.Redis(host="127.0.0.1", port=6379)


@pytest.fixture
def key(server):
    name = f"nwb-test-watch-{uuid.uuid4().hex}"
    yield name
    server.delete(name)


def _watch(key: str) -> GenerationWatch:
    return GenerationWatch(redis.Redis(host="127.0.0.1", port=6379), key, channel=key)


class _Counting:
    """Counts the commands a client sends outside its subscription."""

    def __init__(self, watch: GenerationWatch, monkeypatch) -> None:
        self.sent = []
        client = watch._client
        send = client.execute_command

        def counting(*args, **options):
            self.sent.append(args[0])
            return send(*args, **options)

        monkeypatch.setattr(client, "execute_command", counting)


def test_a_write_in_one_process_is_seen_in_another_without_asking_redis(key, monkeypatch):
    writer, reader = _watch(key), _watch(key)
    before = reader.current()
    counting = _Counting(reader, monkeypatch)
    number = writer.raise_generation()
    assert number > before
    assert reader.current() == number
    assert writer.current() == number  # its own write, before the message reached it
    assert counting.sent == []


def test_a_missing_number_starts_past_every_number_used_before(server, key):
    """Redis emptied (or restarted): the number does not start again from 1, so nothing
    kept under an earlier number can match again."""
    watch = _watch(key)
    used = [watch.raise_generation() for _ in range(3)]
    server.delete(key)
    assert watch.raise_generation() > max(used)
    assert watch.current() > max(used)
    server.set(key, 5)  # as an older version of the app left it
    assert watch.raise_generation() == 6


def test_a_lost_subscription_never_leaves_a_number_too_low(server, key, monkeypatch):
    monkeypatch.setattr(generation_watch, "RETRY_SECONDS", 0)
    writer, reader = _watch(key), _watch(key)
    reader.current()
    host, port = reader._pubsub.connection._sock.getsockname()[:2]
    server.client_kill(f"{host}:{port}")  # as a Redis restart or a network fault would
    number = writer.raise_generation()  # published while the reader was not subscribed
    seen = reader.current()
    assert seen in (number, None)  # the client subscribed again and read it, or it asks
    assert reader.current() == number


def test_a_message_the_subscription_missed_is_found_by_the_regular_check(server, key, monkeypatch):
    monkeypatch.setattr(generation_watch, "RETRY_SECONDS", 0)
    reader = _watch(key)
    number = reader.current()
    server.set(key, number + 7)  # written without a message, as if one had been lost
    assert reader.current() == number  # until the next check
    monkeypatch.setattr(generation_watch, "CHECK_SECONDS", 0)
    reader._check_at = 0
    assert reader.current() is None  # it does not trust its number: callers ask Redis
    assert reader.current() == number + 7


def test_without_redis_the_number_is_unknown_and_not_asked_for_on_every_request():
    watch = GenerationWatch(redis.Redis(host="127.0.0.1", port=_closed_port()), "k", "k")
    attempts = []
    connect = watch._client.pubsub
    started = time.monotonic()

    def counting_pubsub():
        attempts.append(1)
        return connect()

    watch._client.pubsub = counting_pubsub
    assert watch.current() is None
    assert watch.current() is None
    assert attempts == [1]  # the next try waits RETRY_SECONDS
    assert time.monotonic() - started < 5  # no seconds of the client's own retries


def test_a_forked_process_subscribes_on_its_own(key):
    writer, watch = _watch(key), _watch(key)
    watch.current()
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        try:
            ours = watch._pubsub
            number = watch.current()
            os.write(write, f"{number} {watch._pubsub is not ours}".encode())
        finally:
            os._exit(0)
    os.close(write)
    os.waitpid(child, 0)
    number, fresh = os.read(read, 100).decode().split()
    assert int(number) == watch.current()
    assert fresh == "True"
    assert watch.current() == writer.current()  # the parent's subscription still works
    later = writer.raise_generation()
    assert watch.current() == later


def test_a_feed_poll_answered_from_a_process_memory_asks_redis_nothing(database_uri):
    """Two app instances stand for two web processes sharing Redis: the reader keeps the
    answer itself once it has seen it, and the writer's change reaches it at once."""
    with apps_sharing_redis(
        database_uri, "watch", RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0", WEB_CONCURRENCY=2
    ) as (writer, reader):
        path = "/calendar/groups/bewaakt.ics"
        with writer.app_context():
            make_meeting(make_group(slug="bewaakt"), start=FUTURE)
            db.session.commit()
        client = reader.test_client()
        with reader.app_context():
            etag = client.get(path).headers["ETag"]
            assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
            backend = reader.extensions["cache"][page_cache.cache]
            sent = []
            send = backend._read_client.execute_command
            backend._read_client.execute_command = lambda *a, **o: sent.append(a) or send(*a, **o)
            try:
                assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
            finally:
                del backend._read_client.execute_command
            assert sent == []
        with writer.app_context():
            group = db.session.scalar(db.select(WorkingGroup).filter_by(slug="bewaakt"))
            make_meeting(group, start=FUTURE.replace(day=30))
            db.session.commit()
        with reader.app_context():
            assert client.get(path, headers={"If-None-Match": etag}).status_code == 200


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
