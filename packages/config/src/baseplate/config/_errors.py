"""The exception raised when configuration does not match its spec."""

from __future__ import annotations


class ConfigurationError(Exception):
    """The configuration violates the spec it was parsed against.

    :func:`parse_config` raises this when a value parser rejects the text found under a key
    (or the empty string, when the key is missing). The message is ``"<key>: <error>"``, where
    ``<key>`` is the full dotted key as written in the configuration file, so the operator knows
    which line to fix.

    The exception is picklable, so it survives being sent between processes.

    Args:
        key: The full dotted key whose value was rejected, e.g. ``"nested.really.deep"``.
        error: Why the value was rejected: usually the :exc:`ValueError` raised by the value
            parser, or a plain message.

    Attributes:
        key: The full dotted key whose value was rejected.
        error: The error (or message) given when the exception was created.

    .. versionadded:: 0.1.0
    """

    def __init__(self, key: str, error: str | Exception) -> None:
        super().__init__(key, error)
        self.key = key
        self.error = error

    @property
    def reason(self) -> str:
        """The explanation of what is wrong with the value, as text (the message minus the key)."""
        return str(self.error) or "invalid value"

    def __str__(self) -> str:
        return f"{self.key}: {self.reason}"


_QUOTE_LIMIT = 80


def quote(text: str) -> str:
    """Quote a configuration value for an error message, shortening very long values."""
    if len(text) <= _QUOTE_LIMIT:
        return repr(text)
    return f"{text[: _QUOTE_LIMIT - 20]!r}... ({len(text)} characters)"
