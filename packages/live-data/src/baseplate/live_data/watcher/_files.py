"""The watcher's files: replaced whole by a rename, removed, touched."""

from __future__ import annotations

import contextlib
import os
import tempfile


def replace_file(path: str, data: bytes, owner: int | None, group: int | None, mode: int) -> None:
    """Make the file at ``path`` hold ``data``, with the given owner, group and mode.

    The data goes to a new file beside it, which gets its owner and mode before anything is
    written, is synced to disk and then renamed over ``path``; readers see the old file or
    the new one, whole, never a partial or empty one. On failure the new file is removed and
    the old one is as it was.

    Args:
        path: The file.
        data: Its new contents.
        owner: Its user id, or ``None`` for the watcher's own.
        group: Its group id, or ``None`` for the watcher's own.
        mode: Its permission bits.

    Raises:
        OSError: the file could not be written (or chowned) in its directory.
    """
    directory, name = os.path.split(os.path.abspath(path))
    descriptor, staged = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=directory)
    try:
        if owner is not None or group is not None:
            os.fchown(descriptor, -1 if owner is None else owner, -1 if group is None else group)
        os.fchmod(descriptor, mode)
        view = memoryview(data)
        while view:
            view = view[os.write(descriptor, view) :]
        os.fsync(descriptor)
        os.close(descriptor)
        descriptor = -1
        os.replace(staged, path)
    except BaseException:
        if descriptor >= 0:
            os.close(descriptor)
        with contextlib.suppress(OSError):
            os.unlink(staged)
        raise


def remove_file(path: str) -> bool:
    """Remove the file at ``path``; return whether there was one.

    Raises:
        OSError: it exists and could not be removed.
    """
    try:
        os.unlink(path)
    except FileNotFoundError:
        return False
    return True


def touch(path: str) -> bool:
    """Set the file's modification time to now; return whether there was a file.

    Raises:
        OSError: it exists and its times could not be set.
    """
    try:
        os.utime(path)
    except FileNotFoundError:
        return False
    return True
