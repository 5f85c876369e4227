"""Baseplate.configure_observers with the real observer distributions installed.

The suite's test environment is the one place holding every distribution, so this is where
core's one-call setup is checked against the real metrics, tracing and sentry packages.
"""

from __future__ import annotations

import socket

import pytest

from baseplate.core import Baseplate, RequestContext, TraceInfo
from baseplate.diagnostics.logging import LoggingBaseplateObserver
from baseplate.diagnostics.metrics import MetricsBaseplateObserver
from baseplate.diagnostics.sentry import SentryBaseplateObserver
from baseplate.diagnostics.tracing import TraceBaseplateObserver


@pytest.fixture
def statsd():
    """A real UDP socket standing in for statsd."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(5)
    yield sock
    sock.close()


def test_configure_observers_installs_each_configured_observer(statsd):
    """Logging, metrics, tracing and error reporting are installed from their keys, in order."""
    host, port = statsd.getsockname()
    baseplate = Baseplate()
    baseplate.configure_observers(
        {
            "metrics.namespace": "myservice",
            "metrics.endpoint": f"{host}:{port}",
            "tracing.service_name": "myservice",
            "tracing.sample_rate": "100%",
            "sentry.dsn": "",
        },
        __name__,
    )
    assert [type(o) for o in baseplate.observers] == [
        LoggingBaseplateObserver,
        MetricsBaseplateObserver,
        TraceBaseplateObserver,
        SentryBaseplateObserver,
    ]
    assert baseplate.metrics_client is not None

    context = RequestContext()
    span = baseplate.make_server_span(context, "get_thing", TraceInfo(1, None, 1, None, None))
    with span:
        assert context.metrics is not None
        assert context.sentry is not None
        with span.make_child("db.query"):
            pass
    lines = statsd.recv(65536).decode().split("\n")
    names = sorted(line.split(":")[0] for line in lines)
    assert names == [
        "myservice.clients.db.query",
        "myservice.clients.db.query.success",
        "myservice.server.get_thing",
        "myservice.server.get_thing.success",
    ]


def test_configure_observers_only_installs_what_is_configured(monkeypatch):
    """Without metrics, tracing or sentry keys, only logging is installed."""
    monkeypatch.delenv("SENTRY_DSN", raising=False)
    baseplate = Baseplate()
    baseplate.configure_observers({"some.setting": "1"})
    assert [type(o) for o in baseplate.observers] == [LoggingBaseplateObserver]
    assert baseplate.metrics_client is None


def test_sentry_dsn_in_the_environment_installs_error_reporting(monkeypatch):
    """SENTRY_DSN alone turns error reporting on, as error_reporter_from_config reads it."""
    monkeypatch.setenv("SENTRY_DSN", "http://public@127.0.0.1:9/1")
    baseplate = Baseplate()
    baseplate.configure_observers({"some.setting": "1"})
    assert [type(o) for o in baseplate.observers] == [
        LoggingBaseplateObserver,
        SentryBaseplateObserver,
    ]
    (_, reporting) = baseplate.observers
    assert reporting.client.dsn == "http://public@127.0.0.1:9/1"


def test_configure_observers_reports_bad_values_by_key():
    """A bad value in a configured observer's keys names the key."""
    from baseplate.config import ConfigurationError

    with pytest.raises(ConfigurationError, match=r"metrics\.endpoint"):
        Baseplate().configure_observers({"metrics.namespace": "x", "metrics.endpoint": "nope"})
