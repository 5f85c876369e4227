"""Tests for the process-wide serving state and health probes (baseplate.server._state)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from baseplate.server import Probe, ServerState, reset_state, set_state, state


@pytest.fixture(autouse=True)
def _clean_state() -> Iterator[None]:
    reset_state()
    yield
    reset_state()


def test_probe_numbers_match_the_thrift_idl():
    """Probe values are IsHealthyProbe's: READINESS=1, LIVENESS=2, STARTUP=3."""
    assert (Probe.READINESS, Probe.LIVENESS, Probe.STARTUP) == (1, 2, 3)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("readiness", Probe.READINESS),
        ("LIVENESS", Probe.LIVENESS),
        ("Startup", Probe.STARTUP),
        ("1", Probe.READINESS),
        ("2", Probe.LIVENESS),
        (" 3 ", Probe.STARTUP),
    ],
)
def test_probe_parse_accepts_names_and_numbers(text, expected):
    """A probe is given by name, in any case, or by number."""
    assert expected is Probe.parse(text)


@pytest.mark.parametrize("text", ["", "4", "0", "ready", "-1"])
def test_probe_parse_rejects_others_listing_the_accepted(text):
    """An unknown probe is a ValueError quoting it and naming the accepted ones."""
    with pytest.raises(ValueError, match=r"unknown health check probe .*readiness \(1\)"):
        Probe.parse(text)


def test_state_is_serving_by_default():
    """Outside baseplate-serve's shutdown the process is serving."""
    assert ServerState.SERVING is state()


def test_set_and_reset_state():
    """set_state changes what state() returns; reset_state restores SERVING."""
    set_state(ServerState.DRAINING)
    assert ServerState.DRAINING is state()
    reset_state()
    assert ServerState.SERVING is state()


@pytest.mark.parametrize(
    ("server_state", "readiness", "liveness", "startup"),
    [
        (ServerState.SERVING, True, True, True),
        (ServerState.DRAINING, False, True, True),
        (ServerState.STOPPING, False, True, True),
    ],
)
def test_which_probes_pass_in_each_state(server_state, readiness, liveness, startup):
    """Readiness passes only while serving; liveness and startup always pass."""
    assert (readiness, liveness, startup) == (
        server_state.passes(Probe.READINESS),
        server_state.passes(Probe.LIVENESS),
        server_state.passes(Probe.STARTUP),
    )
