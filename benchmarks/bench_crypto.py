"""Benchmark: make_signature and validate_signature, as a request that checks a token would.

Validation is measured with a three-version secret in the three places the right key can be
(current, previous, next: 1, 2 and 3 HMACs), and with a forged signature (all three tried).
Prints microseconds per call, the best of several runs.

    python benchmarks/bench_crypto.py [--number 20000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import timeit
from collections.abc import Callable
from dataclasses import dataclass

from baseplate.crypto import IncorrectSignatureError, make_signature, validate_signature


@dataclass(frozen=True)
class Secret:
    current: bytes
    previous: bytes | None
    next: bytes | None

    @property
    def all_versions(self) -> tuple[bytes | None, ...]:
        return (self.current, self.previous, self.next)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--number", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    secret = Secret(b"c" * 32, b"p" * 32, b"n" * 32)
    message = "user:t2_12345:session"
    day = datetime.timedelta(days=1)
    signed_with = {
        "current": make_signature(Secret(b"c" * 32, None, None), message, day),
        "previous": make_signature(Secret(b"p" * 32, None, None), message, day),
        "next": make_signature(Secret(b"n" * 32, None, None), message, day),
    }
    forged = make_signature(Secret(b"x" * 32, None, None), message, day)

    def forged_check() -> None:
        with contextlib.suppress(IncorrectSignatureError):
            validate_signature(secret, message, forged)

    cases: dict[str, Callable[[], object]] = {
        "make_signature": lambda: make_signature(secret, message, day),
        **{
            f"validate_signature ({version})": (
                lambda s=signature: validate_signature(secret, message, s)
            )
            for version, signature in signed_with.items()
        },
        "validate_signature (forged)": forged_check,
    }
    for name, function in cases.items():
        best = min(timeit.repeat(function, number=args.number, repeat=args.repeat))
        print(f"{name:32} {best / args.number * 1e6:6.2f} us per call")


if __name__ == "__main__":
    main()
