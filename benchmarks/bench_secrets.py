"""Benchmark: SecretsStore.get_simple on an unchanged file, alone and per request.

Services ask the store for a secret each time they use one, so a read must stay close to the
one ``stat`` that checks the file. Prints microseconds per call (best of several runs) for:

- ``os.stat`` of the secrets file, the floor;
- ``SecretsStore.get_simple``, called on the store itself;
- one request's store (``make_object_for_context``) and its first ``get_simple``, which looks
  at the file;
- a further ``get_simple`` on that request's store, which reuses what the first one read.

The file holds 50 secrets, the size of a typical service's.

    python benchmarks/bench_secrets.py [--number 200000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile

from _timing import best_microseconds

from baseplate.core import Baseplate, RequestContext
from baseplate.secrets import SecretsStore


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "secrets.json")
        secrets = {f"secret/{i}": {"type": "simple", "value": "x" * 32} for i in range(50)}
        with open(path, "w") as f:
            json.dump({"secrets": secrets, "vault": {"url": "u", "token": "t"}}, f)
        store = SecretsStore(path)
        span = Baseplate().make_server_span(RequestContext(), "bench")
        in_request = store.make_object_for_context("secrets", span)
        in_request.get_simple("secret/7")

        def first_in_request() -> None:
            store.make_object_for_context("secrets", span).get_simple("secret/7")

        def timed(function: object) -> float:
            return best_microseconds(function, args.number, args.repeat)  # type: ignore[arg-type]

        results = [
            ("os.stat", timed(lambda: os.stat(path))),
            ("SecretsStore.get_simple", timed(lambda: store.get_simple("secret/7"))),
            ("request store + first get_simple", timed(first_in_request)),
            ("request store, next get_simple", timed(lambda: in_request.get_simple("secret/7"))),
        ]

    floor = results[0][1]
    for name, microseconds in results:
        print(f"{name:34} {microseconds:6.2f} us per call ({microseconds / floor:.2f}x os.stat)")


if __name__ == "__main__":
    main()
