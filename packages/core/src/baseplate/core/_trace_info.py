"""Trace context: the identifiers that tie a span into a distributed trace."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import NamedTuple

#: Trace and span identifiers are unsigned 64-bit integers.
MAX_ID = 2**64
#: The ``flags`` bit that asks every hop to record the trace ("debug" in Zipkin terms).
FLAG_DEBUG = 1

_getrandbits = random.getrandbits


def new_span_id() -> int:
    """Return a fresh random 64-bit span identifier."""
    return _getrandbits(64)


def _check_id(name: str, value: object, required: bool) -> None:
    if value is None:
        if required:
            raise ValueError(f"{name} is required, got None")
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an int, got {value!r}")
    if not 0 <= value < MAX_ID:
        raise ValueError(f"{name} must be in [0, 2**64), got {value!r}")


class TraceInfo(NamedTuple):
    """Trace context for a span.

    When a request arrives on behalf of an upstream service, the upstream passes its trace
    context along (in Thrift or HTTP headers). The integration collects it into a
    :class:`TraceInfo` and hands it to :meth:`Baseplate.make_server_span
    <baseplate.core.Baseplate.make_server_span>` so that the server span joins the same trace.

    Identifiers are integers in ``[0, 2**64)``. ``sampled`` is ``None`` when the upstream made no
    sampling decision (this service then decides), and ``flags`` is ``None`` or a bit field
    (bit 1, :data:`FLAG_DEBUG`, forces recording).
    """

    trace_id: int
    parent_id: int | None
    span_id: int
    sampled: bool | None
    flags: int | None

    @classmethod
    def new(cls) -> TraceInfo:
        """Generate trace context for a request that starts a new trace.

        The trace id is random and the root span's id equals the trace id; there is no
        parent and no sampling decision yet.
        """
        trace_id = _getrandbits(64)
        return cls(trace_id, None, trace_id, None, None)

    @classmethod
    def from_upstream(
        cls,
        trace_id: int,
        parent_id: int | None,
        span_id: int,
        sampled: bool | None,
        flags: int | None,
    ) -> TraceInfo:
        """Build a :class:`TraceInfo` from values an upstream service sent.

        Args:
            trace_id: The ID of the trace.
            parent_id: The ID of the parent span, or ``None`` when the upstream span is a root
                (B3 and W3C roots carry no parent).
            span_id: The ID of this span within the tree.
            sampled: Whether the upstream decided to sample, or ``None`` if it did not decide.
            flags: Bit flags passed downstream, or ``None``.

        Raises:
            ValueError: if an ID is missing, not an int, or outside ``[0, 2**64)``; if
                ``sampled`` is not a bool or ``None``; or if ``flags`` is out of range.
        """
        _check_id("trace_id", trace_id, required=True)
        _check_id("span_id", span_id, required=True)
        _check_id("parent_id", parent_id, required=False)
        if sampled is not None and not isinstance(sampled, bool):
            raise ValueError(f"sampled must be a bool or None, got {sampled!r}")
        _check_id("flags", flags, required=False)
        return cls(trace_id, parent_id, span_id, sampled, flags)

    @classmethod
    def from_headers(
        cls, lookup: Callable[[str], str | None], prefix: str = "", *, traceparent: bool = False
    ) -> TraceInfo | None:
        """Read trace context from request headers.

        This is the parsing shared by the Thrift and HTTP integrations. ``lookup`` returns
        the value of a header by name (case-insensitively) or ``None``; ``prefix`` is
        prepended to each name (``"X-"`` for HTTP). The headers read are ``Trace``, ``Span``,
        ``Parent``, ``Sampled`` and ``Flags`` (decimal integers; ``Sampled`` is ``1``/``0``),
        and their B3 aliases ``B3-TraceId``, ``B3-SpanId``, ``B3-ParentSpanId``,
        ``B3-Sampled`` and ``B3-Flags``, whose IDs may be hexadecimal as the B3 specification
        has them (a 128-bit B3 trace ID keeps its low 64 bits). With ``traceparent=True``,
        when none of those is present, a W3C ``traceparent`` header (no prefix) is read
        instead, as :meth:`from_traceparent` does.

        Returns:
            ``None`` when no trace header is present.

        Raises:
            ValueError: if the headers are present but malformed, incomplete, or if a header
                and its alias disagree.
        """
        trace_id = _read_id(lookup, prefix, "Trace", "B3-TraceId")
        if trace_id is None:
            if traceparent:
                header = lookup("traceparent")
                if header is not None:
                    return cls.from_traceparent(header)
            return None
        span_id = _read_id(lookup, prefix, "Span", "B3-SpanId")
        if span_id is None:
            raise ValueError("a trace id was sent without a span id")
        parent_id = _read_id(lookup, prefix, "Parent", "B3-ParentSpanId")
        sampled_text = _read_one(lookup, prefix, "Sampled", "B3-Sampled")
        sampled = None if sampled_text is None else _parse_sampled(sampled_text)
        flags_text = _read_one(lookup, prefix, "Flags", "B3-Flags")
        flags = None if flags_text is None else _parse_decimal("Flags", flags_text)
        return cls.from_upstream(trace_id, parent_id, span_id, sampled, flags)

    @classmethod
    def from_traceparent(cls, header: str) -> TraceInfo:
        """Build a :class:`TraceInfo` from a W3C Trace Context ``traceparent`` header.

        The header is ``<version>-<32 hex trace id>-<16 hex parent id>-<2 hex flags>``.
        Baseplate's identifiers are 64-bit, so the trace id keeps its low 64 bits (its high 64
        bits when the low ones are all zeros: 0 is no trace id for a Zipkin collector). As with
        Baseplate's own headers, the server span shares the caller's span: its id is the
        header's parent id, and its parent is unknown (``None``). The ``sampled`` flag bit
        becomes ``sampled``; ``flags`` is ``None``.

        Raises:
            ValueError: if the header is malformed, uses the reserved version ``ff``, or
                carries an all-zero trace or parent id.
        """
        parts = header.strip().split("-")
        if len(parts) < 4:
            raise ValueError(f"traceparent must have four dash-separated fields, got {header!r}")
        version, trace_hex, parent_hex, flags_hex = parts[:4]
        if (
            len(version) != 2
            or len(trace_hex) != 32
            or len(parent_hex) != 16
            or len(flags_hex) != 2
            or not all(_is_lower_hex(p) for p in (version, trace_hex, parent_hex, flags_hex))
        ):
            raise ValueError(f"malformed traceparent {header!r}")
        if version == "ff" or (version == "00" and len(parts) != 4):
            raise ValueError(f"unsupported traceparent version in {header!r}")
        trace_id = int(trace_hex, 16)
        span_id = int(parent_hex, 16)
        if trace_id == 0 or span_id == 0:
            raise ValueError(f"traceparent ids must not be all zeros, got {header!r}")
        sampled = bool(int(flags_hex, 16) & 1)
        return cls(trace_id & (MAX_ID - 1) or trace_id >> 64, None, span_id, sampled, None)


def format_traceparent(trace_id: int, span_id: int, sampled: bool | None) -> str:
    """Return the W3C ``traceparent`` header for a span.

    The 64-bit trace id is zero-padded to the 128 bits W3C requires; the sampled bit is set
    only when ``sampled`` is true.
    """
    return f"00-{trace_id:032x}-{span_id:016x}-{'01' if sampled else '00'}"


def _is_lower_hex(text: str) -> bool:
    return all(c in "0123456789abcdef" for c in text)


def _read_one(
    lookup: Callable[[str], str | None], prefix: str, primary: str, alias: str
) -> str | None:
    value = lookup(prefix + primary)
    alias_value = lookup(prefix + alias)
    if value is None:
        return alias_value
    if alias_value is not None and alias_value.strip() != value.strip():
        raise ValueError(f"conflicting values for {primary}: {value!r} and {alias_value!r}")
    return value


def _read_id(
    lookup: Callable[[str], str | None], prefix: str, primary: str, alias: str
) -> int | None:
    value = lookup(prefix + primary)
    alias_value = lookup(prefix + alias)
    parsed = None if value is None else _parse_decimal(primary, value)
    parsed_alias = None if alias_value is None else _parse_b3_id(alias, alias_value)
    if parsed is None:
        return parsed_alias
    if parsed_alias is not None and parsed_alias != parsed:
        raise ValueError(f"conflicting values for {primary}: {value!r} and {alias_value!r}")
    return parsed


def _parse_decimal(name: str, text: str) -> int:
    text = text.strip()
    if not text.isascii() or not text.isdigit():
        raise ValueError(f"{name} must be a decimal integer, got {text!r}")
    return int(text)


def _parse_b3_id(name: str, text: str) -> int:
    text = text.strip()
    if len(text) in (16, 32):
        try:
            return int(text, 16) & (MAX_ID - 1)
        except ValueError:
            pass
    try:
        return _parse_decimal(name, text)
    except ValueError:
        raise ValueError(f"{name} must be 16 or 32 hex digits or a decimal, got {text!r}") from None


def _parse_sampled(text: str) -> bool:
    value = text.strip().lower()
    if value in ("1", "true", "d"):
        return True
    if value in ("0", "false"):
        return False
    raise ValueError(f"Sampled must be 1 or 0, got {text!r}")
