"""The event logger interface that other packages log through, and its debug implementation."""

from __future__ import annotations

import abc
import logging
from typing import Any


class EventLogger(abc.ABC):
    """Where a component sends the events it produces, without knowing their transport.

    A component that emits events (the experiments client's bucketing and exposure events,
    for one) takes an ``EventLogger`` and calls :meth:`log` with the event's fields as keyword
    arguments; the application decides what a logged event becomes: a line in the log
    (:class:`DebugLogger`), or an event built from the fields and put on an
    :class:`~baseplate.events.EventQueue` (:class:`~baseplate.events.EventQueueLogger`).

    .. versionadded:: 0.1.0
    """

    @abc.abstractmethod
    def log(self, **kwargs: Any) -> None:
        """Log one event made of ``kwargs``.

        Called on the request path, by the component that produced the event: it must not
        block for long and should not raise (a full queue, say, is the logger's to handle).

        Args:
            kwargs: The event's fields; the producing component documents which it passes.
        """


class DebugLogger(EventLogger):
    """An :class:`EventLogger` that writes each event to the ``baseplate.events`` logger.

    Each event is one debug-level record whose message holds the fields, sorted by name.
    This is the default when an application configures no logger of its own.

    Args:
        logger: The logger to write to; defaults to ``logging.getLogger("baseplate.events")``.

    .. versionadded:: 0.1.0
    """

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self.logger = logger or logging.getLogger("baseplate.events")

    def log(self, **kwargs: Any) -> None:
        """Write ``kwargs`` to the log at debug level."""
        self.logger.debug("event: %r", dict(sorted(kwargs.items())))
