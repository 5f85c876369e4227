"""The one HTTP client for a collector, and the one reading of its answers.

Every POST to a collector (spans to a Zipkin-compatible one, from the remote recorder and
the trace publisher; batches of events to the event collector) goes through
:class:`CollectorClient`, and ends in one of three :class:`Outcome`\\ s:

* ``SENT``: a 2xx answer; the collector has the body.
* ``TRANSIENT``: no answer (an I/O error: connection refused, reset or unreachable, a TLS
  failure, a timeout) or a 5xx, 408 or 429 answer; the same body may be accepted later.
* ``REFUSED``: any other answer (another 4xx; also a 1xx or 3xx, since redirects are not
  followed); the collector will never accept this body.

What to do about an outcome is the caller's policy (see :class:`RetryingPoster` for the
sidecars' one).

This is the standard library's client, not requests: requests spends about a millisecond of
CPU per POST on work a fixed, known endpoint does not need, and in an application process
that CPU is taken from the requests it is serving.
"""

from __future__ import annotations

import base64
import enum
import http.client
import urllib.parse
from collections.abc import Mapping
from typing import NamedTuple


class Outcome(enum.Enum):
    """What a POST to the collector came to (see :class:`CollectorClient`).

    .. versionadded:: 0.1.0
    """

    SENT = "sent"
    TRANSIENT = "transient"
    REFUSED = "refused"


def classify(status: int) -> Outcome:
    """Return the outcome of an HTTP answer with ``status``.

    2xx is ``SENT``; 5xx, 408 and 429 are ``TRANSIENT``; any other status is ``REFUSED``.

    Args:
        status: The answer's HTTP status.

    .. versionadded:: 0.1.0
    """
    if 200 <= status < 300:
        return Outcome.SENT
    if status >= 500 or status in (408, 429):
        return Outcome.TRANSIENT
    return Outcome.REFUSED


class Answer(NamedTuple):
    """The result of one POST.

    Attributes:
        outcome: How to read it.
        status: The HTTP status, or 0 when no answer came.
        body: The answer's body (empty when no answer came).
        error: The I/O error that stopped the POST, or ``None`` when an answer came.

    .. versionadded:: 0.1.0
    """

    outcome: Outcome
    status: int
    body: bytes
    error: Exception | None

    @property
    def text(self) -> str:
        """The answer's body as text (undecodable bytes replaced)."""
        return self.body.decode("utf-8", "replace")


#: Errors of a kept-alive connection that the collector closed while it was idle.
_CLOSED_WHILE_IDLE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


class CollectorClient:
    """POSTs bodies to one URL over one keep-alive connection, reopened after an error.

    I/O errors never escape :meth:`post`: they are an :class:`Answer` with the ``TRANSIENT``
    outcome. A kept-alive connection that the collector closed while it was idle is replaced
    and the POST made once more on the new one. Each POST carries ``Content-Type`` and
    ``User-Agent``; credentials in the URL (``https://user:password@host/...``) are sent as
    HTTP basic authentication. Proxies are not used. Not thread-safe: each thread that posts
    has its own client.

    Args:
        url: Where to POST, ``http://`` or ``https://``.
        timeout: The timeout of each connect and each read, in seconds.
        user_agent: The ``User-Agent`` header.
        content_type: The ``Content-Type`` header.

    Attributes:
        url: As given.

    Raises:
        ValueError: if ``url`` is not an ``http://`` or ``https://`` URL with a host.

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        url: str,
        timeout: float,
        user_agent: str,
        content_type: str = "application/json",
    ) -> None:
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
        self._timeout = timeout
        self._headers = {"Content-Type": content_type, "User-Agent": user_agent}
        if parts.username is not None:
            credentials = ":".join(
                urllib.parse.unquote(part or "") for part in (parts.username, parts.password)
            )
            token = base64.b64encode(credentials.encode("utf-8")).decode("ascii")
            self._headers["Authorization"] = f"Basic {token}"
        self._connection: http.client.HTTPConnection | None = None

    def post(self, body: bytes, headers: Mapping[str, str] | None = None) -> Answer:
        """POST ``body`` and read the answer.

        Args:
            body: The request's body, as sent.
            headers: Headers of this POST only, added to (or replacing) the client's own.

        Returns:
            The answer; an I/O error is one too (``TRANSIENT``, with :attr:`Answer.error`).
        """
        sent = self._headers if headers is None else {**self._headers, **headers}
        try:
            if self._connection is not None:
                try:
                    return self._post(self._connection, body, sent)
                except _CLOSED_WHILE_IDLE:
                    pass  # closed while idle: open a fresh connection below
            connection = self._connection_type(self._host, self._port, timeout=self._timeout)
            self._connection = connection
            return self._post(connection, body, sent)
        except (OSError, http.client.HTTPException) as exc:
            return Answer(Outcome.TRANSIENT, 0, b"", exc)

    def _post(
        self, connection: http.client.HTTPConnection, body: bytes, headers: Mapping[str, str]
    ) -> Answer:
        try:
            connection.request("POST", self._path, body, headers)
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
