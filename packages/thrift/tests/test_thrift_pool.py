"""Tests for baseplate.thrift_pool against a real Thrift server on a real socket."""

from __future__ import annotations

import contextlib
import datetime
import logging
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from baseplate_thrift_testgen import TestService
from baseplate_thrift_testgen.ttypes import ExpectedException
from thrift.protocol.TBinaryProtocol import TBinaryProtocolFactory
from thrift.transport.TTransport import TTransportException

from baseplate.config import ConfigurationError, Endpoint, EndpointConfiguration
from baseplate.thrift_pool import ThriftConnectionPool, thrift_pool_from_config

SLOT_TIMEOUT_MESSAGE = "timed out waiting for a connection slot"


class Interrupted(BaseException):
    """Stands in for a BaseException such as gevent.Timeout or KeyboardInterrupt."""


def call_example(pool: ThriftConnectionPool, x: int = 21) -> int:
    with pool.connection() as protocol:
        result: int = TestService.Client(protocol).example(x)
        return result


def assert_all_slots_usable(pool: ThriftConnectionPool) -> None:
    """Hold every slot at once, use each, and check that there is no extra slot."""
    with contextlib.ExitStack() as stack:
        protocols = [stack.enter_context(pool.connection()) for _ in range(pool.size)]
        for protocol in protocols:
            assert TestService.Client(protocol).example(5) == 10
        with pytest.raises(TTransportException, match=SLOT_TIMEOUT_MESSAGE):
            stack.enter_context(pool.connection())


@pytest.mark.integration
def test_connection_yields_a_working_protocol(downstream: Callable[..., Any]) -> None:
    """A client built on the pooled protocol talks to the server."""
    service = downstream()
    pool = ThriftConnectionPool(service.server.endpoint)

    assert call_example(pool) == 42


@pytest.mark.integration
def test_endpoint_address_may_be_a_plain_tuple(downstream: Callable[..., Any]) -> None:
    """An EndpointConfiguration holds "a two-tuple of host and port": a plain tuple works too."""
    service = downstream()
    family, address = service.server.endpoint
    plain = EndpointConfiguration(family, (address.host, address.port))
    pool = ThriftConnectionPool(plain)

    assert call_example(pool) == 42
    assert f"{address.host}:{address.port}" in repr(pool)


@pytest.mark.integration
def test_connections_are_reused(downstream: Callable[..., Any]) -> None:
    """Sequential uses of the pool share one connection."""
    service = downstream()
    pool = ThriftConnectionPool(service.server.endpoint, max_age=60)

    for x in range(2, 6):
        assert call_example(pool, x) == 2 * x

    assert service.server.accepted == 1


@pytest.mark.integration
def test_old_connections_are_recycled(downstream: Callable[..., Any]) -> None:
    """A connection older than max_age is replaced when next taken from the pool."""
    service = downstream()
    pool = ThriftConnectionPool(service.server.endpoint, max_age=0.05)

    call_example(pool)
    time.sleep(0.1)
    call_example(pool)

    assert service.server.accepted == 2


@pytest.mark.integration
def test_connection_closed_by_server_is_replaced(downstream: Callable[..., Any]) -> None:
    """A pooled connection the server has closed is noticed and replaced, not used."""
    service = downstream()
    pool = ThriftConnectionPool(service.server.endpoint)
    call_example(pool)

    service.server.drop_connections()

    assert call_example(pool) == 42
    assert service.server.accepted == 2


def test_connection_with_bytes_no_call_asked_for_is_replaced() -> None:
    """A pooled connection on which the server sent something between calls is replaced,
    not handed out: only an answer to a call may come from the server."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []

    def accept() -> None:
        for _ in range(2):
            conn, _ = listener.accept()
            accepted.append(conn)
            conn.sendall(b"x")

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    endpoint = EndpointConfiguration(socket.AF_INET, listener.getsockname())
    pool = ThriftConnectionPool(endpoint, size=1)
    try:
        with pool.connection():
            pass
        deadline = time.monotonic() + 5
        while not accepted and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.05)  # the stray byte has arrived
        with pool.connection():
            pass
        acceptor.join(5)
        assert len(accepted) == 2
    finally:
        for conn in accepted:
            conn.close()
        listener.close()


@pytest.mark.integration
def test_declared_exception_keeps_the_connection(downstream: Callable[..., Any]) -> None:
    """Leaving the block by an IDL exception returns the connection for reuse."""
    service = downstream()
    pool = ThriftConnectionPool(service.server.endpoint, size=1)

    for _ in range(3):
        with pytest.raises(ExpectedException):
            call_example(pool, -1)
    call_example(pool)

    assert service.server.accepted == 1


@pytest.mark.integration
def test_unexpected_exception_closes_the_connection(downstream: Callable[..., Any]) -> None:
    """Leaving the block by any other exception closes the connection but keeps the slot."""
    service = downstream()
    pool = ThriftConnectionPool(service.server.endpoint, size=2, timeout=0.2)

    def use_then_fail() -> None:
        with pool.connection() as protocol:
            TestService.Client(protocol).example(3)
            raise RuntimeError("bug in the caller")

    for _ in range(10):
        with pytest.raises(RuntimeError, match="bug in the caller"):
            use_then_fail()

    assert service.server.accepted == 10
    assert_all_slots_usable(pool)


@pytest.mark.integration
def test_base_exception_returns_the_slot(downstream: Callable[..., Any]) -> None:
    """Even a BaseException (a gevent timeout, Ctrl-C) leaving the block returns the slot."""
    service = downstream()
    pool = ThriftConnectionPool(service.server.endpoint, size=2, timeout=0.2)

    for _ in range(10):
        with pytest.raises(Interrupted), pool.connection():
            raise Interrupted()

    assert_all_slots_usable(pool)


@pytest.mark.integration
def test_socket_timeout_becomes_timed_out(downstream: Callable[..., Any]) -> None:
    """A socket.timeout escaping the block is a TTransportException(TIMED_OUT)."""
    service = downstream()
    pool = ThriftConnectionPool(service.server.endpoint)

    with pytest.raises(TTransportException) as info, pool.connection():
        raise TimeoutError("timed out")

    assert info.value.type == TTransportException.TIMED_OUT
    assert isinstance(info.value.__cause__, socket.timeout)


@pytest.mark.integration
def test_socket_error_becomes_unknown(downstream: Callable[..., Any]) -> None:
    """Another OSError escaping the block is a TTransportException(UNKNOWN)."""
    service = downstream()
    pool = ThriftConnectionPool(service.server.endpoint)

    with pytest.raises(TTransportException) as info, pool.connection():
        raise ConnectionResetError("reset by peer")

    assert info.value.type == TTransportException.UNKNOWN


@pytest.mark.integration
def test_slow_call_times_out_and_frees_the_slot(downstream: Callable[..., Any]) -> None:
    """A call slower than timeout fails with TIMED_OUT; the slot survives, many times over."""
    service = downstream()
    pool = ThriftConnectionPool(service.server.endpoint, size=2, timeout=0.1)

    for _ in range(6):
        with pytest.raises(TTransportException) as info, pool.connection() as protocol:
            TestService.Client(protocol).wait(250)
        assert info.value.type == TTransportException.TIMED_OUT

    assert_all_slots_usable(pool)


@pytest.mark.integration
def test_exhausted_slots_time_out(downstream: Callable[..., Any]) -> None:
    """With every slot in use, acquiring waits up to timeout and then fails with NOT_OPEN."""
    service = downstream()
    pool = ThriftConnectionPool(service.server.endpoint, size=1, timeout=0.1)

    with (
        pool.connection(),
        pytest.raises(TTransportException, match=SLOT_TIMEOUT_MESSAGE) as info,
        pool.connection(),
    ):
        pass

    assert info.value.type == TTransportException.NOT_OPEN
    assert call_example(pool) == 42


@pytest.mark.integration
def test_failed_connects_never_leak_slots(
    bound_listener: socket.socket,
    serve_thrift: Callable[..., Any],
    downstream: Callable[..., Any],
) -> None:
    """Connection failures, many times more than the pool size, all give their slot back.

    The endpoint refuses connections at first; once it starts listening, every slot of the
    pool can be held and used at once.
    """
    host, port = bound_listener.getsockname()
    pool = ThriftConnectionPool(Endpoint(f"{host}:{port}"), size=2, timeout=0.5, max_retries=2)

    for _ in range(20):
        with pytest.raises(TTransportException, match="giving up after 2 attempt") as info:
            call_example(pool)
        assert info.value.type == TTransportException.NOT_OPEN

    service = downstream()
    serve_thrift(service.processor, listener=bound_listener)

    assert_all_slots_usable(pool)


@pytest.mark.integration
def test_connect_is_attempted_max_retries_times(
    bound_listener: socket.socket, caplog: pytest.LogCaptureFixture
) -> None:
    """Opening a connection is tried max_retries times before the pool gives up."""
    host, port = bound_listener.getsockname()
    pool = ThriftConnectionPool(Endpoint(f"{host}:{port}"), max_retries=3)
    caplog.set_level(logging.DEBUG, logger="baseplate.thrift_pool")

    with pytest.raises(TTransportException, match=f"giving up after 3 attempt.*{port}"):
        call_example(pool)

    attempts = [r.getMessage() for r in caplog.records if "connection attempt" in r.getMessage()]
    expected = 3
    assert expected == len(attempts), attempts


@pytest.mark.integration
def test_unix_socket_endpoint(
    tmp_path: Any, serve_thrift: Callable[..., Any], downstream: Callable[..., Any]
) -> None:
    """A UNIX domain socket endpoint works like a TCP one."""
    path = str(tmp_path / "service.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    service = downstream()
    serve_thrift(service.processor, listener=listener)

    pool = ThriftConnectionPool(Endpoint(path))

    assert call_example(pool) == 42


@pytest.mark.integration
def test_other_protocol_factory(downstream: Callable[..., Any]) -> None:
    """protocol_factory chooses the protocol, e.g. plain binary for non-THeader services."""
    service = downstream()
    pool = ThriftConnectionPool(service.server.endpoint, protocol_factory=TBinaryProtocolFactory())

    with pool.connection() as protocol:
        assert not hasattr(protocol, "set_header")
        assert TestService.Client(protocol).example(8) == 16


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"size": 0}, "size must be a positive integer, got 0"),
        ({"max_retries": 0}, "max_retries must be a positive integer, got 0"),
        ({"max_age": 0}, "max_age must be positive, got 0"),
        ({"timeout": datetime.timedelta(0)}, "timeout must be positive"),
    ],
)
def test_invalid_arguments_are_refused(kwargs: dict[str, Any], message: str) -> None:
    """Bad pool settings are refused at construction, naming the argument and value."""
    with pytest.raises(ValueError, match=message):
        ThriftConnectionPool(Endpoint("127.0.0.1:9090"), **kwargs)


def test_endpoint_must_be_an_endpoint_configuration() -> None:
    """A bare (host, port) tuple is refused with a pointer to baseplate.config.Endpoint."""
    with pytest.raises(TypeError, match="EndpointConfiguration"):
        ThriftConnectionPool(("127.0.0.1", 9090))  # type: ignore[arg-type]


def test_timedeltas_are_accepted() -> None:
    """max_age and timeout may be timedeltas (as Timespan parses them)."""
    pool = ThriftConnectionPool(
        Endpoint("127.0.0.1:9090"),
        max_age=datetime.timedelta(minutes=2),
        timeout=datetime.timedelta(milliseconds=250),
    )

    expected = (120.0, 0.25)
    assert expected == (pool.max_age, pool.timeout)


def test_from_config_defaults() -> None:
    """Only the endpoint is required; the other keys have the documented defaults."""
    pool = thrift_pool_from_config(
        {"example_service.endpoint": "localhost:9090"}, "example_service."
    )

    expected = (Endpoint("localhost:9090"), 10, 60.0, 1.0, 3)
    assert expected == (pool.endpoint, pool.size, pool.max_age, pool.timeout, pool.max_retries)


def test_from_config_reads_every_key() -> None:
    """Each prefixed key maps to the constructor argument of the same name."""
    pool = thrift_pool_from_config(
        {
            "example_service.endpoint": "/run/example.sock",
            "example_service.size": "4",
            "example_service.max_age": "30 seconds",
            "example_service.timeout": "250 milliseconds",
            "example_service.max_retries": "5",
            "other.size": "99",
        },
        "example_service.",
    )

    assert isinstance(pool.endpoint, EndpointConfiguration)
    expected = (socket.AF_UNIX, "/run/example.sock", 4, 30.0, 0.25, 5)
    assert expected == (
        pool.endpoint.family,
        pool.endpoint.address,
        pool.size,
        pool.max_age,
        pool.timeout,
        pool.max_retries,
    )


def test_from_config_keyword_arguments_win() -> None:
    """Keyword arguments override the configuration, which is then not read for that key."""
    pool = thrift_pool_from_config(
        {"svc.endpoint": "localhost:9090", "svc.size": "not a number", "svc.timeout": "5 seconds"},
        "svc.",
        size=2,
        timeout=0.5,
    )

    expected = (2, 0.5)
    assert expected == (pool.size, pool.timeout)


def test_from_config_missing_endpoint_names_the_full_key() -> None:
    """A missing endpoint is a ConfigurationError naming the prefixed key."""
    with pytest.raises(ConfigurationError, match=r"^example_service\.endpoint: "):
        thrift_pool_from_config({}, "example_service.")


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("size", "0"),
        ("size", "ten"),
        ("max_age", "0 seconds"),
        ("timeout", "soon"),
        ("max_retries", "0"),
    ],
)
def test_from_config_bad_values_name_the_full_key(key: str, value: str) -> None:
    """A bad value is a ConfigurationError naming the prefixed key."""
    raw = {"a.b.endpoint": "localhost:9090", f"a.b.{key}": value}

    with pytest.raises(ConfigurationError) as info:
        thrift_pool_from_config(raw, "a.b.")

    expected = f"a.b.{key}"
    assert expected == info.value.key


@pytest.mark.integration
def test_pool_from_config_talks_to_the_server(downstream: Callable[..., Any]) -> None:
    """A pool made from configuration reaches the configured endpoint."""
    service = downstream()
    address = service.server.endpoint.address
    pool = thrift_pool_from_config(
        {"example.endpoint": f"{address.host}:{address.port}", "example.timeout": "2 seconds"},
        "example.",
    )

    assert call_example(pool) == 42
