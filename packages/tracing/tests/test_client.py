"""Tests of TracingClient, make_client and tracing_client_from_config."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from baseplate.config import ConfigurationError
from baseplate.diagnostics.tracing import (
    LoggingRecorder,
    NullRecorder,
    RemoteRecorder,
    SidecarRecorder,
    TracingClient,
    make_client,
    tracing_client_from_config,
)
from baseplate.message_queue import MessageQueue


def test_minimal_configuration_logs_spans() -> None:
    """Only service_name is required; without a destination spans are logged, 10% sampled."""
    client = tracing_client_from_config({"tracing.service_name": "my_service"})
    assert client.service_name == "my_service"
    assert client.sample_rate == 0.1
    assert isinstance(client.recorder, LoggingRecorder)


def test_unconfigured_client_can_discard_silently() -> None:
    """log_if_unconfigured=False picks the recorder that discards spans."""
    client = tracing_client_from_config(
        {"tracing.service_name": "my_service"}, log_if_unconfigured=False
    )
    assert isinstance(client.recorder, NullRecorder)


def test_w3c_tracecontext_key_turns_it_on_for_the_integrations() -> None:
    """tracing.w3c_tracecontext = true reaches Baseplate.w3c_tracecontext via configure_tracing."""
    from baseplate.core import Baseplate

    plain = Baseplate()
    plain.configure_tracing(tracing_client_from_config({"tracing.service_name": "s"}))
    assert plain.w3c_tracecontext is False
    client = tracing_client_from_config(
        {"tracing.service_name": "s", "tracing.w3c_tracecontext": "true"}
    )
    assert client.w3c_tracecontext is True
    baseplate = Baseplate()
    baseplate.configure_tracing(client)
    assert baseplate.w3c_tracecontext is True


def test_w3c_tracecontext_must_be_a_bool() -> None:
    """TracingClient refuses a w3c_tracecontext that is not a bool (a "false" string, say)."""
    with pytest.raises(TypeError, match="w3c_tracecontext must be a bool, got 'false'"):
        TracingClient("s", 0.1, NullRecorder(), w3c_tracecontext="false")  # type: ignore[arg-type]


def test_bad_w3c_tracecontext_names_the_key() -> None:
    """A value that is not a boolean is a ConfigurationError naming the key."""
    with pytest.raises(ConfigurationError, match=r"^tracing\.w3c_tracecontext: "):
        tracing_client_from_config({"tracing.service_name": "s", "tracing.w3c_tracecontext": "1"})


def test_service_name_is_required() -> None:
    """A missing tracing.service_name is a ConfigurationError naming the key."""
    with pytest.raises(ConfigurationError, match=r"^tracing\.service_name: "):
        tracing_client_from_config({})


@pytest.mark.parametrize(
    ("text", "expected"), [("37%", 0.37), ("0.25", 0.25), ("100%", 1.0), ("0", 0.0)]
)
def test_sample_rate_accepts_percentages_and_fractions(text: str, expected: float) -> None:
    """tracing.sample_rate is a Percent ("37%") or a Float ("0.25")."""
    client = tracing_client_from_config({"tracing.service_name": "s", "tracing.sample_rate": text})
    assert client.sample_rate == pytest.approx(expected)


@pytest.mark.parametrize("text", ["150%", "1.5", "-0.1", "often"])
def test_bad_sample_rates_are_rejected_with_the_key(text: str) -> None:
    """A sample rate outside 0-100% (or not a number) names tracing.sample_rate."""
    with pytest.raises(ConfigurationError, match=r"^tracing\.sample_rate: "):
        tracing_client_from_config({"tracing.service_name": "s", "tracing.sample_rate": text})


def remote_settings(raw: dict[str, str]) -> tuple[str, int, int, float, int]:
    """The URL, queue size, workers, batch interval and connections of the RemoteRecorder
    that ``raw`` (with a service name) configures."""
    recorder = tracing_client_from_config({"tracing.service_name": "s", **raw}).recorder
    assert isinstance(recorder, RemoteRecorder)
    return (
        recorder.url,
        recorder.max_queue_size,
        recorder.num_workers,
        recorder.batch_interval,
        recorder.num_conns,
    )


def test_endpoint_selects_the_remote_recorder_with_its_settings() -> None:
    """tracing.endpoint makes a RemoteRecorder posting to http://<endpoint>/api/v1/spans."""
    settings = remote_settings(
        {
            "tracing.endpoint": "127.0.0.1:9411",
            "tracing.max_span_queue_size": "7",
            "tracing.num_span_workers": "2",
            "tracing.span_batch_interval": "250 milliseconds",
            "tracing.num_conns": "3",
        }
    )
    assert settings == ("http://127.0.0.1:9411/api/v1/spans", 7, 2, 0.25, 3)


def test_remote_recorder_defaults() -> None:
    """The remote recorder's defaults: 50000 spans, 5 workers, 0.5 s, 100 connections."""
    settings = remote_settings({"tracing.endpoint": "localhost:9411"})
    assert settings == ("http://localhost:9411/api/v1/spans", 50000, 5, 0.5, 100)


@pytest.mark.parametrize(("text", "expected"), [("2 seconds", 2.0), ("0.1", 0.1)])
def test_span_batch_interval_accepts_timespans_and_seconds(text: str, expected: float) -> None:
    """tracing.span_batch_interval is a Timespan or a number of seconds."""
    settings = remote_settings(
        {"tracing.endpoint": "localhost:9411", "tracing.span_batch_interval": text}
    )
    assert settings[3] == expected


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("tracing.max_span_queue_size", "0"),
        ("tracing.num_span_workers", "-1"),
        ("tracing.num_conns", "many"),
        ("tracing.span_batch_interval", "0 seconds"),
        ("tracing.endpoint", "/run/zipkin.sock"),
        ("tracing.endpoint", "no-port"),
    ],
)
def test_bad_remote_settings_name_their_key(key: str, value: str) -> None:
    """Every bad value is reported at startup as a ConfigurationError naming its key."""
    raw = {"tracing.service_name": "s", "tracing.endpoint": "localhost:9411", key: value}
    with pytest.raises(ConfigurationError, match=f"^{key.replace('.', '[.]')}: "):
        tracing_client_from_config(raw)


def test_queue_name_selects_the_sidecar_recorder(
    trace_queue: Callable[..., MessageQueue],
) -> None:
    """tracing.queue_name makes a SidecarRecorder on /traces-<queue_name>, even with an endpoint."""
    existing = trace_queue()
    name = existing.name.removeprefix("/traces-")
    client = tracing_client_from_config(
        {
            "tracing.service_name": "s",
            "tracing.queue_name": name,
            "tracing.endpoint": "localhost:9411",
        }
    )
    recorder = client.recorder
    assert isinstance(recorder, SidecarRecorder)
    assert recorder.queue.name == f"/traces-{name}"
    recorder.shutdown()


def test_make_client_defaults() -> None:
    """make_client's defaults: 10% sampling and a logging recorder."""
    client = make_client("my_service")
    assert (client.sample_rate, type(client.recorder)) == (0.1, LoggingRecorder)
    assert isinstance(make_client("s", log_if_unconfigured=False).recorder, NullRecorder)


def test_make_client_accepts_an_endpoint_string() -> None:
    """tracing_endpoint may be given as a host:port string."""
    client = make_client("s", tracing_endpoint="[::1]:9411")
    assert isinstance(client.recorder, RemoteRecorder)
    assert client.recorder.url == "http://[::1]:9411/api/v1/spans"


@pytest.mark.parametrize("rate", [-0.1, 1.01, True, "0.5"])
def test_tracing_client_rejects_bad_sample_rates(rate: object) -> None:
    """TracingClient's sample_rate is a fraction from 0 to 1."""
    with pytest.raises(ValueError, match=r"sample_rate must be a fraction from 0\.0 to 1\.0"):
        TracingClient("s", rate, NullRecorder())  # type: ignore[arg-type]


def test_tracing_client_requires_a_service_name() -> None:
    """An empty service name is rejected."""
    with pytest.raises(ValueError, match="service_name must be a non-empty str"):
        TracingClient("", 0.5, NullRecorder())


def test_tracing_client_endpoint_names_the_service() -> None:
    """The endpoint attached to annotations carries the service name and an IPv4 address."""
    client = TracingClient("my_service", 0.5, NullRecorder())
    assert client.endpoint.service_name == "my_service"
    assert set(client.endpoint.to_dict()) == {"serviceName", "ipv4"}
