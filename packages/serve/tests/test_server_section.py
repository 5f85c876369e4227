"""Tests for parsing the ``[server:NAME]`` section (baseplate.server._server_section)."""

from __future__ import annotations

import pytest

from baseplate.config import ConfigurationError
from baseplate.server import MonitoringConfig, ServerSection, parse_server_section


def test_defaults_of_an_empty_section():
    """Every key is optional: no limit, no stop timeout or drain, the default reporters."""
    assert ServerSection(
        factory="",
        drain_time=0.0,
        monitoring=MonitoringConfig(
            concurrency=True, gc_stats=True, gc_timing=False, blocked_hub=None
        ),
        max_concurrency=None,
        stop_timeout=0.0,
        handler=None,
    ) == parse_server_section({})


def test_every_key_is_read():
    """Spans of time become seconds; keys Baseplate does not know are left alone."""
    section = parse_server_section(
        {
            "factory": "baseplate.server.wsgi",
            "drain_time": "5 seconds",
            "monitoring.concurrency": "false",
            "monitoring.gc.stats": "false",
            "monitoring.gc.timing": "true",
            "monitoring.blocked_hub": "100 milliseconds",
            "max_concurrency": "1000",
            "stop_timeout": "1 minute",
            "handler": "my_service.http.Handler",
            "something.else": "for the server factory",
        }
    )
    assert (
        ServerSection(
            factory="baseplate.server.wsgi",
            drain_time=5.0,
            monitoring=MonitoringConfig(
                concurrency=False, gc_stats=False, gc_timing=True, blocked_hub=0.1
            ),
            max_concurrency=1000,
            stop_timeout=60.0,
            handler="my_service.http.Handler",
        )
        == section
    )


def test_stop_timeout_also_takes_a_number_of_seconds():
    """Older files write stop_timeout as a plain number of seconds."""
    assert parse_server_section({"stop_timeout": "2.5"}).stop_timeout == 2.5


def test_the_result_is_immutable():
    """The parsed section cannot be changed after startup."""
    section = parse_server_section({})
    with pytest.raises(AttributeError):
        section.drain_time = 1.0  # type: ignore[misc]
    with pytest.raises(AttributeError):
        section.monitoring.gc_timing = True  # type: ignore[misc]


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ({"monitoring.gc.timing": "yes"}, r"^monitoring\.gc\.timing: expected 'true' or 'false'"),
        ({"monitoring.blocked_hub": "100"}, r"^monitoring\.blocked_hub: "),
        ({"drain_time": "5"}, r"^drain_time: expected a span of time"),
        (
            {"max_concurrency": "0"},
            "^max_concurrency: expected a whole number of at least 1, got '0'",
        ),
        ({"stop_timeout": "-3"}, r"^stop_timeout: "),
    ],
)
def test_bad_values_name_the_key(keys, message):
    """A bad value is a ConfigurationError naming the full key."""
    with pytest.raises(ConfigurationError, match=message):
        parse_server_section(keys)


def test_network_limits_have_documented_defaults():
    """16 MiB frames and a 30 s read timeout unless the section says otherwise."""
    section = parse_server_section({})
    assert (section.max_frame_size, section.read_timeout) == (16 * 1024 * 1024, 30.0)


def test_network_limits_are_read():
    """max_frame_size is a number of bytes; read_timeout a span of time, 0 for no limit."""
    section = parse_server_section({"max_frame_size": "1024", "read_timeout": "2 seconds"})
    assert (section.max_frame_size, section.read_timeout) == (1024, 2.0)
    assert parse_server_section({"read_timeout": "0"}).read_timeout is None


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ({"max_frame_size": "0"}, "^max_frame_size: expected a whole number of at least 1"),
        ({"max_frame_size": "16MiB"}, "^max_frame_size: "),
        (
            {"max_frame_size": str(2**30)},
            "^max_frame_size: expected a number of bytes of at most 1073741822, got 1073741824",
        ),
        ({"read_timeout": "soon"}, "^read_timeout: "),
    ],
)
def test_bad_network_limits_name_the_key(keys, message):
    """A bad limit is a ConfigurationError naming the key and the value."""
    with pytest.raises(ConfigurationError, match=message):
        parse_server_section(keys)
