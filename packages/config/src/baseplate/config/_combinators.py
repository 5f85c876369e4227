"""Parsers built from other parsers: choices, lists, defaults, fallbacks and bounds."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import TypeVar, overload

from baseplate.config._errors import quote

T = TypeVar("T")
U = TypeVar("U")
D = TypeVar("D")
N = TypeVar("N", bound=int | float | datetime.timedelta)


def OneOf(**options: T) -> Callable[[str], T]:
    """Make a parser that accepts one of a fixed set of words, each mapped to a value.

    Each keyword is a word that may appear in the configuration and its value is what the word
    parses to: ``OneOf(hearts="H", spades="S")`` turns ``"hearts"`` into ``"H"``. Words are
    matched exactly, letter case included.

    Args:
        **options: The accepted words and the value each one stands for.

    Returns:
        A parser that returns the value of the word it is given.

    Raises:
        ValueError: Straight away if no options are given. The parser raises it for any
            other word; the message lists the accepted words and quotes the one received.

    .. versionadded:: 0.1.0
    """
    if not options:
        raise ValueError("OneOf needs at least one option, e.g. OneOf(on=True, off=False)")
    choices = ", ".join(repr(name) for name in options)

    def parse_choice(text: str) -> T:
        try:
            return options[text]
        except KeyError:
            raise ValueError(f"expected one of {choices}, got {quote(text)}") from None

    return parse_choice


def TupleOf(item_parser: Callable[[str], T]) -> Callable[[str], list[T]]:
    """Make a parser for a comma-separated list whose items are parsed with ``item_parser``.

    Whitespace around each item is removed and empty items are dropped, so ``"a, b,"`` has two
    items. At least one item is required; wrap the result in :func:`Optional` to allow an empty
    value.

    Args:
        item_parser: The parser for each item.

    Returns:
        A parser that returns the parsed items as a :class:`list`, in order.

    Raises:
        ValueError: The parser raises it when there are no items, or when ``item_parser``
            rejects an item (the message says which item).

    .. versionadded:: 0.1.0
    """

    def parse_items(text: str) -> list[T]:
        items = [item.strip() for item in text.split(",")]
        items = [item for item in items if item]
        if not items:
            raise ValueError(
                f"expected a comma-separated list of at least one item, got {quote(text)}"
            )
        parsed = []
        for position, item in enumerate(items, start=1):
            try:
                parsed.append(item_parser(item))
            except ValueError as exc:
                raise ValueError(f"item {position} of list {quote(text)}: {exc}") from exc
        return parsed

    return parse_items


@overload
def Optional(parser: Callable[[str], T]) -> Callable[[str], T | None]: ...


@overload
def Optional(parser: Callable[[str], T], default: D) -> Callable[[str], T | D]: ...


def Optional(parser: Callable[[str], T], default: D | None = None) -> Callable[[str], T | D | None]:
    """Make a parser that returns ``default`` when the value is empty or missing.

    Otherwise the text is handed to ``parser``. Only the empty string counts as empty; a value
    of spaces is passed on.

    Args:
        parser: The parser for values that are present.
        default: What to return for an empty value. It is returned as is, not parsed.

    Returns:
        The wrapping parser.

    Raises:
        ValueError: The parser raises whatever ``parser`` raises for a non-empty value.

    .. versionadded:: 0.1.0
    """

    def parse_optional(text: str) -> T | D | None:
        if not text:
            return default
        return parser(text)

    return parse_optional


def Fallback(primary: Callable[[str], T], fallback: Callable[[str], U]) -> Callable[[str], T | U]:
    """Make a parser that tries ``primary`` first and ``fallback`` if that fails.

    This eases changing an option's format: ``Fallback(Timespan, Integer)`` accepts the new
    ``"30 seconds"`` and still understands an old ``"30"``.

    Args:
        primary: The preferred parser.
        fallback: The parser used when ``primary`` raises :exc:`ValueError`.

    Returns:
        The combined parser.

    Raises:
        ValueError: The parser raises it when both parsers reject the value; the message
            includes both reasons.

    .. versionadded:: 0.1.0
    """

    def parse_either(text: str) -> T | U:
        try:
            return primary(text)
        except ValueError as primary_error:
            try:
                return fallback(text)
            except ValueError as fallback_error:
                raise ValueError(f"{primary_error}; alternatively, {fallback_error}") from None

    return parse_either


def Positive(parser: Callable[[str], N]) -> Callable[[str], N]:
    """Make a parser that accepts only what ``parser`` parses to a value greater than zero.

    It works for any parser of numbers or spans of time: ``Positive(Integer)`` rejects ``"0"``
    and ``"-3"``, ``Positive(Float)`` rejects ``"0.0"`` (and ``"nan"``) but takes ``"0.001"``,
    ``Positive(Timespan)`` rejects ``"0 seconds"``. Zero is that of the parsed value's own type:
    ``0`` for numbers, an empty :class:`datetime.timedelta` for spans of time.

    Args:
        parser: The parser whose values are bounded. It returns an :class:`int`, a
            :class:`float` or a :class:`datetime.timedelta`.

    Returns:
        A parser that returns the value of ``parser`` unchanged.

    Raises:
        ValueError: The parser raises whatever ``parser`` raises, and raises it for a value
            that is not greater than zero; the message quotes the value received.

    .. versionadded:: 0.1.0
    """

    def parse_positive(text: str) -> N:
        value = parser(text)
        if isinstance(value, datetime.timedelta):
            if value <= datetime.timedelta(0):
                raise ValueError(f"expected a span of time longer than zero, got {quote(text)}")
        elif not value > 0:
            raise ValueError(f"expected a number greater than zero, got {quote(text)}")
        return value

    return parse_positive
