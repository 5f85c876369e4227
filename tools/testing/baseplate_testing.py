"""Helpers that the tests of every package share (not shipped in any distribution).

The root ``conftest.py`` puts this directory on ``sys.path`` for test runs, so any test
module can ``from baseplate_testing import free_port``; the root conftest also wraps the
common ones as fixtures. Only the standard library is imported at the top: a helper that needs
a package's dependency (``baseplate.message_queue`` and its posix_ipc) imports it when
called, so packages without it still collect their tests.

- :func:`free_port`: a local port nothing is bound to.
- :func:`replace_file`: a watched file's new version, written whole and renamed into place.
- :class:`Process`, :class:`Processes`: subprocesses whose output is collected line by line,
  ended (SIGTERM, then SIGKILL) when the test is over; :meth:`Processes.serve` runs
  ``baseplate-serve`` on a free port and waits until it listens.
- :class:`HTTPStandIn`: a real HTTP server in a thread that records each POST and answers
  it through a function (a collector, Sentry, ...); :class:`BlackHole`: a TCP listener that
  accepts connections and never answers; :class:`ScriptedCollectors`: stand-ins that answer
  from a script (a Zipkin or other collector's tests).
- :class:`QueueFactory`: POSIX message queues with unique names, unlinked at the end.
- :func:`serve_one_request`: one request with a context factory's object on its context, its
  spans recorded (the instrumented clients' tests).
- :func:`start_request`: a new request's context and started server span, for tests that
  act on the request in steps (finish it while a client's call is still running, say).
- :func:`fuzz_settings`: the hypothesis profile of the property tests that feed untrusted
  input to a parser: a few hundred examples each in the gate, 10,000 under ``nox -s fuzz``.
"""

from __future__ import annotations

import contextlib
import http.client
import http.server
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from baseplate.core import Baseplate, ContextFactory, RequestContext, ServerSpan
    from baseplate.core.testing import RecordingObserver
    from baseplate.message_queue import MessageQueue

REPO_ROOT = Path(__file__).resolve().parents[2]
WAIT = 15.0  # seconds: the bound on any wait for a subprocess
#: How much of a subprocess's output a failed wait shows.
OUTPUT_TAIL = 60

_CONSOLE_SCRIPTS = {
    "baseplate-serve": "baseplate.server.cli:serve",
    "baseplate-script": "baseplate.server.cli:script",
    "baseplate-tshell": "baseplate.server.cli:tshell",
    "baseplate-healthcheck": "baseplate.server.healthcheck:main",
}


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    """Return a local port that nothing was bound to a moment ago.

    Args:
        kind: ``socket.SOCK_STREAM`` for a TCP port, ``socket.SOCK_DGRAM`` for a UDP one
            (where nothing listening means a send is answered "port unreachable").
    """
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def get_json(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    """``GET path`` from a server on 127.0.0.1:``port``; return the status and the JSON body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def replace_file(path: Path, content: object) -> None:
    """Write a new version of a file as the sidecars do: whole, then renamed over the old one.

    Args:
        path: The file.
        content: Its text, or anything else to write as JSON.
    """
    temporary = path.with_suffix(".tmp")
    temporary.write_text(content if isinstance(content, str) else json.dumps(content))
    temporary.replace(path)


def child_env(**extra: str) -> dict[str, str]:
    """Return the environment for a child process: this one's, unbuffered, plus ``extra``."""
    env = dict(os.environ)
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


def command(name: str) -> list[str]:
    """Return the command line of baseplate-serve's console script ``name``.

    That is the script installed next to this Python, or else an equivalent ``python -c``.
    """
    script = shutil.which(name, path=str(Path(sys.executable).parent))
    if script is not None:
        return [script]
    module, function = _CONSOLE_SCRIPTS[name].split(":")
    return [sys.executable, "-c", f"import {module} as m; m.{function}()"]


class Process:
    """A subprocess whose combined output is collected line by line in the background.

    It starts in the repository root with :func:`child_env` unless told otherwise.
    """

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
        """Wait for an output line (from line ``start`` on) matching the regex ``pattern``.

        Raises:
            AssertionError: no such line came within ``timeout`` seconds, or the process
                ended without one; the message shows the output's last lines.
        """
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
                        + "\n".join(self.lines[-OUTPUT_TAIL:])
                    )
                self._changed.wait(min(remaining, 0.1))

    def signal(self, signum: int) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signum)

    def wait(self, timeout: float = WAIT) -> int:
        code = self.popen.wait(timeout=timeout)
        self._reader.join(timeout=timeout)
        return code

    def close(self, timeout: float = 5.0) -> float:
        """End the process if it still runs, reap it, and return how long that took.

        The process gets SIGTERM and ``timeout`` seconds to exit, then SIGKILL.
        """
        started = time.monotonic()
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=timeout)
        elapsed = time.monotonic() - started
        self._reader.join(timeout=timeout)
        if self.popen.stdout is not None:
            self.popen.stdout.close()
        return elapsed


class Processes:
    """The subprocesses a test (or a module of tests) starts; :meth:`close` ends them all."""

    def __init__(self) -> None:
        self._started: list[Process] = []

    def start(self, args: Sequence[str], **kwargs: Any) -> Process:
        """Start a :class:`Process`; keyword arguments go to its constructor."""
        process = Process(args, **kwargs)
        self._started.append(process)
        return process

    def serve(self, config_path: Path | str, *extra: str, **kwargs: Any) -> tuple[Process, int]:
        """Start ``baseplate-serve CONFIG`` on a free local port and wait until it listens.

        Returns ``(process, port)``. Extra arguments go to the command line; keyword arguments
        (``cwd``, ``env``, ...) to the process.
        """
        port = free_port()
        process = self.start(
            [*command("baseplate-serve"), str(config_path), "--bind", f"127.0.0.1:{port}", *extra],
            **kwargs,
        )
        process.wait_for(r"baseplate\.server:INFO:Listening on ")
        return process, port

    def close(self) -> None:
        for process in self._started:
            process.close()


@dataclass
class ReceivedRequest:
    """One request an :class:`HTTPStandIn` received; header names are in lower case."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


#: What an :class:`HTTPStandIn` answers a request with: ``(status, headers, body)``, or
#: ``None`` to read the request and never answer (until the stand-in stops).
Answer = tuple[int, dict[str, str], bytes] | None


class HTTPStandIn:
    """A real HTTP server on 127.0.0.1, in a thread of its own, standing in for a service.

    Every POST is recorded in :attr:`requests` (in the order received), then answered with
    what ``answer(request)`` returns; ``Content-Length`` is added. Recording and answering
    happen under one lock, so the n-th request gets the n-th answer.

    Args:
        answer: Called with each request; returns an :data:`Answer`.
        protocol_version: ``"HTTP/1.1"`` keeps connections alive.
        hold: How long at most an unanswered request is held when the stand-in is not
            stopped first (a bound on a hang, never reached when things work).
    """

    def __init__(
        self,
        answer: Callable[[ReceivedRequest], Answer],
        *,
        protocol_version: str = "HTTP/1.0",
        hold: float = WAIT,
    ) -> None:
        self.requests: list[ReceivedRequest] = []
        self.release = threading.Event()
        self._changed = threading.Condition()
        stand_in = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                request = ReceivedRequest(
                    "POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body
                )
                with stand_in._changed:
                    stand_in.requests.append(request)
                    reply = answer(request)
                    stand_in._changed.notify_all()
                if reply is None:
                    stand_in.release.wait(hold)
                    self.close_connection = True
                    return
                status, headers, payload = reply
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        Handler.protocol_version = protocol_version
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = int(self.server.server_address[1])
        self.address = f"127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    def wait_for_requests(self, count: int, timeout: float = WAIT) -> list[ReceivedRequest]:
        """Wait until ``count`` requests have come; return all received so far.

        Raises:
            AssertionError: fewer came within ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.requests) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"expected {count} request(s), got {len(self.requests)} in {timeout} s"
                    )
                self._changed.wait(remaining)
            return list(self.requests)

    def stop(self) -> None:
        """Let held requests go, stop serving and close the socket."""
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(WAIT)


#: A scripted answer of :class:`ScriptedCollectors` that never comes: the request is read and
#: held until the stand-in stops.
HANG = "hang"


class ScriptedCollectors:
    """Starts :class:`HTTPStandIn` collectors that answer from a script, and stops them all.

    Each request a collector gets takes its script's next answer, ``(status, body)`` or
    :data:`HANG`; when the script runs out, ``default`` answers. A fixture yields
    :meth:`start` and calls :meth:`stop` at the end.
    """

    def __init__(self, hold: float = WAIT) -> None:
        self._hold = hold
        self._started: list[HTTPStandIn] = []

    def start(
        self, script: list[Any] | None = None, default: tuple[int, bytes] = (202, b"")
    ) -> HTTPStandIn:
        """Start a collector answering ``script`` then ``default``."""
        answers = list(script or [])

        def answer(request: ReceivedRequest) -> Answer:
            scripted = answers.pop(0) if answers else default
            if scripted == HANG:
                return None
            status, payload = scripted
            return status, {}, payload

        server = HTTPStandIn(answer, hold=self._hold)
        self._started.append(server)
        return server

    def stop(self) -> None:
        """Stop every collector started."""
        for server in self._started:
            server.stop()


class BlackHole:
    """A TCP listener on 127.0.0.1 that accepts every connection and never answers.

    Each connection is read (so a client's request is complete, and :attr:`request_received`
    is set once a connection has sent the end of an HTTP request head) and held open until
    :meth:`close`; :attr:`client_gave_up` is set when a client closes its side first.
    """

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0), backlog=128)
        self.port = int(self.listener.getsockname()[1])
        self.accepted: list[socket.socket] = []
        self.request_received = threading.Event()
        self.client_gave_up = threading.Event()
        self._closing = threading.Event()
        self._threads = [threading.Thread(target=self._accept, daemon=True)]
        self._threads[0].start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return  # close() shut the listener down
            self.accepted.append(conn)
            reader = threading.Thread(target=self._swallow, args=(conn,), daemon=True)
            self._threads.append(reader)
            reader.start()

    def _swallow(self, conn: socket.socket) -> None:
        data = b""
        try:
            while chunk := conn.recv(65536):
                if not self.request_received.is_set():
                    data = data[-3:] + chunk
                    if b"\r\n\r\n" in data:
                        self.request_received.set()
        except OSError:
            return  # closed by close()
        if not self._closing.is_set():
            self.client_gave_up.set()

    def wait_for_connection(self, timeout: float) -> int:
        """Wait up to ``timeout`` seconds for a first connection; return how many came."""
        deadline = time.monotonic() + timeout
        while not self.accepted and time.monotonic() < deadline:
            time.sleep(0.05)
        return len(self.accepted)

    def close(self) -> None:
        """Close every connection (the peers see them end) and the listener."""
        self._closing.set()
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        self._threads[0].join(WAIT)
        self.listener.close()
        for conn in self.accepted:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()
        for reader in self._threads[1:]:
            reader.join(WAIT)


def unique_queue_name(prefix: str = "/baseplate-test-") -> str:
    """Return a POSIX message queue name that no other test uses: ``prefix`` + random hex."""
    return f"{prefix}{uuid.uuid4().hex[:16]}"


class QueueFactory:
    """Opens :class:`~baseplate.message_queue.MessageQueue` objects; :meth:`close` cleans up.

    Calling it opens (creating if need be) a queue, by default under a unique name with the
    factory's limits; :meth:`close` unlinks and closes every queue it opened. Opening an
    existing queue keeps that queue's limits, which is how tests give code that asks for the
    production limits (beyond the default sysctls) a small queue.
    """

    def __init__(
        self, prefix: str = "/baseplate-test-", max_messages: int = 4, max_message_size: int = 64
    ) -> None:
        self.prefix = prefix
        self.max_messages = max_messages
        self.max_message_size = max_message_size
        self._opened: list[MessageQueue] = []

    def __call__(
        self,
        name: str | None = None,
        max_messages: int | None = None,
        max_message_size: int | None = None,
    ) -> MessageQueue:
        from baseplate.message_queue import MessageQueue

        queue = MessageQueue(
            name or unique_queue_name(self.prefix),
            self.max_messages if max_messages is None else max_messages,
            self.max_message_size if max_message_size is None else max_message_size,
        )
        self._opened.append(queue)
        return queue

    def close(self) -> None:
        for queue in self._opened:
            queue.unlink()
            queue.close()


def serve_one_request(
    factory: ContextFactory, handler: Callable[[Any], Any], name: str
) -> tuple[Any, RecordingObserver]:
    """Run ``handler(context)`` in one request, with ``factory``'s object on the context as
    ``name``; return what the handler returned and the recorder of the request's spans.

    The request is a server span named ``handler`` of a fresh :class:`baseplate.core.Baseplate`
    whose one observer is a :class:`baseplate.core.testing.RecordingObserver`.
    """
    from baseplate.core import Baseplate, RequestContext
    from baseplate.core.testing import RecordingObserver

    baseplate = Baseplate()
    recorder = RecordingObserver()
    baseplate.register(recorder)
    baseplate.add_to_context(name, factory)
    context = RequestContext()
    with baseplate.make_server_span(context, "handler"):
        result = handler(context)
    return result, recorder


def start_request(baseplate: Baseplate, name: str = "request") -> tuple[RequestContext, ServerSpan]:
    """Return a new :class:`baseplate.core.RequestContext` of ``baseplate`` and its server span
    named ``name``, started; the test finishes the span when it wants the request over."""
    from baseplate.core import RequestContext

    context = RequestContext()
    span = baseplate.make_server_span(context, name)
    span.start()
    return context, span


#: The environment variable naming the fuzz tests' hypothesis profile.
FUZZ_PROFILE_VARIABLE = "BASEPLATE_FUZZ_PROFILE"
#: Examples per parser in each profile: ``gate`` (the default) and ``fuzz`` (``nox -s fuzz``).
FUZZ_PROFILES = {"gate": 300, "fuzz": 10_000}


def fuzz_settings() -> Any:
    """Return the hypothesis settings of a property test of a parser of untrusted input.

    The profile is the one ``BASEPLATE_FUZZ_PROFILE`` names, ``gate`` when it is unset (see
    :data:`FUZZ_PROFILES`); both are registered with hypothesis as ``baseplate-<name>``. A
    parser must answer each example within two seconds (a hang fails the test); the input
    strategies may be slow to draw, which is not reported.

    Raises:
        ValueError: the variable names no profile.
    """
    from hypothesis import HealthCheck, settings

    name = os.environ.get(FUZZ_PROFILE_VARIABLE, "gate")
    if name not in FUZZ_PROFILES:
        raise ValueError(
            f"{FUZZ_PROFILE_VARIABLE}={name!r}: expected one of {sorted(FUZZ_PROFILES)}"
        )
    for profile, examples in FUZZ_PROFILES.items():
        settings.register_profile(
            f"baseplate-{profile}",
            max_examples=examples,
            deadline=2000,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
    return settings.get_profile(f"baseplate-{name}")
