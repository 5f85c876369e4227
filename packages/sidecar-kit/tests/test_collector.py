"""Tests of the one HTTP client for a collector and its reading of answers."""

from __future__ import annotations

import base64
import ssl
from collections.abc import Callable
from typing import Any

import pytest

from baseplate.sidecar_kit import CollectorClient, Outcome, classify

HANG = "hang"


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (200, Outcome.SENT),
        (202, Outcome.SENT),
        (204, Outcome.SENT),
        (299, Outcome.SENT),
        (500, Outcome.TRANSIENT),
        (503, Outcome.TRANSIENT),
        (599, Outcome.TRANSIENT),
        (408, Outcome.TRANSIENT),
        (429, Outcome.TRANSIENT),
        (400, Outcome.REFUSED),
        (401, Outcome.REFUSED),
        (403, Outcome.REFUSED),
        (413, Outcome.REFUSED),
        (499, Outcome.REFUSED),
        (301, Outcome.REFUSED),
        (302, Outcome.REFUSED),
        (101, Outcome.REFUSED),
    ],
)
def test_answers_are_classified_once_for_every_caller(status: int, outcome: Outcome) -> None:
    """2xx is sent; 5xx, 408 and 429 are worth another try; any other answer is refused."""
    assert classify(status) is outcome


@pytest.mark.integration
def test_a_post_returns_the_collectors_answer(collector: Callable[..., Any]) -> None:
    """The body is POSTed as JSON with the user agent, to the URL's path and query; the
    answer's outcome, status and body come back."""
    server = collector(default=(400, b"no \xff"))
    client = CollectorClient(f"http://{server.address}/api/v1/spans?x=1", 2.0, "agent/1")
    try:
        answer = client.post(b"[]")
    finally:
        client.close()
    assert (answer.outcome, answer.status, answer.body, answer.error) == (
        Outcome.REFUSED,
        400,
        b"no \xff",
        None,
    )
    assert answer.text == "no \ufffd"
    (received,) = server.requests
    assert (received.method, received.path, received.body) == ("POST", "/api/v1/spans?x=1", b"[]")
    assert received.headers["content-type"] == "application/json"
    assert received.headers["user-agent"] == "agent/1"
    assert "authorization" not in received.headers


@pytest.mark.integration
def test_credentials_in_the_url_are_sent_as_basic_authentication(
    collector: Callable[..., Any],
) -> None:
    """user:password@ in the URL (percent-decoded) becomes an Authorization header."""
    server = collector()
    client = CollectorClient(f"http://us%3Aer:p%40ss@{server.address}/spans", 2.0, "a")
    try:
        assert client.post(b"[]").outcome is Outcome.SENT
    finally:
        client.close()
    expected = base64.b64encode(b"us:er:p@ss").decode()
    assert server.requests[0].headers["authorization"] == f"Basic {expected}"


@pytest.mark.integration
def test_io_errors_are_transient_answers(refused_address: str) -> None:
    """A refused connection does not raise: it is a TRANSIENT answer carrying the error."""
    client = CollectorClient(f"http://{refused_address}/spans", 2.0, "a")
    answer = client.post(b"[]")
    assert (answer.outcome, answer.status, answer.body) == (Outcome.TRANSIENT, 0, b"")
    assert isinstance(answer.error, ConnectionRefusedError)


@pytest.mark.integration
def test_a_collector_that_never_answers_times_out(collector: Callable[..., Any]) -> None:
    """The timeout bounds the wait for an answer; the next POST opens a new connection."""
    server = collector(script=[HANG], default=(202, b""))
    client = CollectorClient(f"http://{server.address}/spans", 0.2, "a")
    try:
        first = client.post(b"[]")
        second = client.post(b"[]")
    finally:
        client.close()
    assert first.outcome is Outcome.TRANSIENT
    assert isinstance(first.error, TimeoutError)
    assert (second.outcome, len(server.requests)) == (Outcome.SENT, 2)


@pytest.mark.integration
def test_https_urls_speak_tls(collector: Callable[..., Any]) -> None:
    """An https:// URL is posted over TLS: a plain-HTTP server fails the handshake, which is
    an I/O error like any other (TRANSIENT)."""
    server = collector()
    client = CollectorClient(f"https://{server.address}/spans", 2.0, "a")
    answer = client.post(b"[]")
    assert answer.outcome is Outcome.TRANSIENT
    assert isinstance(answer.error, ssl.SSLError)


@pytest.mark.parametrize("url", ["zipkin:9411/spans", "ftp://zipkin/spans", "http:///spans"])
def test_only_http_urls_with_a_host_are_accepted(url: str) -> None:
    """Anything but an http:// or https:// URL with a host is a ValueError naming it."""
    with pytest.raises(ValueError, match="expected an http:// or https:// URL with a host, got"):
        CollectorClient(url, 1.0, "a")


@pytest.mark.integration
def test_headers_of_one_post_are_added_to_the_clients_own(
    collector: Callable[..., Any],
) -> None:
    """A POST's own headers are sent with the client's; a POST without them sends only the
    client's (the first POST's do not stick)."""
    server = collector()
    client = CollectorClient(f"http://{server.address}/v1", 2.0, "agent/1", "text/plain")
    try:
        first = client.post(b"a", {"X-Signature": "key=K", "User-Agent": "agent/2"})
        second = client.post(b"b")
    finally:
        client.close()
    assert (first.outcome, second.outcome) == (Outcome.SENT, Outcome.SENT)
    one, two = server.requests
    assert (one.headers["x-signature"], one.headers["user-agent"]) == ("key=K", "agent/2")
    assert one.headers["content-type"] == "text/plain"
    assert "x-signature" not in two.headers
    assert two.headers["user-agent"] == "agent/1"
