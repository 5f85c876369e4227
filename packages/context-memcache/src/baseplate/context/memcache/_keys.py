"""How keys are written in span tags."""

from __future__ import annotations

from collections.abc import Iterable

#: How much of the comma-joined keys a span's ``keys`` tag holds before it is cut short.
KEYS_TAG_LENGTH = 100


def key_text(key: str | bytes) -> str:
    return key.decode("utf-8", "replace") if isinstance(key, bytes) else key


def make_keys_str(keys: Iterable[str | bytes]) -> str:
    """Return the ``keys`` tag of a span for a call on several keys.

    The keys are joined with commas (bytes keys decoded as UTF-8); past 100 characters the
    text is cut there and ``...`` added, so a span's tags stay small however many keys a call
    names.

    Args:
        keys: The keys of the call.

    .. versionadded:: 0.1.0
    """
    joined = ",".join(key_text(key) for key in keys)
    if len(joined) > KEYS_TAG_LENGTH:
        return joined[:KEYS_TAG_LENGTH] + "..."
    return joined
