"""Tests for MonitoredMemcacheConnection against a real memcached: one span per call."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pytest
from pymemcache.client.base import PooledClient
from pymemcache.exceptions import MemcacheIllegalInputError

from baseplate.context.memcache import MonitoredMemcacheConnection, make_keys_str

from .conftest import PrivateMemcached, Request

Key = Callable[[str], str]


def test_every_public_pooled_client_method_is_mirrored() -> None:
    """Each public method of pymemcache's PooledClient exists here with the same parameters."""
    names = [
        name
        for name, member in inspect.getmembers(PooledClient, inspect.isfunction)
        if not name.startswith("_") or name in ("__getitem__", "__setitem__", "__delitem__")
    ]
    assert len(names) > 25
    for name in names:
        ours = getattr(MonitoredMemcacheConnection, name, None)
        assert ours is not None, f"MonitoredMemcacheConnection has no {name}"
        theirs = inspect.signature(getattr(PooledClient, name)).parameters
        assert list(theirs) == list(inspect.signature(ours).parameters), name
        for parameter, default in theirs.items():
            assert default.default == inspect.signature(ours).parameters[parameter].default, (
                f"{name}({parameter}) has another default"
            )


def test_make_keys_str_joins_and_truncates_keys() -> None:
    """Keys are comma-joined, bytes decoded, and cut at 100 characters with '...'."""
    assert make_keys_str(["a", b"b", "c"]) == "a,b,c"
    assert make_keys_str([]) == ""
    long_keys = [f"key{i:03d}" for i in range(30)]
    joined = ",".join(long_keys)
    assert joined[:100] + "..." == make_keys_str(long_keys)
    exact = "x" * 100
    assert exact == make_keys_str([exact])


def only_span(request: Request) -> Any:
    (span,) = request.spans
    return span


@pytest.mark.integration
@pytest.mark.parametrize("method", ["set", "add", "replace", "append", "prepend"])
def test_a_store_call_is_a_span_tagged_with_key_expire_and_noreply(
    request_with: Request, key: Key, pool: PooledClient, method: str
) -> None:
    """set/add/replace/append/prepend: span memcache.<method> with key, expire, noreply."""
    if method in ("replace", "append", "prepend"):
        pool.set(key("k"), b"old")

    stored = request_with(lambda context: getattr(context.memcache, method)(key("k"), b"v", 30))

    assert stored is True
    span = only_span(request_with)
    assert f"memcache.{method}" == span.name
    assert {"method": method, "key": key("k"), "expire": 30, "noreply": False} == span.tags
    assert (span.started, span.finished) == (1, 1)
    assert span.exc_info is None
    expected = {"set": b"v", "add": b"v", "replace": b"v", "append": b"oldv", "prepend": b"vold"}
    assert expected[method] == pool.get(key("k"))


@pytest.mark.integration
def test_noreply_left_to_the_pool_is_tagged_with_the_pools_default(
    memcached: tuple[str, int], key: Key
) -> None:
    """A pool that sends without waiting: noreply=None is tagged True, an explicit False so."""
    pool = PooledClient(memcached, timeout=1.0)  # pymemcache's default_noreply is True
    request = Request(pool)

    def handler(context: Any) -> None:
        context.memcache.set(key("a"), b"1")
        context.memcache.set(key("b"), b"2", noreply=False)

    request(handler)

    assert [span.tags["noreply"] for span in request.spans] == [True, False]
    assert pool.get(key("b")) == b"2"
    pool.close()


@pytest.mark.integration
def test_get_and_gets_are_spans_tagged_with_the_key(
    request_with: Request, key: Key, pool: PooledClient
) -> None:
    """get and gets return pymemcache's results; a missing key gives the default."""
    pool.set(key("k"), b"value")

    def handler(context: Any) -> Any:
        return (
            context.memcache.get(key("k")),
            context.memcache.get(key("missing"), b"default"),
            context.memcache.gets(key("k")),
            context.memcache.gets(key("missing")),
        )

    got, default, (value, cas), missing = request_with(handler)

    assert (got, default, value, missing) == (b"value", b"default", b"value", (None, None))
    assert isinstance(cas, bytes)
    names = ["memcache.get", "memcache.get", "memcache.gets", "memcache.gets"]
    assert names == [span.name for span in request_with.spans]
    assert {"method": "gets", "key": key("k")} == request_with.spans[2].tags


@pytest.mark.integration
def test_calls_on_several_keys_tag_keys_and_their_count(
    request_with: Request, key: Key, pool: PooledClient
) -> None:
    """set_many, get_many, gets_many, delete_many: keys comma-joined, key_count."""
    keys = [key(str(i)) for i in range(3)]

    def handler(context: Any) -> Any:
        failed = context.memcache.set_many(dict.fromkeys(keys, b"v"), expire=60)
        got = context.memcache.get_many(iter(keys))  # an iterator is read once
        with_cas = context.memcache.gets_many(keys)
        deleted = context.memcache.delete_many(keys)
        return failed, got, with_cas, deleted

    failed, got, with_cas, deleted = request_with(handler)

    assert failed == []
    assert dict.fromkeys(keys, b"v") == got
    assert set(keys) == set(with_cas)
    assert deleted is True
    assert pool.get_many(keys) == {}
    set_many, get_many, gets_many, delete_many = request_with.spans
    joined = ",".join(keys)
    assert {
        "method": "set_many",
        "key_count": 3,
        "keys": joined,
        "expire": 60,
        "noreply": False,
    } == set_many.tags
    assert {"method": "get_many", "key_count": 3, "keys": joined} == get_many.tags
    assert {"method": "gets_many", "key_count": 3, "keys": joined} == gets_many.tags
    expected = {"method": "delete_many", "key_count": 3, "keys": joined, "noreply": False}
    assert expected == delete_many.tags


@pytest.mark.integration
def test_the_multi_aliases_make_the_span_of_their_method(request_with: Request, key: Key) -> None:
    """set_multi, get_multi, delete_multi and disconnect_all name the method they stand for."""

    def handler(context: Any) -> None:
        context.memcache.set_multi({key("a"): b"1"})
        context.memcache.get_multi([key("a")])
        context.memcache.delete_multi([key("a")])
        context.memcache.disconnect_all()

    request_with(handler)

    names = ["memcache.set_many", "memcache.get_many", "memcache.delete_many", "memcache.close"]
    assert names == [span.name for span in request_with.spans]


@pytest.mark.integration
def test_cas_is_a_span_tagged_with_the_cas_token(
    request_with: Request, key: Key, pool: PooledClient
) -> None:
    """cas stores only with the current token; a stale one is False, a missing key None."""
    pool.set(key("k"), b"one")
    _, token = pool.gets(key("k"))

    def handler(context: Any) -> Any:
        first = context.memcache.cas(key("k"), b"two", token, expire=5)
        stale = context.memcache.cas(key("k"), b"three", token)
        missing = context.memcache.cas(key("missing"), b"x", token)
        return first, stale, missing

    assert request_with(handler) == (True, False, None)
    assert pool.get(key("k")) == b"two"
    span = request_with.spans[0]
    assert span.name == "memcache.cas"
    tags = {"method": "cas", "key": key("k"), "cas": token.decode(), "expire": 5, "noreply": False}
    assert tags == span.tags


@pytest.mark.integration
def test_counters_delete_and_touch_are_spans(
    request_with: Request, key: Key, pool: PooledClient
) -> None:
    """incr, decr, delete and touch return pymemcache's results and tag key and noreply."""
    pool.set(key("n"), b"10")

    def handler(context: Any) -> Any:
        return (
            context.memcache.incr(key("n"), 5),
            context.memcache.decr(key("n"), 3),
            context.memcache.incr(key("missing"), 1),
            context.memcache.touch(key("n"), expire=100),
            context.memcache.touch(key("missing")),
            context.memcache.delete(key("n")),
            context.memcache.delete(key("n")),
        )

    assert request_with(handler) == (15, 12, None, True, False, True, False)
    incr, decr, _, touch, _, delete, _ = request_with.spans
    assert {"method": "incr", "key": key("n"), "noreply": False} == incr.tags
    assert {"method": "decr", "key": key("n"), "noreply": False} == decr.tags
    assert {"method": "touch", "key": key("n"), "expire": 100, "noreply": False} == touch.tags
    assert {"method": "delete", "key": key("n"), "noreply": False} == delete.tags


@pytest.mark.integration
def test_dictionary_style_access_makes_get_set_and_delete_spans(
    request_with: Request, key: Key, pool: PooledClient
) -> None:
    """connection[key] = v sets without reply, connection[key] gets (KeyError when missing)."""

    def handler(context: Any) -> Any:
        context.memcache[key("k")] = b"v"
        value = context.memcache[key("k")]
        del context.memcache[key("k")]
        with pytest.raises(KeyError):
            context.memcache[key("k")]
        return value

    assert request_with(handler) == b"v"
    names = ["memcache.set", "memcache.get", "memcache.delete", "memcache.get"]
    assert names == [span.name for span in request_with.spans]
    assert request_with.spans[0].tags["noreply"] is True
    assert pool.get(key("k")) is None


@pytest.mark.integration
def test_server_wide_calls_are_spans(request_with: Request, key: Key) -> None:
    """stats, version, raw_command, quit and close make spans tagged only with the method."""

    def handler(context: Any) -> Any:
        stats = context.memcache.stats()
        version = context.memcache.version()
        answer = context.memcache.raw_command(b"version")
        context.memcache.quit()
        context.memcache.close()
        return stats, version, answer

    stats, version, answer = request_with(handler)

    assert b"pid" in stats
    assert version == answer.removeprefix(b"VERSION ").strip()
    names = ["stats", "version", "raw_command", "quit", "close"]
    assert [f"memcache.{name}" for name in names] == [span.name for span in request_with.spans]
    assert [{"method": name} for name in names] == [span.tags for span in request_with.spans]


@pytest.mark.integration
def test_flush_all_and_shutdown_are_spans(private_memcached: PrivateMemcached) -> None:
    """flush_all (tagged delay and noreply) empties the server; shutdown stops it."""
    pool = PooledClient(private_memcached.address, timeout=1.0, default_noreply=False)
    pool.set("k", b"v")
    request = Request(pool)

    def handler(context: Any) -> None:
        assert context.memcache.flush_all() is True
        assert context.memcache.get("k") is None
        context.memcache.shutdown()

    request(handler)

    flush, _, shutdown = request.spans
    assert flush.tags == {"method": "flush_all", "delay": 0, "noreply": False}
    assert (shutdown.name, shutdown.tags) == ("memcache.shutdown", {"method": "shutdown"})
    assert private_memcached.process.wait() == 0


@pytest.mark.integration
def test_a_failed_call_finishes_its_span_with_the_exception(
    unused_port: Callable[[], int],
) -> None:
    """Nothing listening: the connection error reaches the caller and finishes the span."""
    pool = PooledClient(("127.0.0.1", unused_port()), connect_timeout=0.5, timeout=0.5)
    request = Request(pool)

    def handler(context: Any) -> None:
        with pytest.raises(ConnectionRefusedError):
            context.memcache.get("k")

    request(handler)

    span = only_span(request)
    assert (span.name, span.finished) == ("memcache.get", 1)
    assert span.exc_info is not None
    assert span.exc_info[0] is ConnectionRefusedError


def test_an_illegal_key_fails_its_span_and_check_key_makes_none() -> None:
    """A key with a space is refused by pymemcache before any I/O; the span records it."""
    request = Request(PooledClient(("127.0.0.1", 11211)))

    def handler(context: Any) -> None:
        assert context.memcache.check_key("ok") == b"ok"
        with pytest.raises(MemcacheIllegalInputError):
            context.memcache.get("has space")

    request(handler)

    span = only_span(request)
    assert span.name == "memcache.get"
    assert span.exc_info is not None
    assert span.exc_info[0] is MemcacheIllegalInputError


def test_calls_in_a_local_span_are_its_children() -> None:
    """Read in a local span's context, the connection's spans are children of that span."""
    request = Request(PooledClient(("127.0.0.1", 11211)))

    def handler(context: Any) -> None:
        local = context.trace.make_child("work", local=True, component_name="worker")
        with local, pytest.raises(MemcacheIllegalInputError):
            local.context.memcache.get("has space")

    request(handler)

    (local,) = request.recorder.server_spans[0].children
    assert [span.name for span in local.children] == ["memcache.get"]
