"""A queue-consuming process for the kill test: python consumer_process.py URL EXCHANGE
QUEUE OUT STALL_AT.

It consumes QUEUE (bound to the direct EXCHANGE with routing key rk) with consume(),
appending each handled message's body (an integer) to the file OUT once handled. On the
message STALL_AT it prints "stalled N" and hangs, mid-message, until it is killed.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from kombu.connection import Connection
from kombu.entity import Exchange

from baseplate.core import Baseplate
from baseplate.queue_consumer import consume


def main(url: str, exchange: str, queue_name: str, out_path: str, stall_at: int) -> None:
    with open(out_path, "a", encoding="ascii") as out:

        def handle(context: Any, body: int, message: Any) -> None:
            if body == stall_at:
                print(f"stalled {body}", flush=True)
                time.sleep(600)
            out.write(f"{body}\n")
            out.flush()

        print("consuming", flush=True)
        consume(
            Baseplate(),
            Exchange(exchange, "direct", auto_delete=True),
            Connection(url, connect_timeout=2),
            queue_name,
            ["rk"],
            handle,
        )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
