"""Helpers for baseplate-serve's tests: running servers in subprocesses and in threads.

The subprocess runner is shared by every package's tests (``baseplate_testing``, see the
root conftest.py); the fixtures here put it to baseplate-serve's uses. Every wait is
bounded; every process and thread started here is stopped by its fixture.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from baseplate_testing import REPO_ROOT, WAIT, Process, Processes, child_env, command


@pytest.fixture
def serve(processes: Processes) -> Callable[..., tuple[Process, int]]:
    """Start ``baseplate-serve CONFIG`` on a free local port and wait until it listens.

    Returns ``(process, port)``. Extra arguments go to the command line; keyword arguments
    (``cwd``, ``env``, ...) to the process.
    """
    return processes.serve


@pytest.fixture(scope="module")
def module_serve() -> Iterator[Callable[..., tuple[Process, int]]]:
    """Like ``serve``, for servers shared by the tests of one module."""
    started = Processes()
    yield started.serve
    started.close()


@contextmanager
def serving_in_thread(
    make_server: Callable[[Any], Any],
) -> Iterator[tuple[Any, int, Callable[..., None]]]:
    """Run a gevent server in a thread of its own (with its own event loop).

    ``make_server(listener)`` is called in that thread with a listening socket on a free
    local port. Yields ``(server, port, stop)``; ``stop(timeout=None)`` stops the server
    (``server.stop(timeout)``, in its thread) and waits for the thread.
    """
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    # gevent's servers poll a plain socket for connections; it must not block in accept().
    listener.setblocking(False)
    port = listener.getsockname()[1]
    ready = threading.Event()
    stop_requested = threading.Event()
    stop_timeout: list[float | None] = [None]
    holder: dict[str, Any] = {}

    def run() -> None:
        import gevent

        try:
            server = make_server(listener)
            holder["server"] = server
            server.start()
        except BaseException as exc:
            holder["error"] = exc
            ready.set()
            return
        ready.set()
        deadline = time.monotonic() + 60
        while not stop_requested.is_set() and time.monotonic() < deadline:
            gevent.sleep(0.02)
        server.stop(timeout=stop_timeout[0])
        gevent.get_hub().destroy(destroy_loop=True)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert ready.wait(WAIT)
    if "error" in holder:
        raise holder["error"]

    def stop(timeout: float | None = None) -> None:
        stop_timeout[0] = timeout
        stop_requested.set()
        thread.join(WAIT)
        assert not thread.is_alive()

    try:
        yield holder["server"], port, stop
    finally:
        if thread.is_alive():
            stop(0)
        listener.close()


@pytest.fixture(scope="session")
def console_script() -> Callable[[str], list[str]]:
    """``console_script("baseplate-serve")``: the command line that runs a console script."""
    return command


@pytest.fixture
def thread_server() -> Callable[..., Any]:
    """:func:`serving_in_thread`, as a fixture."""
    return serving_in_thread


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository root (the examples are named relative to it)."""
    return REPO_ROOT


@pytest.fixture(scope="session")
def env() -> Callable[..., dict[str, str]]:
    """``env(**extra)``: the environment for a child process (unbuffered output)."""
    return child_env
