"""Making the listening socket: Einhorn's, or a new one."""

from __future__ import annotations

import logging
import os
import socket
import stat
from collections.abc import Mapping

from baseplate.config import EndpointConfiguration
from baseplate.server import einhorn

logger = logging.getLogger(__name__)

LISTEN_BACKLOG = 128


def make_listener(
    endpoint: EndpointConfiguration, environ: Mapping[str, str] = os.environ
) -> socket.socket:
    """Return the socket the server listens on.

    Under Einhorn, with at least one socket bound by the master, that socket is used and
    ``endpoint`` is ignored. Otherwise a new socket is bound to ``endpoint`` with
    ``SO_REUSEADDR`` (a stale UNIX socket file left by a previous run is removed first) and
    listened on. The socket is not inherited by child processes. An endpoint's address may be
    an :class:`~baseplate.config.InternetAddress` or any ``(host, port)`` pair.

    .. versionadded:: 0.1.0
    """
    if einhorn.is_worker(environ) and einhorn.get_socket_count(environ) > 0:
        listener = einhorn.get_socket(0, environ)
        logger.debug("Using the socket Einhorn bound (fd %d)", listener.fileno())
        return listener

    listener = socket.socket(endpoint.family, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        address = endpoint.address
        if isinstance(address, str):
            _remove_stale_socket_file(address)
            listener.bind(address)
        else:
            host, port = address
            listener.bind((host, port))
        listener.listen(LISTEN_BACKLOG)
    except BaseException:
        listener.close()
        raise
    return listener


def _remove_stale_socket_file(path: str) -> None:
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return
    if stat.S_ISSOCK(mode):
        os.unlink(path)
