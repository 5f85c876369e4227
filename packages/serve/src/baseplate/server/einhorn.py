"""Running as a worker of Stripe's Einhorn socket manager.

Einhorn binds the listening sockets itself, starts the workers with those sockets inherited
and describes them in environment variables. With ``einhorn -m manual`` a worker tells the
master it is ready with an "ACK" sent over the master's command socket; ``baseplate-serve``
does that once the application and server are built, just before it starts serving::

    einhorn -m manual -n 4 --bind localhost:9190 baseplate-serve myapp.ini

Every function takes the environment as an argument (the process's own by default), so it
can be tested without being an Einhorn worker.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Mapping

from baseplate.server._errors import EinhornError

__all__ = ["ack_startup", "get_socket", "get_socket_count", "is_worker"]

_FAMILIES = {
    "AF_INET": socket.AF_INET,
    "AF_INET6": socket.AF_INET6,
    "AF_UNIX": socket.AF_UNIX,
}


def is_worker(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether this process is a worker started by an Einhorn master.

    It is when ``EINHORN_MASTER_PID`` names this process's parent.

    .. versionadded:: 0.1.0
    """
    master_pid = environ.get("EINHORN_MASTER_PID", "")
    try:
        return os.getppid() == int(master_pid)
    except ValueError:
        return False


def get_socket_count(environ: Mapping[str, str] = os.environ) -> int:
    """The number of listening sockets Einhorn passed to this worker (``EINHORN_FD_COUNT``).

    Raises:
        EinhornError: ``EINHORN_FD_COUNT`` is not a number.

    .. versionadded:: 0.1.0
    """
    text = environ.get("EINHORN_FD_COUNT", "0")
    try:
        return int(text)
    except ValueError:
        raise EinhornError(f"EINHORN_FD_COUNT must be a number, got {text!r}") from None


def get_socket(index: int = 0, environ: Mapping[str, str] = os.environ) -> socket.socket:
    """Return the ``index``-th listening socket Einhorn passed to this worker.

    The file descriptor comes from ``EINHORN_FD_<index>`` and the address family from
    ``EINHORN_FD_FAMILY_<index>`` (``AF_INET``, ``AF_INET6`` or ``AF_UNIX``; ``AF_INET`` when
    absent). The returned socket owns the descriptor.

    Raises:
        EinhornError: there is no such socket, or its variables are malformed.

    .. versionadded:: 0.1.0
    """
    count = get_socket_count(environ)
    if not 0 <= index < count:
        raise EinhornError(
            f"Einhorn passed {count} socket(s) (EINHORN_FD_COUNT), so there is no socket {index}"
        )
    fd_text = environ.get(f"EINHORN_FD_{index}", "")
    try:
        fd = int(fd_text)
    except ValueError:
        raise EinhornError(
            f"EINHORN_FD_{index} must be a file descriptor number, got {fd_text!r}"
        ) from None
    family_name = environ.get(f"EINHORN_FD_FAMILY_{index}", "AF_INET")
    try:
        family = _FAMILIES[family_name]
    except KeyError:
        raise EinhornError(
            f"EINHORN_FD_FAMILY_{index} must be one of {sorted(_FAMILIES)}, got {family_name!r}"
        ) from None
    return socket.socket(family, socket.SOCK_STREAM, 0, fileno=fd)


def ack_startup(environ: Mapping[str, str] = os.environ) -> None:
    """Tell the Einhorn master that this worker is ready to serve ("manual ACK").

    Connects to the master's command socket (``EINHORN_SOCK_PATH``), sends the line
    ``{"command": "worker:ack", "pid": <this process's id>}`` and closes the connection.

    Raises:
        EinhornError: ``EINHORN_SOCK_PATH`` is not set.
        OSError: the command socket cannot be reached.

    .. versionadded:: 0.1.0
    """
    path = environ.get("EINHORN_SOCK_PATH")
    if not path:
        raise EinhornError("EINHORN_SOCK_PATH is not set, so the Einhorn master cannot be told")
    message = json.dumps({"command": "worker:ack", "pid": os.getpid()}) + "\n"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as control:
        control.connect(path)
        control.sendall(message.encode("utf-8"))
