"""Tests that baseplate.metrics' client and batch satisfy core's metrics protocols."""

from __future__ import annotations

import pathlib
import textwrap

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]

SATISFIES = """
from baseplate.core import (
    MetricsBatch, MetricsClient, MetricsCounter, MetricsGauge, MetricsHistogram, MetricsTimer,
)
from baseplate.metrics import Batch, Client, NullTransport

client: MetricsClient = Client(NullTransport(), "ns")
batch: MetricsBatch = client.batch()
concrete_batch: MetricsBatch = Batch(NullTransport(), "ns")
with client.timer("t") as timer:
    elapsed: MetricsTimer = timer
counter: MetricsCounter = concrete_batch.counter("c")
gauge: MetricsGauge = client.gauge("g")
histogram: MetricsHistogram = batch.histogram("h")
"""

FALLS_SHORT = """
from baseplate.core import MetricsClient
from baseplate.metrics import Batch, NullTransport

class NoBatches:
    def counter(self, name: str) -> object: ...

missing: MetricsClient = NoBatches()
batch_is_not_a_client: MetricsClient = Batch(NullTransport(), "ns")
"""


def test_metrics_client_and_batch_satisfy_the_protocols(tmp_path: pathlib.Path) -> None:
    """mypy accepts baseplate.metrics' Client and Batch where core's protocols are expected.

    The second file shows the check can fail: objects without a ``batch`` method are refused.
    """
    api = pytest.importorskip("mypy.api")
    pytest.importorskip("baseplate.metrics")
    good = tmp_path / "satisfies.py"
    good.write_text(textwrap.dedent(SATISFIES))
    bad = tmp_path / "falls_short.py"
    bad.write_text(textwrap.dedent(FALLS_SHORT))
    config = ROOT / "pyproject.toml"
    args = ["--strict", "--cache-dir", str(tmp_path / "cache"), str(good), str(bad)]
    if config.exists():
        args[:0] = ["--config-file", str(config)]
    stdout, stderr, status = api.run(args)
    errors = [line for line in stdout.splitlines() if ": error:" in line]
    assert not [line for line in errors if "satisfies.py" in line], stdout + stderr
    assert len([line for line in errors if "falls_short.py:8" in line]) == 1, stdout
    assert len([line for line in errors if "falls_short.py:9" in line]) == 1, stdout
    assert status == 1
