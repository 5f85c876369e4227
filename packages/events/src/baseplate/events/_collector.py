"""The event collector's HTTP client: signed, gzipped POSTs over one keep-alive connection.

Each POST's body is a batch of events; the collector checks the ``X-Signature`` header, an
HMAC-SHA256 of the uncompressed body under a shared key, and takes the body gzipped
(``Content-Encoding: gzip``). The connection, and the reading of each answer as sent,
transient or refused, are :class:`baseplate.sidecar_kit.CollectorClient`'s.
"""

from __future__ import annotations

import email.utils
import gzip
import hashlib
import hmac
from collections.abc import Mapping

from baseplate import sidecar_kit
from baseplate.sidecar_kit import Answer

#: The ``User-Agent`` of the publisher's POSTs, the one collectors know.
USER_AGENT = "baseplate-event-publisher/1.0"
#: Level 9: the smallest bodies; the publisher's CPU is cheaper than the network.
GZIP_LEVEL = 9


def signature_header(key_name: str, secret: bytes, body: bytes) -> str:
    """The ``X-Signature`` header of ``body``: ``key=<name>, mac=<hex HMAC-SHA256>``.

    The MAC is of the body as it is before compression, keyed with the decoded secret.
    """
    mac = hmac.new(secret, body, hashlib.sha256).hexdigest()
    return f"key={key_name}, mac={mac}"


def compress(body: bytes) -> bytes:
    """Gzip ``body`` as the publisher sends it (level :data:`GZIP_LEVEL`, no timestamp)."""
    return gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)


class CollectorClient(sidecar_kit.CollectorClient):
    """POSTs signed, gzipped batches to one URL over a keep-alive connection.

    I/O errors never escape :meth:`post`: they are an :class:`~baseplate.sidecar_kit.Answer`
    with the ``TRANSIENT`` outcome. A kept-alive connection that the collector closed while
    it was idle is replaced and the POST made once more on the new one. Not thread-safe.

    Args:
        url: Where to POST, ``http://`` or ``https://``.
        key_name: The signing key's name, sent in ``X-Signature``.
        secret: The signing key.
        timeout: The timeout of each connect and each read, in seconds.

    Raises:
        ValueError: if ``url`` is not an ``http://`` or ``https://`` URL with a host.
    """

    def __init__(self, url: str, key_name: str, secret: bytes, timeout: float) -> None:
        super().__init__(url, timeout, USER_AGENT)
        self._key_name = key_name
        self._secret = secret

    def headers(self, body: bytes) -> dict[str, str]:
        """The headers of a POST of ``body`` (uncompressed), made now."""
        return {
            "Date": email.utils.formatdate(usegmt=True),
            "User-Agent": USER_AGENT,
            "Content-Type": "application/json",
            "Content-Encoding": "gzip",
            "X-Signature": signature_header(self._key_name, self._secret, body),
        }

    def post(self, body: bytes, headers: Mapping[str, str] | None = None) -> Answer:
        """Sign, compress and POST ``body``; I/O errors are answers too (``TRANSIENT``).

        Args:
            body: The batch, uncompressed.
            headers: Headers of this POST only, on top of the signed ones.
        """
        sent = self.headers(body)
        if headers is not None:
            sent.update(headers)
        return super().post(compress(body), sent)
