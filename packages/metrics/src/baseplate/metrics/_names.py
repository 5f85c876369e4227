"""Metric names: joining the namespace and a name, checking them, sanitizing span names.

statsd lines are ``name:value|type``, so a name may hold printable ASCII only, without the
``:`` and ``|`` that separate a line's fields.
"""

from __future__ import annotations

import re

# A name may hold printable ASCII only; ':' and '|' separate the fields of a statsd line.
_FORBIDDEN_IN_NAME = re.compile(r"[^\x20-\x7e]|[:|]")


def join_name(*nodes: str) -> str:
    """Join name nodes with dots, stripping leading and trailing dots from each node.

    Nodes that are empty once stripped are left out, so an empty namespace adds nothing.

    Raises:
        ValueError: if the result is empty or holds a character statsd cannot carry
            (anything but printable ASCII, or ``:`` or ``|``).
    """
    name = ".".join(stripped for node in nodes if (stripped := node.strip(".")))
    if not name:
        raise ValueError(f"a metric name must not be empty, got nodes {nodes!r}")
    bad = _FORBIDDEN_IN_NAME.search(name)
    if bad is not None:
        raise ValueError(
            f"metric name {name!r} contains {bad.group()!r}; names must be printable ASCII "
            "without ':' or '|'"
        )
    return name


def metric_name(namespace: str, name: str) -> str:
    """Return the full name of metric ``name`` under ``namespace``.

    Raises:
        ValueError: if ``name`` is empty (once stripped of dots) or the result holds a
            character statsd cannot carry.
    """
    if not name.strip("."):
        raise ValueError(f"a metric name must not be empty, got {name!r}")
    return join_name(namespace, name)


def check_namespace(namespace: str) -> None:
    """Raise ValueError unless ``namespace`` can prefix metric names (it may be empty)."""
    if namespace.strip("."):
        join_name(namespace)


def sanitize_node(node: str) -> str:
    """Return ``node`` with every character :func:`join_name` rejects replaced by ``_``.

    Used for names the application does not choose directly, such as span names.
    """
    return _FORBIDDEN_IN_NAME.sub("_", node)
