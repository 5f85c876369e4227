"""Targeting trees: which requests an experiment applies to, as a tree of operators."""

from __future__ import annotations

import abc
import logging
import operator
from collections.abc import Callable, Mapping
from typing import Any

from .._errors import TargetingNodeError, UnknownTargetingOperatorError

logger = logging.getLogger(__name__)


class Targeting(abc.ABC):
    """A node of a targeting tree: a test of a request's inputs.

    .. versionadded:: 0.1.0
    """

    @abc.abstractmethod
    def evaluate(self, inputs: Mapping[str, Any]) -> bool:
        """Return whether the inputs satisfy this node.

        Args:
            inputs: The keyword arguments of the variant call (field names as given).
        """


def _field_and_value(operator_name: str, node: object, value_keys: tuple[str, ...]) -> Any:
    """Check a leaf node's shape: ``field`` plus exactly one of ``value_keys``."""
    if not isinstance(node, dict):
        raise TargetingNodeError(f"{operator_name} expects an object, got {node!r}")
    given = [key for key in value_keys if key in node]
    if len(node) != 2 or "field" not in node or len(given) != 1:
        wanted = " or ".join(repr(key) for key in value_keys)
        raise TargetingNodeError(
            f"{operator_name} expects exactly the keys 'field' and {wanted}, got {sorted(node)!r}"
        )
    field = node["field"]
    if not isinstance(field, str):
        raise TargetingNodeError(f"{operator_name}'s field must be a string, got {field!r}")
    return field.lower(), given[0], node[given[0]]


class _Equal(Targeting):
    def __init__(self, node: object) -> None:
        self._field, key, value = _field_and_value("EQ", node, ("value", "values"))
        if key == "values":
            if not isinstance(value, list):
                raise TargetingNodeError(f"EQ's values must be a list, got {value!r}")
            # As the original did, an empty list falls back to the (absent) single value.
            self._accepted = value or [None]
        else:
            self._accepted = [value]

    def evaluate(self, inputs: Mapping[str, Any]) -> bool:
        # A list, not a set: membership by equality alone, so unhashable inputs work too.
        return inputs.get(self._field) in self._accepted


class _Comparison(Targeting):
    def __init__(self, name: str, node: object, compare: Callable[[Any, Any], Any]) -> None:
        self._name = name
        self._field, _, self._value = _field_and_value(name, node, ("value",))
        self._compare = compare

    def evaluate(self, inputs: Mapping[str, Any]) -> bool:
        candidate = inputs.get(self._field)
        if candidate is None and self._value is None:
            return False
        try:
            return bool(self._compare(candidate, self._value))
        except TypeError:  # values that do not order, such as None and a number
            logger.debug("%s %r: cannot compare %r with %r", self._name, self._field,
                         candidate, self._value)  # fmt: skip
            return False


def _children(name: str, node: object) -> list[Targeting]:
    if not isinstance(node, list):
        raise TargetingNodeError(f"{name} expects a list of nodes, got {node!r}")
    return [create_targeting_tree(child) for child in node]


class _All(Targeting):
    def __init__(self, node: object) -> None:
        self._children = _children("ALL", node)

    def evaluate(self, inputs: Mapping[str, Any]) -> bool:
        return all(child.evaluate(inputs) for child in self._children)


class _Any(Targeting):
    def __init__(self, node: object) -> None:
        self._children = _children("ANY", node)

    def evaluate(self, inputs: Mapping[str, Any]) -> bool:
        return any(child.evaluate(inputs) for child in self._children)


class _Not(Targeting):
    def __init__(self, node: object) -> None:
        self._child = create_targeting_tree(node)

    def evaluate(self, inputs: Mapping[str, Any]) -> bool:
        return not self._child.evaluate(inputs)


class _Override(Targeting):
    def __init__(self, node: object) -> None:
        self._result = node is True  # anything but JSON true targets nobody

    def evaluate(self, inputs: Mapping[str, Any]) -> bool:
        return self._result


_COMPARISONS: dict[str, Callable[[Any, Any], Any]] = {
    "gt": operator.gt,
    "ge": operator.ge,
    "lt": operator.lt,
    "le": operator.le,
    "ne": operator.ne,
}
_NODES: dict[str, Callable[[object], Targeting]] = {
    "all": _All,
    "any": _Any,
    "not": _Not,
    "eq": _Equal,
    "override": _Override,
}


def create_targeting_tree(node: object) -> Targeting:
    """Build a targeting tree from its JSON form.

    Each node is an object with one key, the operator (in any letter case), whose value is
    the operator's argument:

    * ``ALL`` / ``ANY``: a list of nodes; true when every one / at least one of them is
      (``ALL`` of an empty list is true, ``ANY`` of one false).
    * ``NOT``: one node, negated.
    * ``EQ``: ``{"field": name, "value": v}`` or ``{"field": name, "values": [v, ...]}``;
      true when the input ``name`` equals ``v`` (one of the ``v``). A missing input is
      ``None``.
    * ``GT``, ``GE``, ``LT``, ``LE``, ``NE``: ``{"field": name, "value": v}``, comparing the
      input to ``v``; false when both are ``None`` or when they cannot be compared.
    * ``OVERRIDE``: ``true`` targets everyone, anything else no one.

    Field names are lower-cased; the inputs' names are used as given. For example::

        >>> tree = create_targeting_tree({"ALL": [
        ...     {"EQ": {"field": "logged_in", "value": True}},
        ...     {"NOT": {"EQ": {"field": "user_id", "values": ["t2_1", "t2_2"]}}},
        ... ]})
        >>> tree.evaluate({"logged_in": True, "user_id": "t2_3"})
        True

    Args:
        node: The tree's root node, as parsed from JSON.

    Raises:
        UnknownTargetingOperatorError: a node's operator does not exist.
        TargetingNodeError: a node is not a one-key object, or its argument is malformed.

    .. versionadded:: 0.1.0
    """
    if not isinstance(node, dict) or len(node) != 1:
        raise TargetingNodeError(f"a targeting node is an object with one key, got {node!r}")
    ((name, argument),) = node.items()
    if not isinstance(name, str):
        raise TargetingNodeError(f"a targeting operator is a string, got {name!r}")
    key = name.lower()
    compare = _COMPARISONS.get(key)
    if compare is not None:
        return _Comparison(name.upper(), argument, compare)
    make = _NODES.get(key)
    if make is None:
        known = ", ".join(sorted(op.upper() for op in (*_NODES, *_COMPARISONS)))
        raise UnknownTargetingOperatorError(f"unknown targeting operator {name!r} (known: {known})")
    return make(argument)
