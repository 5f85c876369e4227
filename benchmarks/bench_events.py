"""Benchmark: EventQueue.put on the request path, and events per second to a collector.

Prints:

- microseconds per ``EventQueue.put`` of a typical v1 event (eight fields), and of its two
  parts: ``serialize_v1_event`` alone, and a put of bytes already serialized (best of
  several runs; the queue is drained between rounds, outside the timing);
- events per second through the whole pipeline on this machine: a producer putting events
  as fast as the queue takes them -> the event publisher sidecar (a real subprocess) ->
  a real HTTP collector in this process, from the first put until the collector has them
  all.

The queue is created with the sysctl's limits (``/proc/sys/fs/mqueue/msg_max``, usually
10 messages) unless ``--max-messages`` says otherwise.

    python benchmarks/bench_events.py [--number 20000] [--repeat 5] [--events 50000]
"""

from __future__ import annotations

import argparse
import gzip
import http.server
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from baseplate.events import Event, EventQueue, serialize_v1_event
from baseplate.message_queue import MessageQueue, TimedOutError

PREFIX = "/events-"


def typical_event(n: int) -> Event:
    event = Event("bench", "request")
    for key in ("service", "route", "method", "status", "country", "client"):
        event.set_field(key, f"{key}-value")
    event.set_field("n", n)
    event.set_field("ip", "10.0.0.1", obfuscate=True)
    return event


def drain(queue: MessageQueue) -> None:
    while True:
        try:
            queue.get(timeout=0)
        except TimedOutError:
            return


def put_microseconds(events: EventQueue, queue: MessageQueue, item: Any, args: Any) -> float:
    """Best microseconds per put over ``repeat`` runs of ``number`` puts."""
    room = queue.max_messages
    best = float("inf")
    for _ in range(args.repeat):
        elapsed = 0.0
        done = 0
        while done < args.number:
            burst = min(room, args.number - done)
            started = time.perf_counter()
            for _ in range(burst):
                events.put(item)
            elapsed += time.perf_counter() - started
            done += burst
            drain(queue)
        best = min(best, elapsed / args.number * 1e6)
    return best


class Counting(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    received = 0
    done = threading.Event()
    target = 0

    def do_POST(self) -> None:
        body = gzip.decompress(self.rfile.read(int(self.headers["Content-Length"])))
        cls = type(self)
        cls.received += body.count(b'"uuid":')
        if cls.received >= cls.target:
            cls.done.set()
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def throughput(name: str, total: int) -> float:
    """Events per second from the first put until the collector has received ``total``."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Counting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Counting.target = total
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp, "publisher.ini")
        config.write_text(
            f"[event-publisher:{name}]\n"
            f"collector.hostname = 127.0.0.1:{server.server_address[1]}\n"
            "collector.scheme = http\nkey.name = Bench\nkey.secret = aHVudGVyMg==\n"
        )
        sidecar = subprocess.Popen(  # noqa: S603 -- this interpreter, fixed arguments
            [sys.executable, "-m", "baseplate.events.publisher", "--queue-name", name, config],
            stderr=subprocess.PIPE,
            text=True,
        )
        assert sidecar.stderr is not None
        for line in sidecar.stderr:
            if "Publishing events" in line:
                break
        events = EventQueue(name, put_timeout=10.0)
        items = [typical_event(n) for n in range(total)]
        started = time.perf_counter()
        for item in items:
            events.put(item)
        finished = Counting.done.wait(120)
        elapsed = time.perf_counter() - started
        sidecar.send_signal(signal.SIGTERM)
        sidecar.wait(30)
        server.shutdown()
        if not finished:
            raise SystemExit(f"the collector got {Counting.received} of {total} events")
    return total / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--max-messages", type=int, default=0)
    args = parser.parse_args()

    max_messages = args.max_messages or int(Path("/proc/sys/fs/mqueue/msg_max").read_text())
    name = f"bench-{uuid.uuid4().hex[:12]}"
    queue = MessageQueue(PREFIX + name, max_messages, 8192)
    try:
        events = EventQueue(name)
        serialized = EventQueue(name, event_serializer=bytes)
        event = typical_event(0)
        message = serialize_v1_event(event)
        serialize = min(_time_serialize(event, args.number) for _ in range(args.repeat))
        results = [
            ("EventQueue.put (v1 event)", put_microseconds(events, queue, event, args)),
            ("  serialize_v1_event alone", serialize),
            ("  put of serialized bytes", put_microseconds(serialized, queue, message, args)),
        ]
        for label, microseconds in results:
            print(f"{label:28} {microseconds:6.2f} us per call")
        print(f"({len(message)}-byte event, queue of {queue.max_messages} messages)")
        rate = throughput(name, args.events)
        print(
            f"queue -> publisher -> collector: {rate:,.0f} events per second ({args.events} events)"
        )
    finally:
        queue.unlink()
        queue.close()


def _time_serialize(event: Event, number: int) -> float:
    started = time.perf_counter()
    for _ in range(number):
        serialize_v1_event(event)
    return (time.perf_counter() - started) / number * 1e6


if __name__ == "__main__":
    main()
