"""Loading the objects that configuration files name (``module:callable``)."""

from __future__ import annotations

import importlib
from typing import Any

from baseplate.server._errors import FactoryError


def load_object(reference: str, *, key: str, default_attribute: str | None = None) -> Any:
    """Import the object named by ``reference``.

    ``reference`` is ``module:attribute`` (the attribute may be dotted), or a plain dotted
    name: with ``default_attribute`` a plain name is a module and the attribute is
    ``default_attribute``; without it, the part after the last dot is the attribute.

    Args:
        reference: The reference as written in the configuration.
        key: Where it was written, for error messages (e.g. ``"[app:main] factory"``).
        default_attribute: The attribute to load when ``reference`` names only a module.

    Raises:
        FactoryError: the reference is malformed, its module does not exist, or the module
            has no such attribute. An error raised while importing the module itself (a bug
            in it, or a missing dependency of it) propagates unchanged.
    """
    text = reference.strip()
    if ":" in text:
        module_name, _, attribute = text.partition(":")
    elif default_attribute is not None:
        module_name, attribute = text, default_attribute
    else:
        module_name, _, attribute = text.rpartition(".")
    if not module_name or not attribute:
        expected = "module:callable" if default_attribute is None else "module[:callable]"
        raise FactoryError(reference, key, f"expected a reference like {expected!r}")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        missing = exc.name or ""
        if module_name == missing or module_name.startswith(missing + "."):
            raise FactoryError(
                reference,
                key,
                f"no module named {missing!r} (is it installed, or is the current "
                "directory the one that holds it?)",
            ) from exc
        raise
    found: Any = module
    for part in attribute.split("."):
        try:
            found = getattr(found, part)
        except AttributeError:
            raise FactoryError(
                reference, key, f"module {module_name!r} has no attribute {attribute!r}"
            ) from None
    return found


def load_callable(reference: str, *, key: str, default_attribute: str | None = None) -> Any:
    """Like :func:`load_object`, and check that the object is callable.

    Raises:
        FactoryError: as :func:`load_object`, or the object is not callable.
    """
    found = load_object(reference, key=key, default_attribute=default_attribute)
    if not callable(found):
        raise FactoryError(reference, key, f"{found!r} is not callable")
    return found
