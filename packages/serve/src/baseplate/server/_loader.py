"""Loading the objects that configuration files name (``module:callable``)."""

from __future__ import annotations

from typing import Any

from baseplate.config import ImportPathError, import_object
from baseplate.server._errors import FactoryError


def load_object(reference: str, *, key: str, default_attribute: str | None = None) -> Any:
    """Import the object named by ``reference``.

    ``reference`` is ``module:attribute`` (the attribute may be dotted), or a plain dotted
    name: with ``default_attribute`` a plain name is a module and the attribute is
    ``default_attribute``; without it, the longest prefix that is a module is the module and
    the rest is the attribute (see :func:`baseplate.config.import_object`).

    Args:
        reference: The reference as written in the configuration.
        key: Where it was written, for error messages (e.g. ``"[app:main] factory"``).
        default_attribute: The attribute to load when ``reference`` names only a module.

    Raises:
        FactoryError: the reference is malformed, its module does not exist, or the module
            has no such attribute. An error raised while importing the module itself (a bug
            in it, or a missing dependency of it) propagates unchanged.
    """
    try:
        return import_object(reference, default_attribute=default_attribute)
    except ImportPathError as exc:
        if exc.missing_module is not None:
            message = (
                f"{exc.reason} (is it installed, or is the current directory the one that "
                "holds it?)"
            )
        elif exc.missing_attribute is not None:
            message = exc.reason
        else:
            expected = "module:callable" if default_attribute is None else "module[:callable]"
            message = f"expected a reference like {expected!r}"
        raise FactoryError(reference, key, message) from exc


def load_callable(reference: str, *, key: str, default_attribute: str | None = None) -> Any:
    """Like :func:`load_object`, and check that the object is callable.

    Raises:
        FactoryError: as :func:`load_object`, or the object is not callable.
    """
    found = load_object(reference, key=key, default_attribute=default_attribute)
    if not callable(found):
        raise FactoryError(reference, key, f"{found!r} is not callable")
    return found
