"""The page cache's generation (the number every committed write raises) known inside each
process without asking Redis on every request.

`raise_generation` raises the number in Redis and publishes the new value on a channel, in
one round trip (a Lua script). Each process subscribes once; before it uses the number it
reads whatever its subscription has received, without waiting (a look at one socket). Redis
sends a message to every subscriber in the same turn of its loop in which it answers the
writer, so a request that comes in after another process's write has returned sees that
write, just as it would by asking Redis (across hosts, after the network's delay: less than
the writer's own answer takes to reach a browser).

- The number only grows, even when Redis is emptied or restarted: a missing number starts
  again from Redis's clock in microseconds, past every number used before. So the highest
  number a process has heard of is the current one, and nothing kept under an old number
  can match again.
- While there is no subscription (Redis unreachable, a process just forked) the number is
  unknown (`current()` answers None) and callers ask Redis as before. A subscription is
  confirmed before the number is read afresh, so no write falls between the two. The
  watch's client does not retry (a lost connection drops the subscription, and the next
  request after `RETRY_SECONDS` subscribes again); should it ever subscribe again by
  itself, its new confirmation makes the number be read afresh as well.
- Every few seconds the number is also read from Redis; one higher than the subscription
  delivered means it lost a message, and it is made again."""

import contextlib
import os
import threading
import time

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

# how long a lost subscription waits before it is tried again (while Redis is down each
# try costs one request a connection attempt)
RETRY_SECONDS = 1.0
# how long a new subscription waits for Redis to confirm it
CONFIRM_SECONDS = 2.0
# how often the number delivered is compared with the one Redis holds
CHECK_SECONDS = 5.0
# the longest the watch's own connection waits for Redis
TIMEOUT = 2.0

_RAISE = """
if redis.call('EXISTS', KEYS[1]) == 0 then
  local now = redis.call('TIME')
  redis.call('SET', KEYS[1], now[1] .. string.sub('00000' .. now[2], -6))
end
local value = redis.call('INCR', KEYS[1])
redis.call('PUBLISH', ARGV[1], value)
return value
"""
ERRORS = (redis.RedisError, OSError, ValueError, RuntimeError)


class GenerationWatch:
    """One process's view of the number kept at `key` in Redis, current through `channel`."""

    def __init__(self, client: redis.Redis, key: str, channel: str) -> None:
        self._client = _failing_fast(client)
        self._key = key
        self._channel = channel
        self._raise = self._client.register_script(_RAISE)
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self._pubsub = None
        self._value = 0
        self._check_at = 0.0
        self._retry_at = 0.0

    def current(self) -> int | None:
        """The number as Redis holds it now, or None when this process cannot tell."""
        with self._lock:
            if self._pid != os.getpid():  # a forked child: the parent's socket is not ours
                self._pid, self._pubsub = os.getpid(), None
            if self._pubsub is None and not self._subscribe():
                return None
            try:
                while (message := self._pubsub.get_message(timeout=0)) is not None:
                    if message["type"] == "message":
                        self._value = max(self._value, int(message["data"]))
                    elif message["type"] == "subscribe":  # the client subscribed again
                        self._value = max(self._value, self._read())
                if time.monotonic() >= self._check_at and self._read() > self._value:
                    raise redis.ConnectionError("the subscription missed a message")
            except ERRORS:
                self._drop()
                return None
            return self._value

    def raise_generation(self) -> int:
        """Raises the number in Redis, tells every process, and returns the new number."""
        number = int(self._raise(keys=[self._key], args=[self._channel]))
        with self._lock:
            if self._pid == os.getpid():  # our own write counts before it is delivered
                self._value = max(self._value, number)
        return number

    def _read(self) -> int:
        """The number Redis holds (taken as ours when the subscription has not caught up)."""
        number = int(self._client.get(self._key) or 0)
        self._check_at = time.monotonic() + CHECK_SECONDS
        return number

    def _subscribe(self) -> bool:
        if time.monotonic() < self._retry_at:
            return False
        pubsub = self._client.pubsub()
        try:
            pubsub.subscribe(self._channel)
            deadline = time.monotonic() + CONFIRM_SECONDS
            while (message := pubsub.get_message(timeout=0.1)) is None or (
                message["type"] != "subscribe"
            ):
                if time.monotonic() > deadline:
                    raise redis.TimeoutError("Redis did not confirm the subscription")
            self._value = self._read()
        except ERRORS:
            pubsub.close()
            self._retry_at = time.monotonic() + RETRY_SECONDS
            return False
        self._pubsub = pubsub
        return True

    def _drop(self) -> None:
        pubsub, self._pubsub = self._pubsub, None
        self._retry_at = time.monotonic() + RETRY_SECONDS
        with contextlib.suppress(ERRORS):
            pubsub.close()


def _failing_fast(client: redis.Redis) -> redis.Redis:
    """A client to the same server that gives up at once: the client's own retries (seconds
    of backoff) would hold up a request that can just as well ask Redis the usual way, and
    a subscription that reconnected by itself could have missed messages."""
    pool = client.connection_pool
    settings = dict(pool.connection_kwargs)
    settings["retry"] = Retry(NoBackoff(), 0)
    settings["socket_connect_timeout"] = settings.get("socket_connect_timeout") or TIMEOUT
    settings["socket_timeout"] = settings.get("socket_timeout") or TIMEOUT
    return redis.Redis(
        connection_pool=redis.ConnectionPool(connection_class=pool.connection_class, **settings)
    )
