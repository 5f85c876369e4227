"""The event collector's HTTP client: signed, gzipped POSTs over one keep-alive connection.

Each POST's body is a batch of events; the collector checks the ``X-Signature`` header, an
HMAC-SHA256 of the uncompressed body under a shared key, and takes the body gzipped
(``Content-Encoding: gzip``). Each POST ends in one of three outcomes:

* ``SENT``: a 2xx answer; the collector has the events.
* ``TRANSIENT``: no answer (an I/O error: connection refused, reset or unreachable, a TLS
  failure, a timeout) or a 5xx, 408 or 429 answer; the same body may be accepted later.
* ``REFUSED``: any other answer (another 4xx; also a 1xx or 3xx, since redirects are not
  followed); the collector will never accept this body.

It is the standard library's client: the collector is one fixed, known endpoint, and a
sidecar needs nothing more.
"""

from __future__ import annotations

import email.utils
import enum
import gzip
import hashlib
import hmac
import http.client
import urllib.parse
from typing import NamedTuple

#: The ``User-Agent`` of the publisher's POSTs, the one collectors know.
USER_AGENT = "baseplate-event-publisher/1.0"
#: Level 9: the smallest bodies; the publisher's CPU is cheaper than the network.
GZIP_LEVEL = 9


class Outcome(enum.Enum):
    """What a POST to the collector came to (see the module's documentation)."""

    SENT = "sent"
    TRANSIENT = "transient"
    REFUSED = "refused"


def classify(status: int) -> Outcome:
    """The outcome of an HTTP answer with ``status``."""
    if 200 <= status < 300:
        return Outcome.SENT
    if status >= 500 or status in (408, 429):
        return Outcome.TRANSIENT
    return Outcome.REFUSED


class Answer(NamedTuple):
    """The result of one POST: its outcome, the status (0 without an answer), the answer's
    body, and the I/O error that stopped the POST (``None`` when an answer came)."""

    outcome: Outcome
    status: int
    body: bytes
    error: Exception | None

    @property
    def text(self) -> str:
        """The answer's body as text (undecodable bytes replaced)."""
        return self.body.decode("utf-8", "replace")


def signature_header(key_name: str, secret: bytes, body: bytes) -> str:
    """The ``X-Signature`` header of ``body``: ``key=<name>, mac=<hex HMAC-SHA256>``.

    The MAC is of the body as it is before compression, keyed with the decoded secret.
    """
    mac = hmac.new(secret, body, hashlib.sha256).hexdigest()
    return f"key={key_name}, mac={mac}"


def compress(body: bytes) -> bytes:
    """Gzip ``body`` as the publisher sends it (level :data:`GZIP_LEVEL`, no timestamp)."""
    return gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)


#: Errors of a kept-alive connection that the collector closed while it was idle.
_CLOSED_WHILE_IDLE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


class CollectorClient:
    """POSTs signed, gzipped batches to one URL over a keep-alive connection.

    I/O errors never escape :meth:`post`: they are an :class:`Answer` with the ``TRANSIENT``
    outcome. A kept-alive connection that the collector closed while it was idle is replaced
    and the POST made once more on the new one. Not thread-safe.

    Args:
        url: Where to POST, ``http://`` or ``https://``.
        key_name: The signing key's name, sent in ``X-Signature``.
        secret: The signing key.
        timeout: The timeout of each connect and each read, in seconds.

    Raises:
        ValueError: if ``url`` is not an ``http://`` or ``https://`` URL with a host.
    """

    def __init__(self, url: str, key_name: str, secret: bytes, timeout: float) -> None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"expected an http:// or https:// URL with a host, got {url!r}")
        self.url = url
        self._connection_type: type[http.client.HTTPConnection] = (
            http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        )
        self._host = parts.hostname
        self._port = parts.port
        self._path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self._key_name = key_name
        self._secret = secret
        self._timeout = timeout
        self._connection: http.client.HTTPConnection | None = None

    def headers(self, body: bytes) -> dict[str, str]:
        """The headers of a POST of ``body`` (uncompressed), made now."""
        return {
            "Date": email.utils.formatdate(usegmt=True),
            "User-Agent": USER_AGENT,
            "Content-Type": "application/json",
            "Content-Encoding": "gzip",
            "X-Signature": signature_header(self._key_name, self._secret, body),
        }

    def post(self, body: bytes) -> Answer:
        """Sign, compress and POST ``body``; I/O errors are answers too (``TRANSIENT``)."""
        headers = self.headers(body)
        payload = compress(body)
        try:
            if self._connection is not None:
                try:
                    return self._post(self._connection, payload, headers)
                except _CLOSED_WHILE_IDLE:
                    pass  # closed while idle: open a fresh connection below
            connection = self._connection_type(self._host, self._port, timeout=self._timeout)
            self._connection = connection
            return self._post(connection, payload, headers)
        except (OSError, http.client.HTTPException) as exc:
            return Answer(Outcome.TRANSIENT, 0, b"", exc)

    def _post(
        self, connection: http.client.HTTPConnection, payload: bytes, headers: dict[str, str]
    ) -> Answer:
        try:
            connection.request("POST", self._path, payload, headers)
            response = connection.getresponse()
            data = response.read()
        except BaseException:
            self.close()
            raise
        if response.will_close:
            self.close()
        return Answer(classify(response.status), response.status, data, None)

    def close(self) -> None:
        """Close the connection, if one is open; the next POST opens another."""
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()
