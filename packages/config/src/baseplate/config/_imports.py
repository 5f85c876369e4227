"""Import paths: configuration values that name a Python object to import."""

from __future__ import annotations

import importlib
from types import ModuleType

from baseplate.config._errors import quote


class ImportPathError(ValueError):
    """An import path is malformed, or names a module or an attribute that does not exist.

    :func:`import_object` raises it, and so does the :func:`ImportPath` parser (as a
    :exc:`ValueError`, it becomes a :exc:`ConfigurationError` in :func:`parse_config`). The
    message quotes the path and says which part is missing. Code that reports bad paths in its
    own words reads the attributes: when both ``missing_module`` and ``missing_attribute`` are
    ``None``, the path itself is malformed.

    The exception is picklable.

    Args:
        path: The path as given.
        reason: What is wrong with it, without the path.
        missing_module: The module that does not exist, if that is the problem.
        missing_attribute: The attribute that the module lacks, if that is the problem.

    Attributes:
        path: The path as given.
        reason: What is wrong with it, without the path, e.g. ``"no module named 'x'"`` or
            ``"module 'json' has no attribute 'dump_it'"``.
        missing_module: The full name of the module that does not exist: the one the path
            names or one of its parents. ``None`` unless that is the problem.
        missing_attribute: The (possibly dotted) attribute path that the imported module
            lacks. ``None`` unless that is the problem.

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        path: str,
        reason: str,
        missing_module: str | None = None,
        missing_attribute: str | None = None,
    ) -> None:
        super().__init__(path, reason, missing_module, missing_attribute)
        self.path = path
        self.reason = reason
        self.missing_module = missing_module
        self.missing_attribute = missing_attribute

    def __str__(self) -> str:
        if self.missing_module is None and self.missing_attribute is None:
            return self.reason
        return f"cannot import {quote(self.path)}: {self.reason}"


def import_object(path: str, *, default_attribute: str | None = None) -> object:
    """Import the object that ``path`` names and return it.

    ``path`` is written ``package.module:name``, where ``name`` may be dotted
    (``package.module:Class.method``), or as a plain dotted name. A plain name is the module
    when ``default_attribute`` is given (``json`` with ``default_attribute="dumps"`` is
    :func:`json.dumps`); otherwise its longest prefix that can be imported is the module and
    the rest is the attribute path (``collections.OrderedDict``). Whitespace around ``path``
    is ignored.

    An import error raised while the module itself runs, such as a missing dependency of it
    or a bug, is not a bad path: it propagates unchanged.

    Args:
        path: The import path.
        default_attribute: The attribute to return when ``path`` names only a module. Without
            it, such a path must name an attribute.

    Returns:
        The object.

    Raises:
        ImportPathError: The path is malformed (empty, or a part is not a Python name), its
            module or a parent of it does not exist, or the module has no such attribute.

    .. versionadded:: 0.1.0
    """
    text = path.strip()
    module_name, colon, attribute = text.partition(":")
    if colon:
        well_formed = _is_dotted_name(module_name) and _is_dotted_name(attribute)
    elif default_attribute is not None:
        well_formed = _is_dotted_name(module_name)
        attribute = default_attribute
    else:
        well_formed = _is_dotted_name(text) and "." in text
    if not well_formed:
        if default_attribute is None:
            expected = "'package.module:name' or 'package.module.name'"
        else:
            expected = "'package.module[:name]'"
        raise ImportPathError(path, f"expected an import path like {expected}, got {quote(path)}")
    if colon or default_attribute is not None:
        module = _import_module(path, module_name)
    else:
        module_name, module, attribute = _import_longest_prefix(path, text)
    found: object = module
    for part in attribute.split("."):
        try:
            found = getattr(found, part)
        except AttributeError:
            raise ImportPathError(
                path,
                f"module {module_name!r} has no attribute {attribute!r}",
                missing_attribute=attribute,
            ) from None
    return found


def ImportPath(text: str) -> object:
    """Parse an import path such as ``package.module:name`` and return the object it names.

    The path is resolved as by :func:`import_object` without a default attribute, so it must
    name an attribute of a module: ``package.module:name`` (the name may be dotted) or a plain
    dotted ``package.module.name``. Importing happens when the configuration is parsed, at
    startup.

    Args:
        text: The raw value.

    Returns:
        The imported object.

    Raises:
        ImportPathError: The path is malformed, or names a module or an attribute that does
            not exist (a :exc:`ValueError`; the message says which part is missing). An import
            error raised inside the imported module propagates unchanged.

    .. versionadded:: 0.1.0
    """
    return import_object(text)


def _is_dotted_name(text: str) -> bool:
    return all(part.isidentifier() for part in text.split("."))


def _missing_module(error: ModuleNotFoundError, module_name: str) -> str | None:
    """Which module is missing, when it is ``module_name`` or one of its parents."""
    missing = error.name
    if missing is not None and (module_name + ".").startswith(missing + "."):
        return missing
    return None


def _import_module(path: str, module_name: str) -> ModuleType:
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        missing = _missing_module(exc, module_name)
        if missing is None:
            raise  # the module exists; something it imports does not
        raise ImportPathError(path, f"no module named {missing!r}", missing_module=missing) from exc


def _import_longest_prefix(path: str, dotted: str) -> tuple[str, ModuleType, str]:
    """Import the longest prefix of ``dotted`` that is a module: its name, it, and the rest."""
    parts = dotted.split(".")
    for split in range(len(parts) - 1, 1, -1):
        candidate = ".".join(parts[:split])
        try:
            module = importlib.import_module(candidate)
        except ModuleNotFoundError as exc:
            if _missing_module(exc, candidate) is None:
                raise
            continue
        return candidate, module, ".".join(parts[split:])
    return parts[0], _import_module(path, parts[0]), ".".join(parts[1:])
