"""The file watcher and its error."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from typing import IO, Any, Generic, TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")

# What identifies one version of the file: modification time, size, inode and device. A file
# replaced by a rename (as the sidecars write theirs) gets a new inode even when the new
# file's mtime is not newer, so the change is still seen.
_Version = tuple[int, int, int, int]

# Waiting for the file at start-up: the first pause, and the longest one.
_FIRST_PAUSE = 0.01
_LONGEST_PAUSE = 1.0

_NOT_LOADED: Any = object()


class WatchedFileNotAvailableError(Exception):
    """The watched file could not be loaded, and no earlier version of it was.

    Attributes:
        path: The watched file.
        inner: Why it could not be loaded: the error from opening, reading or parsing it.

    .. versionadded:: 0.1.0
    """

    def __init__(self, path: str, inner: BaseException | str) -> None:
        super().__init__(f"{path}: {inner}")
        self.path = path
        self.inner = inner

    def __reduce__(self) -> tuple[type[WatchedFileNotAvailableError], tuple[str, Any]]:
        return type(self), (self.path, self.inner)


def _version(stat: os.stat_result) -> _Version:
    return (stat.st_mtime_ns, stat.st_size, stat.st_ino, stat.st_dev)


class FileWatcher(Generic[T]):
    """Watch a file and keep the result of parsing it, parsing again only after it changed.

    :meth:`get_data` checks the file with one ``stat`` call. When its modification time,
    size or inode differ from the version parsed last, the file is opened and given to
    ``parser`` again. What happens when that fails depends on whether a version was ever
    loaded:

    * Before the first successful load, :meth:`get_data` raises
      :exc:`WatchedFileNotAvailableError`, and tries again on the next call.
    * After it, a file that is missing, unreadable or fails to parse never replaces the
      data: :meth:`get_data` logs a warning saying why and returns the last good data. A
      version that failed to parse is not parsed again until the file changes once more.

    Safe to share between threads and greenlets; a change is parsed once, by whichever
    caller sees it first.

    Args:
        path: The file to watch.
        parser: Called with the open file; returns the data :meth:`get_data` hands out.
            Any exception it raises counts as a failed load.
        timeout: If given, the constructor waits up to this many seconds for the first
            successful load, trying again after 10 ms, then doubling the pause up to one
            second; without it the constructor does not wait or read the file.
        binary: Open the file in binary mode (``"rb"``) instead of text mode (``"r"``).
        encoding: The text encoding (text mode only); the default is the locale's.
        newline: How universal newlines work, as for :func:`open` (text mode only).

    Raises:
        WatchedFileNotAvailableError: with ``timeout``, if the file was not loaded in time
            (``inner`` is the last failure).
        ValueError: if ``timeout`` is negative, or ``encoding`` or ``newline`` is given with
            ``binary``.

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        parser: Callable[[IO[Any]], T],
        timeout: float | None = None,
        binary: bool = False,
        encoding: str | None = None,
        newline: str | None = None,
    ) -> None:
        if binary and (encoding is not None or newline is not None):
            raise ValueError("encoding and newline apply to text mode only, not with binary=True")
        if timeout is not None and not timeout >= 0:
            raise ValueError(f"timeout must be None or a non-negative number, got {timeout!r}")
        self._path = os.fspath(path)
        self._parser = parser
        self._mode = "rb" if binary else "r"
        self._encoding = encoding
        self._newline = newline
        self._lock = threading.Lock()
        self._data: T = _NOT_LOADED
        self._loaded: _Version | None = None
        self._missing_since_load = False
        if timeout is not None:
            self._wait_for_first_load(timeout)

    @property
    def path(self) -> str:
        """The watched file's path."""
        return self._path

    def get_data(self) -> T:
        """Return the parsed contents of the file, parsing it again if it changed.

        Returns:
            What the last successful call of ``parser`` returned.

        Raises:
            WatchedFileNotAvailableError: if the file has never been loaded successfully
                and cannot be loaded now.
        """
        try:
            version = _version(os.stat(self._path))
        except OSError as exc:
            return self._unavailable(exc)
        if version != self._loaded:
            self._reload()  # raises if there is nothing to fall back on
        return self._data

    def _unavailable(self, exc: OSError) -> T:
        if self._data is _NOT_LOADED:
            raise WatchedFileNotAvailableError(self._path, exc) from exc
        if not self._missing_since_load:
            self._missing_since_load = True
            logger.warning("%s: cannot be read (%s); keeping the last good data", self._path, exc)
        return self._data

    def _reload(self) -> None:
        with self._lock:
            try:
                file = open(  # noqa: SIM115  (closed by the with block below)
                    self._path, self._mode, encoding=self._encoding, newline=self._newline
                )
            except OSError as exc:  # removed or made unreadable since the stat
                self._unavailable(exc)
                return
            with file:
                version = _version(os.fstat(file.fileno()))
                if version == self._loaded:
                    return  # another caller parsed this version while we waited for the lock
                try:
                    data = self._parser(file)
                except Exception as exc:
                    if self._data is _NOT_LOADED:
                        raise WatchedFileNotAvailableError(self._path, exc) from exc
                    logger.warning(
                        "%s: failed to load (%r); keeping the last good data", self._path, exc
                    )
                    self._loaded = version  # not parsed again until the file changes
                    return
            logger.debug("%s: loaded", self._path)
            self._data = data
            self._loaded = version
            self._missing_since_load = False

    def _wait_for_first_load(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        pause = _FIRST_PAUSE
        while True:
            try:
                self.get_data()
            except WatchedFileNotAvailableError as exc:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise WatchedFileNotAvailableError(self._path, exc.inner) from exc
                logger.debug("%s: not available yet (%s); waiting", self._path, exc.inner)
                time.sleep(min(pause, remaining))
                pause = min(pause * 2, _LONGEST_PAUSE)
            else:
                return
