"""The secrets file: its contents, and replacing it so that no reader sees a partial file."""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
from collections.abc import Mapping
from typing import Any


def render(secrets: Mapping[str, Mapping[str, Any]], vault_url: str, token: str) -> bytes:
    """Return the secrets file's contents (the format :class:`~baseplate.secrets.SecretsStore`
    reads): indented JSON with sorted keys, so an unchanged set of secrets renders the same."""
    document = {
        "secrets": dict(secrets),
        "vault": {"token": token, "url": vault_url},
        "vault_token": token,  # what readers of the original framework's format look for
    }
    return (json.dumps(document, indent=2, sort_keys=True) + "\n").encode("utf-8")


def _unchanged(path: str, content: bytes, owner: int, group: int, mode: int) -> bool:
    try:
        with open(path, "rb") as file:
            info = os.fstat(file.fileno())
            same_file = (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (
                owner,
                group,
                mode,
            )
            return same_file and file.read() == content
    except OSError:
        return False


def write_atomically(path: str, content: bytes, owner: int, group: int, mode: int) -> bool:
    """Replace the file at ``path`` with ``content``, owned ``owner:group`` with ``mode``.

    The content goes to a temporary file in the same directory, which gets its owner and mode,
    is flushed to disk (``fsync``) and then renamed over ``path``: a reader sees the old file
    or the new one, whole, and never a partial or empty file, even if the fetcher or the
    machine stops half-way. The directory is synced too, so the rename survives a crash. If
    anything fails, the temporary file is removed and the old file is left as it was.

    Nothing is written when the file already holds ``content`` with that owner and mode, so
    readers do not parse it again for nothing.

    Returns:
        Whether the file was replaced.

    Raises:
        ValueError: ``content`` is empty.
        OSError: the file could not be written (the old one is unchanged).
    """
    if not content:
        raise ValueError("refusing to write an empty secrets file")
    if _unchanged(path, content, owner, group, mode):
        return False
    directory = os.path.dirname(os.path.abspath(path))
    fd, temporary = tempfile.mkstemp(
        dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".tmp"
    )
    try:
        with os.fdopen(fd, "wb") as file:
            info = os.fstat(file.fileno())
            if (info.st_uid, info.st_gid) != (owner, group):
                os.fchown(file.fileno(), owner, group)
            os.fchmod(file.fileno(), mode)
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    directory_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(directory_fd)
    finally:
        os.close(directory_fd)
    return True
