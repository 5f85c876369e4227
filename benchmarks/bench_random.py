"""Benchmark: WeightedLottery.pick and sample on 10,000 weighted items.

Prints microseconds per call (best of several runs) of ``pick``, of ``random.choices`` with
the same weights as a standard-library reference, and of ``sample(10)``.

    python benchmarks/bench_random.py [--items 10000] [--number 20000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import itertools
import random
import timeit

from baseplate.random import WeightedLottery


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--number", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    rng = random.Random(1)
    items = [(f"backend-{i}", rng.randint(1, 100)) for i in range(args.items)]
    lottery = WeightedLottery(items, weight_key=lambda item: item[1], rng=rng)
    population = [item for item, _ in items]
    cumulative = list(itertools.accumulate(weight for _, weight in items))

    cases = {
        "WeightedLottery.pick": lottery.pick,
        "random.choices(cum_weights=...)": lambda: rng.choices(population, cum_weights=cumulative),
        "WeightedLottery.sample(10)": lambda: lottery.sample(10),
    }
    for name, function in cases.items():
        number = args.number if "sample" not in name else max(args.number // 100, 10)
        best = min(timeit.repeat(function, number=number, repeat=args.repeat))
        print(f"{name:34} {best / number * 1e6:9.2f} us per call ({args.items} items)")


if __name__ == "__main__":
    main()
