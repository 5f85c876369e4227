"""Command-line access to a POSIX message queue.

Usage: ``python -m baseplate.message_queue [--max-messages N] [--max-message-size N] NAME
(--create | --read | --write)``.

* ``--create`` creates the queue (if needed) and exits.
* ``--read`` prints each message as it arrives, one per line, until interrupted.
* ``--write`` sends each line read from standard input as one message (without its newline).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from baseplate.message_queue._errors import MessageQueueError
from baseplate.message_queue._queue import MessageQueue


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m baseplate.message_queue",
        description="Create a POSIX message queue, or read messages from it, or write to it.",
    )
    parser.add_argument(
        "--max-messages",
        type=int,
        default=10,
        metavar="N",
        help="how many messages the queue can hold, if this creates it (default: 10)",
    )
    parser.add_argument(
        "--max-message-size",
        type=int,
        default=8096,
        metavar="BYTES",
        help="the largest message, if this creates the queue (default: 8096)",
    )
    parser.add_argument("name", help="the queue's name, e.g. /my-queue")
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--create", action="store_true", help="create the queue and exit")
    mode.add_argument(
        "--read", action="store_true", help="print messages as they arrive, one per line"
    )
    mode.add_argument(
        "--write", action="store_true", help="send each line of standard input as a message"
    )
    return parser.parse_args(argv)


def _read_forever(queue: MessageQueue) -> None:
    out = sys.stdout.buffer
    while True:
        message = queue.get()
        out.write(message + b"\n")
        out.flush()


def _write_lines(queue: MessageQueue) -> None:
    for line in sys.stdin.buffer:
        queue.put(line.rstrip(b"\n"))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line tool; return the process exit status."""
    args = _parse_args(argv)
    try:
        queue = MessageQueue(args.name, args.max_messages, args.max_message_size)
    except MessageQueueError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    try:
        if args.read:
            _read_forever(queue)
        elif args.write:
            _write_lines(queue)
    except KeyboardInterrupt:
        return 130
    except MessageQueueError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    finally:
        queue.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
