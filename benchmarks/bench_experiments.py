"""Benchmark: Experiments.variant for a simple experiment with targeting, per call.

A handler may ask for several variants in each request, so a call must stay small next to
the request. Prints microseconds per call (best of several runs) for:

- ``variant()`` on one request's Experiments, asked again (the bucketing event already
  logged, as for every call after a request's first);
- a new request's Experiments and its first ``variant()``, which looks at the file and logs
  the bucketing event (to an event logger that keeps nothing);
- the provider's own ``variant()``, without the client around it.

The experiment is a single_variant one with a three-clause targeting tree and one override,
in a file of 50 experiments.

    python benchmarks/bench_experiments.py [--number 100000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from typing import Any

from _timing import best_microseconds

from baseplate.core import Baseplate, RequestContext
from baseplate.events import EventLogger
from baseplate.experiments import ExperimentsContextFactory


class _Discard(EventLogger):
    def log(self, **kwargs: Any) -> None:
        pass


def _experiment(number: int) -> dict[str, Any]:
    return {
        "id": number, "name": f"exp_{number}", "owner": "bench", "version": "1",
        "type": "single_variant", "start_ts": time.time() - 60, "stop_ts": time.time() + 86400,
        "experiment": {
            "experiment_version": 1,
            "variants": [{"name": "control", "size": 0.5}, {"name": "treatment", "size": 0.5}],
            "targeting": {"ALL": [
                {"EQ": {"field": "logged_in", "value": True}},
                {"NOT": {"EQ": {"field": "subreddit", "values": ["a", "b", "c"]}}},
                {"GE": {"field": "karma", "value": 10}},
            ]},
            "overrides": [{"treatment": {"EQ": {"field": "user_id", "value": "t2_admin"}}}],
        },
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    inputs = {"user_id": "t2_1", "logged_in": True, "subreddit": "pics", "karma": 50}

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "experiments.json")
        with open(path, "w") as f:
            json.dump({f"exp_{i}": _experiment(i) for i in range(50)}, f)
        factory = ExperimentsContextFactory(path, _Discard())
        span = Baseplate().make_server_span(RequestContext(), "bench")
        experiments = factory.make_object_for_context("experiments", span)
        assert experiments.variant("exp_7", **inputs) is not None
        provider = experiments._experiment("exp_7")
        assert provider is not None

        def first_in_request() -> None:
            factory.make_object_for_context("experiments", span).variant("exp_7", **inputs)

        def timed(function: object) -> float:
            return best_microseconds(function, args.number, args.repeat)  # type: ignore[arg-type]

        results = [
            ("variant(), asked again", timed(lambda: experiments.variant("exp_7", **inputs))),
            ("request + first variant()", timed(first_in_request)),
            ("provider variant()", timed(lambda: provider.variant(**inputs))),
        ]

    for name, microseconds in results:
        print(f"{name:28} {microseconds:6.2f} us per call")


if __name__ == "__main__":
    main()
