"""Benchmark: FileWatcher.get_data on an unchanged file, against a bare os.stat of it.

An unchanged file should cost one ``stat`` and little else, since services call
``get_data`` on every request. Prints microseconds per call (best of several runs) for both,
and the ratio.

    python benchmarks/bench_file_watcher.py [--number 200000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import timeit

from baseplate.file_watcher import FileWatcher


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "secrets.json")
        with open(path, "w") as f:
            json.dump({"secrets": {f"secret/{i}": {"value": "x" * 32} for i in range(50)}}, f)
        watcher = FileWatcher(path, parser=json.load)
        watcher.get_data()

        def per_call(function: object) -> float:
            times = timeit.repeat(function, number=args.number, repeat=args.repeat)  # type: ignore[arg-type]
            return min(times) / args.number * 1e6

        stat_us = per_call(lambda: os.stat(path))
        watcher_us = per_call(watcher.get_data)

    print(f"os.stat              {stat_us:6.2f} us per call")
    print(
        f"FileWatcher.get_data {watcher_us:6.2f} us per call ({watcher_us / stat_us:.2f}x os.stat)"
    )


if __name__ == "__main__":
    main()
