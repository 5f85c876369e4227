"""End-to-end tests of the graceful stop's drain (baseplate.server._connections): a real
baseplate-serve process, keep-alive clients calling back to back through SIGTERM, and no
request lost. The scenario is in drain_scenario.py; benchmarks/bench_serve_drain.py runs it
more times, with and without a drain."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration


def _load_scenario():
    name = "drain_scenario"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(f"{name}.py"))
        assert spec is not None
        assert spec.loader is not None
        sys.modules[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[name])
    return sys.modules[name]


scenario = _load_scenario()


@pytest.mark.parametrize("protocol", ["wsgi", "thrift"])
def test_a_drain_of_one_second_loses_no_request(processes, tmp_path, protocol):
    """With drain_time 1 s, the slow requests in flight, the keep-alive clients' calls and the
    new connections made 0.2 s after SIGTERM are all answered or refused, none lost."""
    trial = scenario.run_trial(processes, tmp_path, protocol, drain_time=1.0)

    assert trial.lost == 0, trial.errors
    assert trial.slow_answered == scenario.SLOW_REQUESTS
    # The new connections came while the listener still accepted, and every keep-alive
    # client went on to a new connection until the listener closed.
    assert trial.answered > 2 * scenario.CLIENTS
    assert trial.refused == scenario.CLIENTS
