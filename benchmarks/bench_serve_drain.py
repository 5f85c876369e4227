"""Requests lost at a graceful stop: keep-alive clients through SIGTERM, with and without a drain.

The scenario is the drain test's (``packages/serve/tests/drain_scenario.py``): a real
``baseplate-serve`` process with ``stop_timeout = 5 seconds``, 32 slow requests (0.5 s) in
flight, 8 closed-loop clients calling a fast route back to back over kept-alive connections
(over Thrift through ``ThriftConnectionPool``), SIGTERM, and 8 new connections tried 0.2 s
later. A request is lost when it gets a reset, an end-of-file before its answer, a timeout or
a 5xx; a new connection refused once the listener has closed is not a loss.

For each protocol (WSGI, Thrift) and each ``drain_time`` (1 s, 0) it runs ``--trials`` trials
(default 5) and prints the requests lost, answered and refused, summed over the trials, and
the slow requests answered. Needs baseplate-serve with its thrift extra and baseplate-thrift.
Run from anywhere: ``python benchmarks/bench_serve_drain.py [--trials 5]``.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
from pathlib import Path
from types import ModuleType

REPO_ROOT = Path(__file__).resolve().parent.parent


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=5, help="trials per protocol and drain")
    # `nox -s bench` passes the same options to every benchmark; ignore the others' options.
    args, _ = parser.parse_known_args()

    testing = _load("baseplate_testing", REPO_ROOT / "tools/testing/baseplate_testing.py")
    scenario = _load("drain_scenario", REPO_ROOT / "packages/serve/tests/drain_scenario.py")

    print(f"{'protocol':8}  {'drain_time':>10}  {'lost':>4}  {'answered':>8}  {'refused':>7}  slow")
    for protocol in ("wsgi", "thrift"):
        for drain_time in (1.0, 0.0):
            lost = answered = refused = slow = 0
            errors: list[str] = []
            for _ in range(args.trials):
                processes = testing.Processes()
                try:
                    with tempfile.TemporaryDirectory() as directory:
                        trial = scenario.run_trial(processes, Path(directory), protocol, drain_time)
                finally:
                    processes.close()
                lost += trial.lost
                answered += trial.answered
                refused += trial.refused
                slow += trial.slow_answered
                errors.extend(trial.errors)
            total_slow = args.trials * scenario.SLOW_REQUESTS
            print(
                f"{protocol:8}  {drain_time:>9g}s  {lost:>4}  {answered:>8}  {refused:>7}  "
                f"{slow}/{total_slow}"
            )
            for error in sorted(set(errors)):
                print(f"    {error}")


if __name__ == "__main__":
    main()
