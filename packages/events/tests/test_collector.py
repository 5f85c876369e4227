"""The collector client's wire format: the X-Signature header, gzip, and the other headers."""

from __future__ import annotations

import email.utils
import gzip
import time
from collections.abc import Callable

import pytest

from baseplate.events._collector import CollectorClient, compress, signature_header
from baseplate.sidecar_kit import Outcome


def test_the_signature_matches_the_known_vector() -> None:
    """HMAC-SHA256 of the uncompressed body under the secret, hex, with the key's name."""
    header = signature_header("TestKey", b"hunter2", b'[{"example": "value"}]')

    assert (
        header
        == "key=TestKey, mac=7c46d56b99cd4cb05e08238c1d4c10a2f330795e9d7327f17cc66fd206bf1179"
    )


def test_bodies_are_gzipped_at_the_highest_level() -> None:
    """The body round-trips through gzip, compressed as well as level 9 does it."""
    body = b'[{"event_topic":"t","payload":{}}]' * 200

    compressed = compress(body)

    assert body == gzip.decompress(compressed)
    assert len(gzip.compress(body, compresslevel=9, mtime=0)) == len(compressed)


def test_the_headers_of_a_post() -> None:
    """Date (RFC 1123, GMT), the user agent, JSON, gzip and the signature of the body."""
    client = CollectorClient("https://events.example.com/v1", "Key", b"hunter2", 3.0)

    headers = client.headers(b'[{"example": "value"}]')

    assert {name: value for name, value in headers.items() if name != "Date"} == {
        "User-Agent": "baseplate-event-publisher/1.0",
        "Content-Type": "application/json",
        "Content-Encoding": "gzip",
        "X-Signature": (
            "key=Key, mac=7c46d56b99cd4cb05e08238c1d4c10a2f330795e9d7327f17cc66fd206bf1179"
        ),
    }
    assert headers["Date"].endswith(" GMT")
    sent = email.utils.parsedate_to_datetime(headers["Date"]).timestamp()
    assert abs(sent - time.time()) < 5


def test_a_url_that_is_not_http_is_refused() -> None:
    """Only http:// and https:// URLs with a host; the error quotes the URL."""
    with pytest.raises(ValueError, match=r"got 'ftp://x/v1'"):
        CollectorClient("ftp://x/v1", "Key", b"s", 1.0)


@pytest.mark.integration
def test_a_post_reaches_the_collector_signed_and_compressed(
    collector: Callable[..., object],
) -> None:
    """The collector gets the path, the gunzipped body it can verify, and answers SENT."""
    server = collector()
    client = CollectorClient(f"http://{server.address}/v1", "Key", b"hunter2", 3.0)  # type: ignore[attr-defined]

    first = client.post(b'[{"example": "value"}]')
    second = client.post(b"[]")  # over the same kept-alive connection

    assert (first.outcome, first.status) == (Outcome.SENT, 200)
    assert Outcome.SENT is second.outcome
    [(path, headers, body), _] = server.requests  # type: ignore[attr-defined]
    assert (path, body) == ("/v1", b'[{"example": "value"}]')
    assert headers["x-signature"].endswith(
        "mac=7c46d56b99cd4cb05e08238c1d4c10a2f330795e9d7327f17cc66fd206bf1179"
    )
    client.close()


@pytest.mark.integration
def test_a_collector_that_is_down_is_a_transient_answer(unused_port: Callable[[], int]) -> None:
    """Connection refused is no exception: a TRANSIENT answer carrying the error."""
    client = CollectorClient(f"http://127.0.0.1:{unused_port()}/v1", "Key", b"s", 1.0)

    answer = client.post(b"[]")

    assert (answer.outcome, answer.status) == (Outcome.TRANSIENT, 0)
    assert isinstance(answer.error, ConnectionRefusedError)
