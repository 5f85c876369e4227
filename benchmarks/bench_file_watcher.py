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

from _timing import best_microseconds

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

        stat_us = best_microseconds(lambda: os.stat(path), args.number, args.repeat)
        watcher_us = best_microseconds(watcher.get_data, args.number, args.repeat)

    print(f"os.stat              {stat_us:6.2f} us per call")
    print(
        f"FileWatcher.get_data {watcher_us:6.2f} us per call ({watcher_us / stat_us:.2f}x os.stat)"
    )


if __name__ == "__main__":
    main()
