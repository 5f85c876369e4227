"""Test doubles for applications and integrations built on Baseplate.

:class:`RecordingObserver` records every server span a :class:`~baseplate.core.Baseplate`
makes, and every event on it and on its descendants::

    recorder = RecordingObserver()
    baseplate.register(recorder)
    ...  # handle a request
    (span,) = recorder.server_spans
    assert span.finished and span.exc_info is None
    assert [c.name for c in span.children] == ["redis.GET"]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ._observer import BaseplateObserver, ExcInfo, ServerSpanObserver
from ._span import LocalSpan, ServerSpan, Span

__all__ = ["RecordedSpan", "RecordingObserver"]


@dataclass
class RecordedSpan:
    """What happened to one span, as a :class:`RecordingObserver` saw it.

    The identifiers are copied when the span is created, so they stay readable after it
    finishes.
    """

    name: str
    trace_id: int
    parent_id: int | None
    id: int
    sampled: bool | None
    flags: int | None
    component_name: str | None
    kind: str
    started: int = 0
    finished: int = 0
    exc_info: ExcInfo | None = None
    tags: dict[str, Any] = field(default_factory=dict)
    logs: list[tuple[str, Any]] = field(default_factory=list)
    children: list[RecordedSpan] = field(default_factory=list)
    context: Any = None

    def child(self, name: str) -> RecordedSpan:
        """Return the only child named ``name``.

        Raises:
            LookupError: listing the children's names if there is not exactly one.
        """
        found = [c for c in self.children if c.name == name]
        if len(found) != 1:
            names = [c.name for c in self.children]
            raise LookupError(f"expected one child named {name!r}, found children {names}")
        return found[0]


def _record(span: Span) -> RecordedSpan:
    kind = (
        "server"
        if isinstance(span, ServerSpan)
        else "local"
        if isinstance(span, LocalSpan)
        else "client"
    )
    return RecordedSpan(
        name=span.name,
        trace_id=span.trace_id,
        parent_id=span.parent_id,
        id=span.id,
        sampled=span.sampled,
        flags=span.flags,
        component_name=getattr(span, "component_name", None),
        kind=kind,
        context=span.context,
    )


class _RecordingSpanObserver(ServerSpanObserver):
    def __init__(self, record: RecordedSpan) -> None:
        self.record = record

    def on_start(self) -> None:
        self.record.started += 1

    def on_set_tag(self, key: str, value: Any) -> None:
        self.record.tags[key] = value

    def on_log(self, name: str, payload: Any) -> None:
        self.record.logs.append((name, payload))

    def on_finish(self, exc_info: ExcInfo | None) -> None:
        self.record.finished += 1
        self.record.exc_info = exc_info

    def on_child_span_created(self, span: Span) -> None:
        child = _record(span)
        self.record.children.append(child)
        span.register(_RecordingSpanObserver(child))


class RecordingObserver(BaseplateObserver):
    """A Baseplate observer that records the spans it sees, for tests.

    Attributes:
        server_spans: One :class:`RecordedSpan` per request, in order; each holds its
            descendants in ``children``.
    """

    def __init__(self) -> None:
        self.server_spans: list[RecordedSpan] = []

    def on_server_span_created(self, context: Any, server_span: ServerSpan) -> None:
        """Start recording the new request's span."""
        record = _record(server_span)
        record.context = context
        self.server_spans.append(record)
        server_span.register(_RecordingSpanObserver(record))
