"""Tests of what the gevent servers share at a graceful stop (baseplate.server._connections):
which waiting connections the stop closes, over real socket pairs."""

from __future__ import annotations

import socket

import gevent
import pytest

from baseplate.server._connections import ConnectionTracker, has_input


@pytest.fixture
def pairs():
    """``pairs()``: a connected (server side, client side) socket pair; all closed afterwards."""
    made: list[socket.socket] = []

    def make() -> tuple[socket.socket, socket.socket]:
        ours, theirs = socket.socketpair()
        made.extend((ours, theirs))
        return ours, theirs

    yield make
    for sock in made:
        sock.close()


def ended(sock: socket.socket) -> bool:
    """Whether the peer of ``sock`` has been shut down (an end-of-file is readable)."""
    sock.setblocking(False)
    try:
        return sock.recv(1) == b""
    except BlockingIOError:
        return False


def test_close_idle_connections_closes_only_those_with_nothing_to_read(pairs):
    """A waiting connection whose next request has arrived is left to serve it; one with
    nothing to read is shut down at once."""
    tracker = ConnectionTracker()
    quiet, quiet_client = pairs()
    ready, ready_client = pairs()
    assert tracker.start_waiting(quiet, first=False)
    assert tracker.start_waiting(ready, first=False)
    ready_client.sendall(b"GET / HTTP/1.1\r\n\r\n")

    tracker.close_idle_connections()

    assert tracker.closing
    assert ended(quiet_client)
    assert not ended(ready_client)
    assert has_input(ready)


def test_a_new_connection_is_closed_only_after_the_grace(pairs):
    """A connection that has not sent its first request is shut down once the grace has
    passed with nothing sent, not at once."""
    tracker = ConnectionTracker(first_request_grace=0.1)
    new, new_client = pairs()
    assert tracker.start_waiting(new, first=True)

    tracker.close_idle_connections()
    gevent.sleep(0.02)
    closed_at_once = ended(new_client)
    gevent.sleep(0.2)

    assert not closed_at_once
    assert ended(new_client)


def test_once_stopping_a_served_connection_with_nothing_to_read_ends(pairs):
    """After the stop, a connection that has served a request and has nothing waiting is
    told to end; one whose next request has arrived, or a new one, may wait for it."""
    tracker = ConnectionTracker(first_request_grace=0.05)
    tracker.close_idle_connections()
    served, _ = pairs()
    ready, ready_client = pairs()
    new, new_client = pairs()
    ready_client.sendall(b"x")

    assert not tracker.start_waiting(served, first=False)
    assert tracker.start_waiting(ready, first=False)
    assert tracker.start_waiting(new, first=True)
    gevent.sleep(0.15)
    assert ended(new_client)


def test_draining_ends_connections_after_their_response_without_closing():
    """start_draining makes every connection end after its response (``ending``), but closes
    nothing itself."""
    tracker = ConnectionTracker()
    assert not tracker.ending
    tracker.draining = True
    assert tracker.ending
    assert not tracker.closing
