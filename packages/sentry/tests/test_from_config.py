"""Tests of error_reporter_from_config: the ``sentry.*`` settings, the DSN, the event filter
and the client's flush at exit (baseplate.diagnostics.sentry._from_config)."""

from __future__ import annotations

import json
import logging
import socket
import sys

import pytest
import sentry_sdk

from baseplate.config import ConfigurationError
from baseplate.core import RequestContext
from baseplate.diagnostics.sentry import EventFilter, error_reporter_from_config

WAIT = 10.0  # seconds; an upper bound on waits, never a measured limit


class IgnoredBaseError(Exception):
    pass


class ChildOfIgnoredError(IgnoredBaseError):
    pass


class ReportedError(Exception):
    pass


def test_envelope_goes_to_the_dsn_project_with_its_key(
    make_client, sentry_server, make_baseplate, failing_request, only_event
):
    """sentry-sdk posts to /api/<project>/envelope/ authenticated with the DSN's public key."""
    client = make_client()
    failing_request(make_baseplate(client), ValueError("x"))
    only_event(sentry_server, client)

    path, headers, envelope_headers, _ = sentry_server.envelopes()[0]
    assert path == "/api/42/envelope/"
    assert "sentry_key=publickey" in headers["x-sentry-auth"]
    assert "event_id" in envelope_headers


def test_environment_server_name_and_site(
    make_client, sentry_server, make_baseplate, failing_request, only_event
):
    """environment is sentry-sdk's; server_name stays the host name; site is the `site` tag."""
    client = make_client(environment="staging", site="canary")
    failing_request(make_baseplate(client), ValueError("x"))

    event = only_event(sentry_server, client)
    assert event["environment"] == "staging"
    assert socket.gethostname() == event["server_name"]
    assert event["tags"]["site"] == "canary"


def json_frame_in_app(event):
    frames = event["exception"]["values"][-1]["stacktrace"]["frames"]
    return {frame["module"]: frame.get("in_app") for frame in frames}


def parse_in_a_request(baseplate, text):
    """Run a request that fails to parse ``text`` as JSON (in frames of json.decoder)."""
    span = baseplate.make_server_span(RequestContext(), "parse")
    with pytest.raises(json.JSONDecodeError), span:
        json.loads(text)


def test_include_and_exclude_paths_mark_frames(
    make_client, sentry_server, make_baseplate, only_event
):
    """include_paths makes modules' frames in-app; exclude_paths makes them not."""
    client = make_client(include_paths="json", exclude_paths=__name__)
    parse_in_a_request(make_baseplate(client), "{not json")

    frames = json_frame_in_app(only_event(sentry_server, client))
    assert frames["json.decoder"] is True
    assert frames[__name__] is False


def test_module_name_package_is_in_app(make_client, sentry_server, make_baseplate, only_event):
    """The top-level package of module_name counts as application code."""
    client = make_client(module_name="json.decoder")
    assert client.options["in_app_include"][0] == "json"
    parse_in_a_request(make_baseplate(client), "[1,")
    frames = json_frame_in_app(only_event(sentry_server, client))
    assert frames["json.decoder"] is True


@pytest.mark.parametrize(
    ("setting", "ignored"),
    [
        ("nothing.Matches, builtins.KeyError", [KeyError]),
        ("nothing.Matches, KeyError", [KeyError]),
        ("nothing.Matches, builtins.Key*", [KeyError]),
        ("nothing.Matches, *.LookupError", [KeyError]),  # a base class of KeyError
        # A glob on a qualified application class name also ignores its subclasses.
        ("*.IgnoredBase*", [IgnoredBaseError, ChildOfIgnoredError]),
    ],
    ids=["builtins.KeyError", "KeyError", "builtins.Key*", "*.LookupError", "application-classes"],
)
def test_ignore_exceptions_matches_names_globs_and_bases(
    make_client, sentry_server, setting, ignored, make_baseplate, failing_request, only_event
):
    """An ignored exception is not sent; others still are."""
    client = make_client(ignore_exceptions=setting)
    baseplate = make_baseplate(client)
    for error in ignored:
        failing_request(baseplate, error("ignored"))
    failing_request(baseplate, ReportedError("sent"))

    event = only_event(sentry_server, client)
    assert event["exception"]["values"][0]["type"] == "ReportedError"


def test_sample_rate_zero_sends_nothing(
    make_client, sentry_server, make_baseplate, failing_request
):
    """With sample_rate 0% no event is sent."""
    client = make_client(sample_rate="0%")
    baseplate = make_baseplate(client)
    for _ in range(5):
        failing_request(baseplate, ValueError("x"))
    client.flush(timeout=WAIT)
    assert sentry_server.events() == []


@pytest.mark.parametrize(("text", "expected"), [("37%", 0.37), ("0.25", 0.25), ("1", 1.0)])
def test_sample_rate_accepts_percent_or_fraction(make_client, text, expected):
    """sample_rate is a percentage or a fraction, passed to sentry-sdk as a fraction."""
    assert expected == pytest.approx(make_client(sample_rate=text).options["sample_rate"])


@pytest.mark.parametrize("text", ["37", "-0.1", "150%", "half"])
def test_sample_rate_rejects_bad_values(text):
    """A sample rate outside [0, 1] or not a number is a configuration error naming the key."""
    with pytest.raises(ConfigurationError, match=r"^sentry\.sample_rate: "):
        error_reporter_from_config({"sentry.sample_rate": text}, "app", environ={})


@pytest.fixture
def processors_module(tmp_path, monkeypatch):
    """An importable module of processors, written for the test."""
    (tmp_path / "sentry_test_processors.py").write_text(
        "def mark(event, hint):\n"
        "    event.setdefault('tags', {})['processed'] = 'yes'\n"
        "    return event\n"
        "def drop_messages(event, hint):\n"
        "    return None if event.get('message') else event\n"
        "def explode(event, hint):\n"
        "    raise RuntimeError('processor bug')\n"
        "class Klass:\n"
        "    pass\n"
        "NUMBER = 3\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "sentry_test_processors", raising=False)
    yield "sentry_test_processors"
    sys.modules.pop("sentry_test_processors", None)


def test_processors_modify_and_drop_events(
    make_client, sentry_server, processors_module, make_baseplate, only_event
):
    """Processors run in order; one can change the event, another can drop it."""
    client = make_client(processors=f"{processors_module}.mark, {processors_module}:drop_messages")
    context = RequestContext()
    with make_baseplate(client).make_server_span(context, "p"):
        context.sentry.capture_message("dropped by the processor")
        context.sentry.capture_exception(ReportedError("kept"))

    event = only_event(sentry_server, client)
    assert event["exception"]["values"][0]["type"] == "ReportedError"
    assert event["tags"]["processed"] == "yes"


def test_failing_processor_drops_the_event_and_logs(
    make_client, sentry_server, processors_module, caplog, make_baseplate, failing_request
):
    """A processor that raises is logged by name and its event is not sent."""
    client = make_client(processors=f"{processors_module}.explode")
    with caplog.at_level(logging.ERROR, logger="baseplate.diagnostics.sentry"):
        failing_request(make_baseplate(client), ValueError("x"))
        client.flush(timeout=WAIT)
    assert sentry_server.events() == []
    assert f"Sentry processor {processors_module}.explode raised" in caplog.text


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("no_such_module_here.process", r"cannot import 'no_such_module_here\.process'"),
        ("raven.processors.SanitizePasswordsProcessor", r"cannot import 'raven\.processors"),
        ("json.no_such_function", r"cannot import 'json\.no_such_function'"),
        ("sentry_test_processors.Klass", r"is a class; sentry-sdk has no processor classes"),
        ("sentry_test_processors.NUMBER", r"is not callable"),
    ],
)
def test_bad_processor_is_a_configuration_error(processors_module, path, message):
    """A processor path that does not name an importable function names sentry.processors."""
    with pytest.raises(ConfigurationError, match=r"^sentry\.processors: .*" + message):
        error_reporter_from_config({"sentry.processors": path}, "app", environ={})


def test_import_error_inside_a_processor_module_propagates(tmp_path, monkeypatch):
    """A processor module that exists but fails to import is its bug, not a bad setting."""
    (tmp_path / "sentry_test_broken_processors.py").write_text("import not_installed_dep_xyz\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "sentry_test_broken_processors", raising=False)
    with pytest.raises(ModuleNotFoundError, match="not_installed_dep_xyz"):
        error_reporter_from_config(
            {"sentry.processors": "sentry_test_broken_processors.scrub"}, "app", environ={}
        )


def test_bad_exception_pattern_is_a_configuration_error():
    """An ignore_exceptions entry with spaces inside cannot be a class name."""
    with pytest.raises(ConfigurationError, match=r"^sentry\.ignore_exceptions: "):
        error_reporter_from_config({"sentry.ignore_exceptions": "my app.Error"}, "app", environ={})


def test_blank_dsn_discards_even_with_sentry_dsn_set(
    sentry_server, clients, make_baseplate, failing_request
):
    """A blank sentry.dsn gives a client with no transport: nothing reaches any server."""
    client = error_reporter_from_config(
        {"sentry.dsn": ""}, "app", environ={"SENTRY_DSN": sentry_server.dsn}
    )
    clients.append(client)
    assert client.transport is None
    failing_request(make_baseplate(client), ValueError("x"))
    client.flush(timeout=WAIT)
    assert sentry_server.requests == []


def test_absent_dsn_falls_back_to_sentry_dsn(
    sentry_server, clients, make_baseplate, failing_request, only_event
):
    """Without a sentry.dsn key, the SENTRY_DSN environment variable is used."""
    client = error_reporter_from_config({}, "app", environ={"SENTRY_DSN": sentry_server.dsn})
    clients.append(client)
    failing_request(make_baseplate(client), ValueError("via env"))
    assert only_event(sentry_server, client)["exception"]["values"][0]["value"] == "via env"


def test_absent_dsn_without_environment_discards(clients):
    """With neither sentry.dsn nor SENTRY_DSN, events are discarded."""
    client = error_reporter_from_config({}, "app", environ={})
    clients.append(client)
    assert client.transport is None


@pytest.mark.parametrize(
    ("raw", "environ", "key"),
    [
        ({"sentry.dsn": "ftp://key@example.com/1"}, {}, "sentry.dsn"),
        ({"sentry.dsn": "https://example.com/1"}, {}, "sentry.dsn"),
        ({}, {"SENTRY_DSN": "https://secretkey@example.com/notaproject"}, "SENTRY_DSN"),
    ],
)
def test_bad_dsn_is_a_configuration_error(raw, environ, key):
    """A malformed DSN names its key and does not echo the DSN (it holds the project key)."""
    with pytest.raises(ConfigurationError, match=f"^{key}: not a valid Sentry DSN") as info:
        error_reporter_from_config(raw, "app", environ=environ)
    assert "secretkey" not in str(info.value)
    assert "key@" not in str(info.value)


def test_client_is_not_installed_globally(make_client):
    """Configuring a reporter leaves sentry-sdk's global client alone."""
    make_client()
    assert not sentry_sdk.get_client().is_active()


def test_event_filter_repr_names_its_parts():
    """EventFilter's repr shows its patterns, site and processor names (for debugging)."""
    event_filter = EventFilter(["a.*"], "canary", [("pkg.fn", lambda e, h: e)])
    assert (
        repr(event_filter)
    ) == "EventFilter(ignore_exceptions=['a.*'], site='canary', processors=['pkg.fn'])"


def test_events_still_queued_at_exit_are_sent(sentry_server):
    """A process that exits normally sends the events its client still holds."""
    import subprocess
    import textwrap

    script = textwrap.dedent(
        f"""
        from baseplate.diagnostics.sentry import error_reporter_from_config

        client = error_reporter_from_config({{"sentry.dsn": {sentry_server.dsn!r}}}, "someapp")
        client.capture_event({{"message": "goodbye", "level": "error"}})
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=30)
    (event,) = sentry_server.events()
    assert event["message"] == "goodbye"
