"""The process-wide serving state that health checks consult.

This is the one piece of process-global state in ``baseplate-serve``: whether this process is
serving, draining before shutdown, or stopping. It lives here, behind :func:`state`,
:func:`set_state` and :func:`reset_state`, so that nothing else needs a global.
"""

from __future__ import annotations

import enum


class Probe(enum.IntEnum):
    """The kind of health check a caller asks for.

    The values are those of ``IsHealthyProbe`` in Baseplate's Thrift IDL, and the numbers the
    ``type`` query parameter of a WSGI service's ``/health`` endpoint carries.

    .. versionadded:: 0.1.0
    """

    READINESS = 1
    """Should this instance receive new requests? Fails while the server drains."""

    LIVENESS = 2
    """Is the process working at all? A failing liveness check gets the process restarted."""

    STARTUP = 3
    """Has the process finished starting up?"""

    @classmethod
    def parse(cls, text: str) -> Probe:
        """Parse a probe from its name (any case) or its number.

        Raises:
            ValueError: ``text`` is neither ``readiness``, ``liveness``, ``startup`` nor one
                of their numbers.
        """
        word = text.strip()
        if word.isdigit():
            try:
                return cls(int(word))
            except ValueError:
                pass
        else:
            try:
                return cls[word.upper()]
            except KeyError:
                pass
        accepted = ", ".join(f"{probe.name.lower()} ({probe.value})" for probe in cls)
        raise ValueError(f"unknown health check probe {text!r}; expected one of: {accepted}")


class ServerState(enum.Enum):
    """Where the serving process is in its life.

    .. versionadded:: 0.1.0
    """

    SERVING = "serving"
    """Accepting and handling requests. The state of any process not being stopped."""

    DRAINING = "draining"
    """Shutdown has begun. Requests are still served, but readiness checks fail so that load
    balancers stop sending new ones (for the server's ``drain_time``)."""

    STOPPING = "stopping"
    """The listener is closed; in-flight requests are finishing."""

    def passes(self, probe: Probe) -> bool:
        """Whether a health check of kind ``probe`` should pass in this state.

        Readiness passes only while :attr:`SERVING`; liveness and startup pass in every
        state, since the process is alive and started for as long as it can answer. An
        application's health check should combine this with checks of its own.
        """
        if probe is Probe.READINESS:
            return self is ServerState.SERVING
        return True


_current = ServerState.SERVING


def state() -> ServerState:
    """Return this process's serving state.

    It is :attr:`ServerState.SERVING` unless ``baseplate-serve`` has begun shutting the
    process down, so code that runs outside ``baseplate-serve`` (tests, scripts) sees a
    serving process.

    .. versionadded:: 0.1.0
    """
    return _current


def set_state(new_state: ServerState) -> None:
    """Record a new serving state. ``baseplate-serve`` calls this while shutting down.

    .. versionadded:: 0.1.0
    """
    global _current
    _current = new_state


def reset_state() -> None:
    """Return the serving state to :attr:`ServerState.SERVING`, e.g. between tests.

    .. versionadded:: 0.1.0
    """
    set_state(ServerState.SERVING)
