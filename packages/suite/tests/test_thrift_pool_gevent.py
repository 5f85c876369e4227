"""The Thrift connection pool in a gevent-patched process, as baseplate-serve runs it.

The test runs in a child process (monkey-patching this one would change every other test):
it patches with gevent first, then serves BaseplateServiceV2 with baseplate-serve's Thrift
server and calls it through one ThriftConnectionPool from many greenlets at once, all in
that process, over real sockets.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

CHILD = textwrap.dedent(
    """
    from gevent import monkey

    monkey.patch_all()

    import json
    import socket

    import gevent

    from baseplate.config import Endpoint
    from baseplate.server.thrift import BaseplateThriftServer
    from baseplate.thrift import BaseplateServiceV2
    from baseplate.thrift.ttypes import IsHealthyRequest
    from baseplate.thrift_pool import ThriftConnectionPool

    POOL_SIZE = 4
    CALLERS = 20
    in_flight = 0
    most_in_flight = 0


    class Handler:
        def is_healthy(self, request):
            global in_flight, most_in_flight
            in_flight += 1
            most_in_flight = max(most_in_flight, in_flight)
            gevent.sleep(0.05)  # a slow call: the others must keep running meanwhile
            in_flight -= 1
            return True


    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    server = BaseplateThriftServer(listener, BaseplateServiceV2.Processor(Handler()))
    server.start()
    port = listener.getsockname()[1]
    pool = ThriftConnectionPool(
        Endpoint(f"127.0.0.1:{port}"), size=POOL_SIZE, timeout=5
    )


    def call():
        with pool.connection() as protocol:
            return BaseplateServiceV2.Client(protocol).is_healthy(IsHealthyRequest())


    # A greenlet that ticks while the calls run: a pool that blocked the hub would stop it.
    ticks = 0


    def tick():
        global ticks
        while True:
            gevent.sleep(0.01)
            ticks += 1


    ticker = gevent.spawn(tick)
    callers = [gevent.spawn(call) for _ in range(CALLERS)]
    gevent.joinall(callers, timeout=30)
    ticker.kill()
    results = [caller.value if caller.successful() else repr(caller.exception)
               for caller in callers]
    # Afterwards every slot can be held at once again: none leaked.
    held = [pool.connection() for _ in range(POOL_SIZE)]
    for manager in held:
        manager.__enter__()
    for manager in held:
        manager.__exit__(None, None, None)
    server.stop()
    print(json.dumps({"results": results, "most_in_flight": most_in_flight, "ticks": ticks,
                      "pool_size": POOL_SIZE}))
    """
)


def test_pool_shares_its_slots_among_greenlets_without_blocking_the_hub() -> None:
    """20 greenlets share a 4-slot pool in a gevent-patched process: every call succeeds,
    exactly 4 run at once (the slots limit them and waiting does not block the event loop),
    another greenlet keeps running meanwhile, and all slots are free afterwards."""
    completed = subprocess.run(
        [sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=120
    )
    assert completed.returncode == 0, completed.stderr
    outcome = json.loads(completed.stdout.strip().splitlines()[-1])
    assert outcome["results"] == [True] * 20
    assert outcome["most_in_flight"] == outcome["pool_size"] == 4
    # Five rounds of 50 ms calls take 250 ms: the 10 ms ticker ran throughout.
    assert outcome["ticks"] >= 10
