"""Targeting trees: the requests an experiment applies to.

A simple experiment's ``targeting`` (and each of its ``overrides``) is a tree of operators
evaluated against the keyword arguments of the variant call::

    from baseplate.experiments.targeting import create_targeting_tree

    tree = create_targeting_tree({"ANY": [
        {"EQ": {"field": "is_mod", "value": True}},
        {"GE": {"field": "karma", "value": 1000}},
    ]})
    tree.evaluate({"is_mod": False, "karma": 5000})  # True
"""

from __future__ import annotations

from .._errors import TargetingNodeError, UnknownTargetingOperatorError
from ._tree import Targeting, create_targeting_tree

__all__ = [
    "Targeting",
    "TargetingNodeError",
    "UnknownTargetingOperatorError",
    "create_targeting_tree",
]

for _name in ("Targeting", "create_targeting_tree"):
    globals()[_name].__module__ = __name__
del _name
