"""Parsers for single values written as plain text: strings, numbers, flags and durations."""

from __future__ import annotations

import base64
import binascii
import datetime
import functools
from collections.abc import Callable
from typing import overload

from baseplate.config._combinators import Fallback
from baseplate.config._errors import quote


def String(text: str) -> str:
    """Parse a non-empty string, returned unchanged.

    Args:
        text: The raw value.

    Returns:
        ``text`` itself.

    Raises:
        ValueError: ``text`` is empty (which is also what a missing key looks like).

    .. versionadded:: 0.1.0
    """
    if not text:
        raise ValueError("expected a non-empty string, got ''")
    return text


def Float(text: str) -> float:
    """Parse a floating-point number, as :class:`float` reads it (``"1.5"``, ``"2e-3"``).

    Args:
        text: The raw value.

    Returns:
        The number.

    Raises:
        ValueError: ``text`` is not a number.

    .. versionadded:: 0.1.0
    """
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"expected a floating-point number, got {quote(text)}") from None


@overload
def Integer(text: str, base: int = 10) -> int: ...


@overload
def Integer(*, base: int = 10) -> Callable[[str], int]: ...


def Integer(text: str | None = None, base: int = 10) -> int | Callable[[str], int]:
    """Parse a whole number.

    Use ``Integer`` itself as a parser for decimal numbers, or call ``Integer(base=N)`` to get a
    parser for numbers in base ``N``, e.g. ``Integer(base=8)`` for file permissions like
    ``"644"``. ``base=0`` reads the base from a ``0x``/``0o``/``0b`` prefix. Surrounding
    whitespace and ``_`` digit separators are accepted, as by :class:`int`.

    To catch mistakes, numbers with a fractional part or an exponent (``"3.5"``, ``"1e3"``)
    are rejected rather than rounded.

    Args:
        text: The raw value. Leave it out to get a parser instead of a number.
        base: The base the number is written in: 0, or 2 to 36.

    Returns:
        The number, or when ``text`` is not given, a parser for numbers in ``base``.

    Raises:
        ValueError: ``text`` is not a whole number in ``base``, or ``base`` is not a valid
            base (that error is raised straight away when only ``base`` is given).

    .. versionadded:: 0.1.0
    """
    if isinstance(base, bool) or not isinstance(base, int) or not (base == 0 or 2 <= base <= 36):
        raise ValueError(f"Integer base must be 0 or between 2 and 36, got {base!r}")
    if text is None:
        return functools.partial(_parse_integer, base=base)
    return _parse_integer(text, base)


def _parse_integer(text: str, base: int) -> int:
    try:
        return int(text, base)
    except ValueError:
        pass
    written_in = "" if base == 10 else f" in base {base}"
    try:
        float(text)
    except ValueError:
        raise ValueError(f"expected a whole number{written_in}, got {quote(text)}") from None
    raise ValueError(
        f"expected a whole number{written_in}, got {quote(text)}: "
        "write it without a fractional part or an exponent"
    )


def PositiveInteger(text: str) -> int:
    """Parse a whole number of at least 1, such as a size or a count of workers.

    The number is read as by :func:`Integer` (decimal), then checked.

    Args:
        text: The raw value.

    Returns:
        The number.

    Raises:
        ValueError: ``text`` is not a whole number, or it is 0 or negative.

    .. versionadded:: 0.1.0
    """
    value = _parse_integer(text, 10)
    if value < 1:
        raise ValueError(f"expected a whole number of at least 1, got {quote(text)}")
    return value


def Boolean(text: str) -> bool:
    """Parse ``true`` or ``false``, in any letter case.

    Args:
        text: The raw value.

    Returns:
        :data:`True` or :data:`False`.

    Raises:
        ValueError: ``text`` is anything else, including ``yes``/``no``, ``1``/``0`` or empty.

    .. versionadded:: 0.1.0
    """
    lowered = text.lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    raise ValueError(f"expected 'true' or 'false' (in any case), got {quote(text)}")


def Percent(text: str) -> float:
    """Parse a percentage such as ``"37.5%"`` into a fraction (``0.375``).

    Args:
        text: The raw value: a number followed by ``%``.

    Returns:
        The fraction, between 0.0 and 1.0 inclusive.

    Raises:
        ValueError: ``text`` does not end with ``%``, does not start with a number, or is
            below 0% or above 100%.

    .. versionadded:: 0.1.0
    """
    if not text.endswith("%"):
        raise ValueError(f"expected a percentage ending with '%', like '37.5%', got {quote(text)}")
    try:
        number = float(text[:-1])
    except ValueError:
        raise ValueError(f"expected a percentage like '37.5%', got {quote(text)}") from None
    if not 0.0 <= number <= 100.0:
        raise ValueError(f"expected a percentage between 0% and 100%, got {quote(text)}")
    return number / 100.0


_TIME_UNITS = {
    "millisecond": datetime.timedelta(milliseconds=1),
    "second": datetime.timedelta(seconds=1),
    "minute": datetime.timedelta(minutes=1),
    "hour": datetime.timedelta(hours=1),
    "day": datetime.timedelta(days=1),
}
_UNIT_NAMES = ", ".join(f"{unit}(s)" for unit in _TIME_UNITS)


def Timespan(text: str) -> datetime.timedelta:
    """Parse a span of time such as ``"1 second"``, ``"30 seconds"`` or ``"3 days"``.

    The value is a whole, non-negative number, whitespace, then a unit: ``millisecond``,
    ``second``, ``minute``, ``hour`` or ``day``, each in the singular or the plural and in any
    letter case.

    Args:
        text: The raw value.

    Returns:
        The span as a :class:`datetime.timedelta`.

    Raises:
        ValueError: ``text`` is not ``<number> <unit>``, the number is not a whole number, the
            unit is unknown (the message lists the accepted units), or the span is too long
            for :class:`datetime.timedelta`.

    .. versionadded:: 0.1.0
    """
    parts = text.split()
    if len(parts) != 2:
        raise ValueError(
            f"expected a span of time as '<number> <unit>', like '30 seconds', got {quote(text)}"
        )
    count_text, unit_text = parts
    unit = unit_text.lower()
    if unit not in _TIME_UNITS and unit.endswith("s"):
        unit = unit[:-1]
    if unit not in _TIME_UNITS:
        raise ValueError(
            f"unknown unit {unit_text!r} in span of time {quote(text)}; "
            f"expected one of: {_UNIT_NAMES}"
        )
    if not (count_text.isascii() and count_text.isdigit()):
        raise ValueError(
            f"expected a whole, non-negative number of {unit}s, got {count_text!r} "
            f"in span of time {quote(text)}"
        )
    try:
        return _TIME_UNITS[unit] * int(count_text)
    except (OverflowError, ValueError):
        raise ValueError(f"span of time {quote(text)} is too long") from None


def _seconds(text: str) -> datetime.timedelta:
    try:
        seconds = float(text)
    except ValueError:
        raise ValueError(f"expected a number of seconds, got {quote(text)}") from None
    if not 0 <= seconds < _MAX_SECONDS:
        raise ValueError(f"expected a non-negative number of seconds, got {quote(text)}")
    return datetime.timedelta(seconds=seconds)


# About 31 years: far beyond any timeout, and far within what datetime.timedelta holds.
_MAX_SECONDS = 10**9
_timespan_or_seconds = Fallback(Timespan, _seconds)


def TimespanOrSeconds(text: str) -> datetime.timedelta:
    """Parse a span of time written as a :func:`Timespan` or as a plain number of seconds.

    ``"30 seconds"`` and ``"500 milliseconds"`` are read by :func:`Timespan`; a plain number
    such as ``"30"`` or ``"0.5"`` is a number of seconds, as older configuration files write
    timeouts. Zero is accepted; wrap the parser in :func:`Positive` to refuse it.

    Args:
        text: The raw value.

    Returns:
        The span as a :class:`datetime.timedelta`.

    Raises:
        ValueError: ``text`` is neither a span of time nor a number of seconds, or the number is
            negative, not finite, or longer than about 31 years (``10**9`` seconds). The message
            gives both reasons.

    .. versionadded:: 0.1.0
    """
    return _timespan_or_seconds(text)


def Base64(text: str) -> bytes:
    """Parse a block of base64-encoded binary data.

    Whitespace, including line breaks, is ignored, so long values can be wrapped over several
    lines of an INI file. Any other character outside the standard base64 alphabet is an error
    rather than being skipped.

    Args:
        text: The raw value.

    Returns:
        The decoded bytes.

    Raises:
        ValueError: ``text`` is empty or is not valid base64 (wrong characters or padding).

    .. versionadded:: 0.1.0
    """
    compact = "".join(text.split())
    if not compact:
        raise ValueError(f"expected base64-encoded data, got {quote(text)}")
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"expected base64-encoded data, got {quote(text)} ({exc})") from None
