"""What a sidecar's process does at start-up: log to standard error, stop on a signal."""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from types import FrameType

#: The format of every sidecar's log lines.
LOG_FORMAT = "%(asctime)s:%(levelname)s:%(name)s:%(message)s"


def argument_parser(prog: str, description: str, section: str) -> argparse.ArgumentParser:
    """Return a command-line parser with what every sidecar takes: its INI file and ``--debug``.

    The caller adds its own arguments and parses; ``config_file`` and ``debug`` are in the
    result.

    Args:
        prog: The program's name, for the usage line.
        description: What it does, for ``--help``.
        section: The INI file's section it reads, without brackets, for ``--help``.

    .. versionadded:: 0.1.0
    """
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("config_file", help=f"the INI file with a [{section}] section")
    parser.add_argument("--debug", action="store_true", help="log at debug level")
    return parser


def configure_logging(debug: bool) -> None:
    """Log to standard error at INFO, or DEBUG when ``debug`` (a sidecar's ``--debug``).

    Args:
        debug: Whether to log at DEBUG level.

    .. versionadded:: 0.1.0
    """
    logging.basicConfig(level=logging.DEBUG if debug else logging.INFO, format=LOG_FORMAT)


def stop_on_signals(logger: logging.Logger) -> threading.Event:
    """Return an event that SIGTERM or SIGINT sets, each logged at INFO on ``logger``.

    The handlers replace any installed before, for the rest of the process; call this from
    the main thread (as the standard library's :func:`!signal.signal` requires), once the
    sidecar has started.

    Args:
        logger: Where to log ``Received signal <n>; stopping``.

    Returns:
        The event; the sidecar's loop stops when it is set.

    .. versionadded:: 0.1.0
    """
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        logger.info("Received signal %d; stopping", signum)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    return stop
