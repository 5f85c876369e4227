"""Benchmark: a publish through the context's kombu producer against a bare kombu publish.

Both run in one process against the same RabbitMQ (BASEPLATE_RABBITMQ_ADDR, default
127.0.0.1:5672, guest/guest), publishing the same small body to the same exchange (one no
queue is bound to, so the broker drops the messages and nothing piles up), alternately, so
the broker and the network cost the same for both. Prints microseconds per publish (best of
the repeats) for:

- ``Producer.publish``, kombu alone, on one producer kept for the whole run;
- ``KombuProducer.publish``, the producer a request's context holds: the same publish inside
  a child span of the request's span, through a producer borrowed from the factory's pool
  (a Baseplate with no observers, so the figure is what the instrumentation costs);

and their ratio.

    python benchmarks/bench_context_kombu.py [--number 5000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import uuid

from _timing import best_microseconds
from kombu.connection import Connection
from kombu.entity import Exchange

from baseplate.context.kombu import KombuProducerContextFactory
from baseplate.core import Baseplate, RequestContext


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    address = os.environ.get("BASEPLATE_RABBITMQ_ADDR", "127.0.0.1:5672")
    url = f"amqp://guest:guest@{address}//"
    exchange = Exchange(f"baseplate-bench-{uuid.uuid4().hex[:8]}", "direct", auto_delete=True)
    body = b"x" * 100

    bare_connection = Connection(url, connect_timeout=2)
    bare_producer = bare_connection.Producer()
    exchange(bare_connection.default_channel).declare()

    factory = KombuProducerContextFactory(Connection(url, connect_timeout=2), exchange)
    baseplate = Baseplate()
    baseplate.add_to_context("amqp", factory)
    context = RequestContext()
    span = baseplate.make_server_span(context, "bench")
    span.start()
    producer = context.amqp

    def bare_publish() -> None:
        bare_producer.publish(body, exchange=exchange, routing_key="nowhere")

    def context_publish() -> None:
        producer.publish(body, routing_key="nowhere")

    bare_publish()
    context_publish()  # open the pool's connection before timing
    bare = context_client = float("inf")
    for _ in range(args.repeat):  # alternate, so a slower moment of the machine hits both
        bare = min(bare, best_microseconds(bare_publish, args.number, 1))
        context_client = min(context_client, best_microseconds(context_publish, args.number, 1))
    span.finish()
    exchange(bare_connection.default_channel).delete()
    bare_connection.release()

    print(f"{'Producer.publish':24} {bare:7.2f} us per call")
    print(f"{'KombuProducer.publish':24} {context_client:7.2f} us per call")
    print(f"ratio (context / bare): {context_client / bare:.3f}")


if __name__ == "__main__":
    main()
