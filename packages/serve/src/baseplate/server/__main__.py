"""``python -m baseplate.server CONFIG ...``: the same as ``baseplate-serve``."""

from __future__ import annotations

from baseplate.server.cli import serve

if __name__ == "__main__":
    serve()
