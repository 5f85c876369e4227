"""Tests of baseplate.message_queue against real POSIX message queues of the running kernel."""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import subprocess
import sys
import textwrap
import threading
import time

import posix_ipc
import pytest
from baseplate_testing import QueueFactory, unique_queue_name

from baseplate.message_queue import (
    InvalidParametersError,
    MessageQueue,
    MessageQueueError,
    MessageTooLargeError,
    TimedOutError,
)

# Generous bound for waits on other threads and processes; never reached when things work.
WATCHDOG = 20.0


def run_cli(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "baseplate.message_queue", *args],
        input=stdin,
        capture_output=True,
        timeout=WATCHDOG,
        check=False,
    )


def test_new_queue_has_requested_limits(make_queue: QueueFactory) -> None:
    """A queue created by the constructor reports the limits it was created with."""
    name = unique_queue_name()
    queue = make_queue(name, max_messages=3, max_message_size=100)
    assert name == queue.name
    assert queue.max_messages == 3
    assert queue.max_message_size == 100
    assert queue.current_messages == 0
    assert isinstance(queue.fileno(), int)


def test_put_then_get_round_trips_bytes(make_queue: QueueFactory) -> None:
    """A message put into the queue comes back byte for byte."""
    queue = make_queue()
    queue.put(b"\x00hello\xff")
    assert queue.get() == b"\x00hello\xff"


def test_text_messages_are_sent_as_utf8(make_queue: QueueFactory) -> None:
    """A str message is encoded as UTF-8; get always returns bytes."""
    queue = make_queue()
    queue.put("héllo")
    assert "héllo".encode() == queue.get(timeout=0)


def test_messages_come_out_in_order(make_queue: QueueFactory) -> None:
    """Messages of equal priority are delivered first in, first out."""
    queue = make_queue()
    for message in (b"1", b"2", b"3"):
        queue.put(message, timeout=0)
    assert [queue.get(timeout=0) for _ in range(3)] == [b"1", b"2", b"3"]


def test_two_handles_share_one_queue(make_queue: QueueFactory) -> None:
    """Opening the same name again attaches to the same queue, which keeps its limits."""
    name = unique_queue_name()
    first = make_queue(name, max_messages=2, max_message_size=32)
    second = make_queue(name, max_messages=4, max_message_size=64)
    assert (second.max_messages, second.max_message_size) == (2, 32)
    first.put(b"shared")
    assert second.get(timeout=0) == b"shared"


def test_get_with_zero_timeout_on_empty_queue_times_out(make_queue: QueueFactory) -> None:
    """With timeout=0, get makes one attempt and raises TimedOutError if the queue is empty."""
    queue = make_queue()
    with pytest.raises(TimedOutError, match="stayed empty"):
        queue.get(timeout=0)


def test_get_waits_for_the_timeout_before_giving_up(make_queue: QueueFactory) -> None:
    """A positive timeout is waited out in full before TimedOutError is raised."""
    queue = make_queue()
    started = time.monotonic()
    with pytest.raises(TimedOutError):
        queue.get(timeout=0.2)
    assert time.monotonic() - started >= 0.2


def test_get_returns_a_message_that_arrives_while_waiting(make_queue: QueueFactory) -> None:
    """A waiting get wakes up when another thread puts a message."""
    queue = make_queue()
    writer = threading.Timer(0.1, queue.put, args=(b"late",))
    writer.start()
    try:
        assert queue.get(timeout=WATCHDOG) == b"late"
    finally:
        writer.join(WATCHDOG)


def test_put_with_zero_timeout_on_full_queue_times_out(make_queue: QueueFactory) -> None:
    """With timeout=0, put on a full queue raises TimedOutError and the queue is unchanged."""
    queue = make_queue(max_messages=2)
    queue.put(b"a", timeout=0)
    queue.put(b"b", timeout=0)
    with pytest.raises(TimedOutError, match="stayed full"):
        queue.put(b"c", timeout=0)
    assert queue.current_messages == 2
    assert [queue.get(timeout=0), queue.get(timeout=0)] == [b"a", b"b"]


def test_put_with_timeout_on_full_queue_times_out(make_queue: QueueFactory) -> None:
    """A put that finds the queue full for its whole timeout raises TimedOutError."""
    queue = make_queue(max_messages=1)
    queue.put(b"a")
    started = time.monotonic()
    with pytest.raises(TimedOutError):
        queue.put(b"b", timeout=0.2)
    assert time.monotonic() - started >= 0.2


def test_put_waits_for_room(make_queue: QueueFactory) -> None:
    """A put on a full queue succeeds once a reader makes room."""
    queue = make_queue(max_messages=1)
    queue.put(b"first")
    received: list[bytes] = []
    reader = threading.Timer(0.1, lambda: received.append(queue.get(timeout=0)))
    reader.start()
    try:
        queue.put(b"second", timeout=WATCHDOG)
    finally:
        reader.join(WATCHDOG)
    assert received == [b"first"]
    assert queue.get(timeout=0) == b"second"


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs signal.setitimer")
def test_waiting_get_survives_signals(make_queue: QueueFactory) -> None:
    """A signal interrupting a waiting get (EINTR) does not end the wait."""
    queue = make_queue()
    handled: list[int] = []
    previous = signal.signal(signal.SIGALRM, lambda signum, frame: handled.append(signum))
    writer = threading.Timer(0.3, queue.put, args=(b"after signals",))
    signal.setitimer(signal.ITIMER_REAL, 0.05, 0.05)
    writer.start()
    try:
        message = queue.get(timeout=WATCHDOG)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        writer.join(WATCHDOG)
    assert message == b"after signals"
    assert handled


def test_message_larger_than_limit_is_rejected(make_queue: QueueFactory) -> None:
    """A message over max_message_size raises MessageTooLargeError (a ValueError) up front."""
    queue = make_queue(max_message_size=8)
    with pytest.raises(MessageTooLargeError, match="9 bytes long but the queue accepts at most 8"):
        queue.put(b"123456789", timeout=0)
    with pytest.raises(ValueError, match="at most 8 bytes"):
        queue.put("ééééé")  # 10 bytes in UTF-8
    queue.put(b"12345678", timeout=0)
    assert queue.current_messages == 1


def test_too_large_error_keeps_its_sizes_through_pickling() -> None:
    """MessageTooLargeError carries the sizes, also after a pickle round trip."""
    error = pickle.loads(pickle.dumps(MessageTooLargeError(10, 8)))
    assert (error.size, error.max_size) == (10, 8)
    assert isinstance(error, MessageQueueError)


@pytest.mark.parametrize("name", ["no-slash", "/", "/two/slashes", "/" + "x" * 255, ""])
def test_malformed_names_are_rejected(name: str) -> None:
    """Names must be a slash followed by 1-254 characters without another slash."""
    with pytest.raises(InvalidParametersError, match="a queue name is a slash followed by"):
        MessageQueue(name, 1, 1)


@pytest.mark.parametrize(
    ("max_messages", "max_message_size", "message"),
    [
        (0, 10, "max_messages must be a positive int, got 0"),
        (10, -1, "max_message_size must be a positive int, got -1"),
        (True, 10, "max_messages must be a positive int, got True"),
    ],
)
def test_non_positive_limits_are_rejected(
    max_messages: int, max_message_size: int, message: str
) -> None:
    """The limits must be positive ints."""
    with pytest.raises(InvalidParametersError, match=message):
        MessageQueue(unique_queue_name(), max_messages, max_message_size)


def test_limits_beyond_the_system_maximum_are_explained() -> None:
    """Limits the kernel refuses raise InvalidParametersError naming the sysctls to check."""
    name = unique_queue_name()
    try:
        with pytest.raises(InvalidParametersError, match=r"fs\.mqueue\.msg_max"):
            MessageQueue(name, 10_000_000, 64)
    finally:
        with contextlib.suppress(posix_ipc.ExistentialError):
            posix_ipc.unlink_message_queue(name)


@pytest.mark.parametrize("timeout", [-1, "1", True])
def test_bad_timeouts_are_rejected(make_queue: QueueFactory, timeout: object) -> None:
    """A timeout must be None or a non-negative number of seconds."""
    queue = make_queue()
    with pytest.raises(ValueError, match="timeout must be None or a number of seconds"):
        queue.get(timeout=timeout)  # type: ignore[arg-type]


def test_unlink_removes_the_queue_from_the_system(make_queue: QueueFactory) -> None:
    """After unlink the name is free: opening it again makes a new, empty queue."""
    name = unique_queue_name()
    queue = make_queue(name)
    queue.put(b"gone")
    queue.unlink()
    queue.unlink()  # already gone: no error
    fresh = make_queue(name)
    with pytest.raises(TimedOutError):
        fresh.get(timeout=0)


def test_close_is_idempotent_and_context_manager_closes(make_queue: QueueFactory) -> None:
    """close() may be called twice; leaving a with block closes the queue."""
    name = unique_queue_name()
    with MessageQueue(name, 2, 16) as queue:
        queue.put(b"x")
    with pytest.raises(posix_ipc.ExistentialError):
        queue.get(timeout=0)
    queue.close()
    # The queue itself still exists (it was closed, not unlinked).
    survivor = make_queue(name)
    assert survivor.get(timeout=0) == b"x"


@pytest.mark.integration
def test_cli_create_makes_a_queue_with_the_given_limits(make_queue: QueueFactory) -> None:
    """``--create`` creates the queue with --max-messages and --max-message-size."""
    name = unique_queue_name()
    result = run_cli("--max-messages", "3", "--max-message-size", "77", name, "--create")
    queue = make_queue(name)  # registered for cleanup
    assert result.returncode == 0, result.stderr
    assert (queue.max_messages, queue.max_message_size) == (3, 77)


@pytest.mark.integration
def test_cli_write_sends_each_line_as_a_message(make_queue: QueueFactory) -> None:
    """``--write`` sends every line of standard input as one message, without the newline."""
    queue = make_queue(max_messages=4)
    result = run_cli(queue.name, "--write", stdin=b"hello!\nsecond line\n")
    assert result.returncode == 0, result.stderr
    assert [queue.get(timeout=0), queue.get(timeout=0)] == [b"hello!", b"second line"]


@pytest.mark.integration
def test_cli_read_prints_messages_as_they_arrive(make_queue: QueueFactory) -> None:
    """``--read`` prints each message on its own line as it arrives, until interrupted."""
    queue = make_queue()
    reader = subprocess.Popen(
        [sys.executable, "-m", "baseplate.message_queue", queue.name, "--read"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        queue.put(b"one", timeout=WATCHDOG)
        queue.put(b"two", timeout=WATCHDOG)
        assert reader.stdout is not None
        lines = [reader.stdout.readline(), reader.stdout.readline()]
    finally:
        reader.send_signal(signal.SIGINT)
        try:
            returncode = reader.wait(WATCHDOG)
        except subprocess.TimeoutExpired:
            reader.kill()
            raise
    assert lines == [b"one\n", b"two\n"]
    assert returncode == 130


@pytest.mark.integration
def test_cli_reports_a_bad_queue_name() -> None:
    """The tool exits with status 1 and explains a malformed queue name."""
    result = run_cli("not-a-queue-name", "--create")
    assert result.returncode == 1
    assert b"a queue name is a slash followed by" in result.stderr


@pytest.mark.integration
def test_cli_requires_exactly_one_mode() -> None:
    """One of --create, --read or --write is required."""
    result = run_cli(unique_queue_name())
    assert result.returncode == 2
    assert b"one of the arguments --create --read --write is required" in result.stderr


@pytest.mark.integration
def test_waiting_get_lets_other_greenlets_run(make_queue: QueueFactory) -> None:
    """Under gevent, a greenlet blocked in get does not stop other greenlets from running."""
    pytest.importorskip("gevent", reason="gevent is not installed")
    queue = make_queue()
    script = textwrap.dedent(
        f"""
        from gevent import monkey
        monkey.patch_all()
        import gevent
        from baseplate.message_queue import MessageQueue, TimedOutError

        queue = MessageQueue({queue.name!r}, 4, 64)
        ticks = []

        def ticker():
            for _ in range(5):
                ticks.append(1)
                gevent.sleep(0.01)

        def waiter():
            try:
                queue.get(timeout=0.5)
            except TimedOutError:
                return "timed out"

        ticking = gevent.spawn(ticker)
        waiting = gevent.spawn(waiter)
        gevent.joinall([ticking, waiting], timeout={WATCHDOG})
        print(len(ticks), waiting.value)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        timeout=WATCHDOG,
        check=False,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == b"5 timed out"
