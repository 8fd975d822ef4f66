"""Two app instances that stand for two web processes sharing a Redis cache."""

import contextlib
import socket
import uuid
from collections.abc import Iterator

import pytest
from flask import Flask

from app import create_app
from app.extensions import cache, db


@contextlib.contextmanager
def apps_sharing_redis(database_uri: str, name: str, **settings) -> Iterator[tuple[Flask, Flask]]:
    """(writer, reader) with `CACHE_TYPE=RedisCache` on 127.0.0.1:6379 under a key prefix of
    their own, emptied afterwards. Skipped without a Redis server (a failure in CI)."""
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    config = {
        "TESTING": True,
        "SECRET_KEY": "test",
        "SQLALCHEMY_DATABASE_URI": database_uri,
        "CACHE_TYPE": "RedisCache",
        "CACHE_REDIS_URL": "redis://127.0.0.1:6379/0",
        "CACHE_KEY_PREFIX": f"nwb-test-{name}-{uuid.uuid4().hex}:",
        **settings,
    }
    writer, reader = create_app(config), create_app(config)
    try:
        yield writer, reader
    finally:
        for instance in (writer, reader):
            with instance.app_context():
                cache.clear()
                db.session.remove()
                db.engine.dispose()
