"""Errors raised while loading a service's configuration and application."""

from __future__ import annotations


class ServeError(Exception):
    """Base class of the errors ``baseplate.server`` raises for bad input.

    The command-line tools print these as one line (the message says what to fix) rather than
    as a traceback.

    .. versionadded:: 0.1.0
    """


class ConfigFileError(ServeError):
    """The configuration file cannot be read, or lacks a section that is needed.

    Attributes:
        path: The configuration file.
        section: The missing section (e.g. ``"app:main"``), or ``None`` when the whole file
            is at fault.

    .. versionadded:: 0.1.0
    """

    def __init__(self, path: str, message: str, section: str | None = None) -> None:
        super().__init__(path, message, section)
        self.path = path
        self.message = message
        self.section = section

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class FactoryError(ServeError):
    """A ``module:callable`` reference cannot be loaded.

    Attributes:
        reference: The reference as written, e.g. ``"my_service:make_app"``.
        key: Where it was written, e.g. ``"[app:main] factory"``.

    .. versionadded:: 0.1.0
    """

    def __init__(self, reference: str, key: str, message: str) -> None:
        super().__init__(reference, key, message)
        self.reference = reference
        self.key = key
        self.message = message

    def __str__(self) -> str:
        return f"{self.key} = {self.reference!r}: {self.message}"


class EinhornError(ServeError):
    """The Einhorn environment of this worker is missing or malformed.

    .. versionadded:: 0.1.0
    """
