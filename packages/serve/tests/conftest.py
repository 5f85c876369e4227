"""Helpers for baseplate-serve's tests: running servers in subprocesses and in threads.

Every wait is bounded; every process and thread started here is stopped by its fixture.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = REPO_ROOT / "examples"
WAIT = 15.0  # seconds: the bound on any wait for a subprocess


def command(name: str) -> list[str]:
    """The console script ``name`` as installed next to this Python, or an equivalent."""
    script = shutil.which(name, path=str(Path(sys.executable).parent))
    if script is not None:
        return [script]
    entry = {
        "baseplate-serve": "baseplate.server.cli:serve",
        "baseplate-script": "baseplate.server.cli:script",
        "baseplate-tshell": "baseplate.server.cli:tshell",
        "baseplate-healthcheck": "baseplate.server.healthcheck:main",
    }[name]
    module, function = entry.split(":")
    return [sys.executable, "-c", f"import {module} as m; m.{function}()"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def child_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


class Process:
    """A subprocess whose combined output is collected line by line in the background."""

    def __init__(
        self,
        args: Sequence[str],
        *,
        cwd: Path = REPO_ROOT,
        env: dict[str, str] | None = None,
        pass_fds: Sequence[int] = (),
        stdin: int | None = subprocess.DEVNULL,
    ) -> None:
        self.args = list(args)
        self.popen = subprocess.Popen(
            self.args,
            cwd=cwd,
            env=env if env is not None else child_env(),
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            pass_fds=pass_fds,
        )
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int:
        return self.popen.pid

    def _read(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    @property
    def output(self) -> str:
        with self._changed:
            return "\n".join(self.lines)

    def wait_for(self, pattern: str, timeout: float = WAIT, start: int = 0) -> re.Match[str]:
        """Wait for an output line matching the regular expression ``pattern``."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for line in self.lines[start:]:
                    match = regex.search(line)
                    if match:
                        return match
                remaining = deadline - time.monotonic()
                if remaining <= 0 or (
                    self.popen.poll() is not None and not self._reader.is_alive()
                ):
                    raise AssertionError(
                        f"no line matching {pattern!r} within {timeout} s; output:\n"
                        + "\n".join(self.lines)
                    )
                self._changed.wait(min(remaining, 0.1))

    def signal(self, signum: int) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signum)

    def wait(self, timeout: float = WAIT) -> int:
        code = self.popen.wait(timeout=timeout)
        self._reader.join(timeout=timeout)
        return code

    def close(self) -> None:
        """End the process if it still runs (SIGTERM, then SIGKILL), and reap it."""
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=5)
        self._reader.join(timeout=5)
        if self.popen.stdout is not None:
            self.popen.stdout.close()


@contextmanager
def _spawner() -> Iterator[Callable[..., Process]]:
    started: list[Process] = []

    def start(args: Sequence[str], **kwargs: Any) -> Process:
        process = Process(args, **kwargs)
        started.append(process)
        return process

    try:
        yield start
    finally:
        for process in started:
            process.close()


def _server_starter(spawn: Callable[..., Process]) -> Callable[..., tuple[Process, int]]:
    def start(config_path: Path | str, *extra: str, **kwargs: Any) -> tuple[Process, int]:
        port = free_port()
        process = spawn(
            [*command("baseplate-serve"), str(config_path), "--bind", f"127.0.0.1:{port}", *extra],
            **kwargs,
        )
        process.wait_for(r"baseplate\.server:INFO:Listening on ")
        return process, port

    return start


@pytest.fixture
def spawn() -> Iterator[Callable[..., Process]]:
    """Start subprocesses; each is ended when the test finishes."""
    with _spawner() as start:
        yield start


@pytest.fixture
def serve(spawn: Callable[..., Process]) -> Callable[..., tuple[Process, int]]:
    """Start ``baseplate-serve CONFIG`` on a free local port and wait until it listens.

    Returns ``(process, port)``. Extra arguments go to the command line; keyword arguments
    (``cwd``, ``env``, ...) to the process.
    """
    return _server_starter(spawn)


@pytest.fixture(scope="module")
def module_serve() -> Iterator[Callable[..., tuple[Process, int]]]:
    """Like ``serve``, for servers shared by the tests of one module."""
    with _spawner() as start:
        yield _server_starter(start)


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
def unused_port() -> Callable[[], int]:
    """A function returning a free local TCP port."""
    return free_port


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
