"""MonitoredRedisConnection against the real server: commands, pipelines and transactions as
spans, locks and publish/subscribe."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from typing import TYPE_CHECKING, Any

import pytest
import redis
import redis.exceptions
from baseplate_testing import serve_one_request

from baseplate.context.redis import (
    MonitoredRedisConnection,
    MonitoredRedisPipeline,
    RedisContextFactory,
)

if TYPE_CHECKING:
    from .conftest import Serve

pytestmark = pytest.mark.integration


def test_each_command_is_a_child_span(
    pool: redis.BlockingConnectionPool, key: str, serve: Serve
) -> None:
    """SET then GET through context.redis: two finished spans named redis.<COMMAND>."""

    def handler(context: Any) -> Any:
        assert isinstance(context.redis, MonitoredRedisConnection)
        context.redis.set(key, "v", ex=60)
        return context.redis.get(key)

    value, recorder = serve(RedisContextFactory(pool), handler)

    assert value == b"v"
    (server,) = recorder.server_spans
    assert [child.name for child in server.children] == ["redis.SET", "redis.GET"]
    for child in server.children:
        assert child.finished
        assert child.exc_info is None
        assert server.id == child.parent_id


def test_a_failing_command_finishes_its_span_with_the_error(
    pool: redis.BlockingConnectionPool, key: str, serve: Serve
) -> None:
    """LPUSH onto a string raises redis-py's ResponseError, and the span records it."""

    def handler(context: Any) -> None:
        context.redis.set(key, "a string", ex=60)
        with pytest.raises(redis.exceptions.ResponseError, match="WRONGTYPE"):
            context.redis.lpush(key, "item")

    _, recorder = serve(RedisContextFactory(pool), handler)

    _, push = recorder.server_spans[0].children
    assert push.name == "redis.LPUSH"
    assert push.exc_info is not None
    assert push.exc_info[0] is redis.exceptions.ResponseError


def test_the_span_is_named_after_the_context_attribute(
    pool: redis.BlockingConnectionPool, key: str
) -> None:
    """A client built for another attribute name prefixes its spans with that name."""
    _, recorder = serve_one_request(
        RedisContextFactory(pool), lambda context: context.cache.exists(key), "cache"
    )

    assert [c.name for c in recorder.server_spans[0].children] == ["cache.EXISTS"]


def test_a_pipeline_is_one_span(pool: redis.BlockingConnectionPool, key: str, serve: Serve) -> None:
    """Three queued commands are sent by execute() in one span, redis.pipeline_<name>."""

    def handler(context: Any) -> Any:
        with context.redis.pipeline("counters") as pipe:
            assert isinstance(pipe, MonitoredRedisPipeline)
            return pipe.incr(key).incr(key).expire(key, 60).execute()

    results, recorder = serve(RedisContextFactory(pool), handler)

    assert results == [1, 2, True]
    (span,) = recorder.server_spans[0].children
    assert span.name == "redis.pipeline_counters"
    assert span.exc_info is None


def test_a_failing_pipeline_finishes_its_span_with_the_error(
    pool: redis.BlockingConnectionPool, key: str, serve: Serve
) -> None:
    """A command failing inside the batch raises from execute(), recorded on its span."""

    def handler(context: Any) -> None:
        context.redis.set(key, "text", ex=60)
        pipe = context.redis.pipeline("bad", transaction=False)
        pipe.incr(key)
        with pytest.raises(redis.exceptions.ResponseError):
            pipe.execute()

    _, recorder = serve(RedisContextFactory(pool), handler)

    span = recorder.server_spans[0].children[-1]
    assert span.name == "redis.pipeline_bad"
    assert span.exc_info is not None


def test_pipeline_refuses_redis_pys_positional_transaction(
    pool: redis.BlockingConnectionPool, serve: Serve
) -> None:
    """pipeline(False), redis-py's way of saying transaction=False, is a TypeError here;
    without a name (redis-py's helpers) the span is redis.pipeline."""

    def handler(context: Any) -> None:
        with pytest.raises(TypeError, match="pass transaction by keyword"):
            context.redis.pipeline(False)
        context.redis.pipeline(transaction=False).ping().execute()

    _, recorder = serve(RedisContextFactory(pool), handler)

    assert [c.name for c in recorder.server_spans[0].children] == ["redis.pipeline"]


def test_transaction_retries_when_a_watched_key_changes(
    pool: redis.BlockingConnectionPool, key: str, serve: Serve
) -> None:
    """transaction() re-runs its function after another client changed a watched key, and
    each attempt's EXEC is a redis.pipeline_transaction span."""
    other = redis.Redis(connection_pool=pool)
    other.set(key, 10, ex=60)
    attempts = []

    def double(pipe: Any) -> None:
        value = int(pipe.get(key))
        attempts.append(value)
        if len(attempts) == 1:
            other.incr(key)  # a concurrent change: this attempt's EXEC must fail
        pipe.multi()
        pipe.set(key, value * 2, ex=60)

    def handler(context: Any) -> Any:
        return context.redis.transaction(double, key)

    results, recorder = serve(RedisContextFactory(pool), handler)

    assert results == [True]
    assert attempts == [10, 11]
    assert other.get(key) == b"22"
    names = [c.name for c in recorder.server_spans[0].children]
    expected = ["redis.WATCH", "redis.GET", "redis.pipeline_transaction"] * 2
    assert expected == names
    first_exec = recorder.server_spans[0].children[2]
    assert first_exec.exc_info is not None
    assert first_exec.exc_info[0] is redis.exceptions.WatchError


def test_transaction_can_return_the_functions_value(
    pool: redis.BlockingConnectionPool, key: str, serve: Serve
) -> None:
    """value_from_callable=True returns what the function returned, as in redis-py."""

    def handler(context: Any) -> Any:
        def work(pipe: Any) -> str:
            pipe.multi()
            pipe.set(key, 1, ex=60)
            return "done"

        return context.redis.transaction(work, key, value_from_callable=True)

    result, _ = serve(RedisContextFactory(pool), handler)

    assert result == "done"


def test_a_lock_excludes_another_request(
    pool: redis.BlockingConnectionPool, key: str, serve: Serve
) -> None:
    """A lock held by one client cannot be taken by another until released; its commands
    are spans of the request."""

    def handler(context: Any) -> None:
        lock = context.redis.lock(f"{key}:lock", timeout=10, blocking_timeout=1)
        with lock:
            rival = redis.Redis(connection_pool=pool).lock(f"{key}:lock", blocking_timeout=0.1)
            assert not rival.acquire()
        assert rival.acquire()
        rival.release()

    _, recorder = serve(RedisContextFactory(pool), handler)

    names = [c.name for c in recorder.server_spans[0].children]
    assert names[0] == "redis.SET"
    assert "redis.EVALSHA" in names


GREENLET_LOCKS = textwrap.dedent(
    """
    from gevent import monkey; monkey.patch_all()
    import sys, time, gevent
    from baseplate.context.redis import RedisContextFactory, pool_from_config
    from baseplate.core import Baseplate, RequestContext

    url, key = sys.argv[1:]
    baseplate = Baseplate()
    baseplate.add_to_context("redis", RedisContextFactory(pool_from_config({"redis.url": url})))
    events = []

    def request(name, work):
        context = RequestContext()
        with baseplate.make_server_span(context, name):
            work(context)

    def holder(context):
        with context.redis.lock(key + ":held", timeout=10):
            events.append("held")
            gevent.sleep(0.3)
            events.append("released")

    def waiter(context):
        gevent.sleep(0.05)
        with context.redis.lock(key + ":held", timeout=10, sleep=0.01, blocking_timeout=5):
            events.append("waiter got it")

    gevent.joinall([gevent.spawn(request, "a", holder), gevent.spawn(request, "b", waiter)],
                   raise_error=True)

    # A lock taken in one greenlet and released in another needs thread_local=False (the
    # token is greenlet-local otherwise, since gevent patches threading.local).
    shared = {}
    def take(context):
        shared["lock"] = context.redis.lock(key + ":passed", timeout=10, thread_local=False)
        assert shared["lock"].acquire(blocking=False)
    def give_back(context):
        shared["lock"].release()
        events.append("released by another greenlet")
    gevent.spawn(request, "c", take).get()
    gevent.spawn(request, "d", give_back).get()
    print(",".join(events))
    """
)


def test_a_lock_is_held_across_greenlets(redis_url: str, key: str) -> None:
    """Under gevent, a greenlet waiting for a lock another greenlet holds gets it only once
    released; with thread_local=False, one greenlet can release another's lock."""
    pytest.importorskip("gevent")
    done = subprocess.run(
        [sys.executable, "-c", GREENLET_LOCKS, redis_url, key],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    expected = "held,released,waiter got it,released by another greenlet"
    assert expected == done.stdout.strip()


def test_publish_subscribe_round_trip(
    pool: redis.BlockingConnectionPool, key: str, serve: Serve
) -> None:
    """A message published through context.redis reaches a subscriber made by pubsub()."""

    def handler(context: Any) -> Any:
        pubsub = context.redis.pubsub(ignore_subscribe_messages=True)
        try:
            pubsub.subscribe(key)
            assert context.redis.publish(key, "hello") == 1
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                message = pubsub.get_message(timeout=0.5)
                if message is not None:
                    return message
            return None
        finally:
            pubsub.close()

    message, recorder = serve(RedisContextFactory(pool), handler)

    assert message is not None
    assert (b"hello", key.encode()) == (message["data"], message["channel"])
    assert [c.name for c in recorder.server_spans[0].children] == ["redis.PUBLISH"]


def test_a_client_outliving_its_request_runs_commands_without_spans(
    pool: redis.BlockingConnectionPool, key: str, serve: Serve
) -> None:
    """A lock made in one request and released after it ended (it keeps that request's
    client) works; the late commands record nothing, since their request is over."""

    def handler(context: Any) -> Any:
        lock = context.redis.lock(f"{key}:late", timeout=10)
        assert lock.acquire(blocking=False)
        with context.redis.pipeline("late") as pipe:
            pipe.set(key, 1, ex=60)
        return lock, pipe

    (lock, pipe), recorder = serve(RedisContextFactory(pool), handler)
    recorded = len(recorder.server_spans[0].children)

    lock.release()
    pipe.set(key, 2, ex=60)
    assert pipe.execute() == [True]

    assert not redis.Redis(connection_pool=pool).exists(f"{key}:late")
    assert recorded == len(recorder.server_spans[0].children)
