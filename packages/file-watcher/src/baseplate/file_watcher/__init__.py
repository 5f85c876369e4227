"""Keep a parsed copy of a file in memory, re-read only when the file changes.

Sidecars (the secrets fetcher, the live-data watcher) write files that services read on every
request. :class:`FileWatcher` makes that cheap: :meth:`FileWatcher.get_data` costs one
``stat`` while the file is unchanged, and parses it again only after it changed::

    >>> import json
    >>> watcher = FileWatcher(path, parser=json.load)
    >>> watcher.get_data() == {"one": 1, "two": 2}
    True

Call :meth:`~FileWatcher.get_data` each time the data is needed rather than keeping its
result, so the freshest data is always used.
"""

from __future__ import annotations

from types import FunctionType

from baseplate.file_watcher._watcher import FileWatcher, WatchedFileNotAvailableError

__all__ = ["FileWatcher", "WatchedFileNotAvailableError"]

# Present the public classes and functions under this module, so reprs, pickles and the
# generated documentation name it rather than the private module that defines them.
for _public in map(globals().get, __all__):
    if isinstance(_public, type | FunctionType):
        _public.__module__ = __name__
del _public
