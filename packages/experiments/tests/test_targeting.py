"""Targeting trees: every operator, and what is refused."""

from __future__ import annotations

from typing import Any

import pytest

from baseplate.experiments.targeting import (
    TargetingNodeError,
    UnknownTargetingOperatorError,
    create_targeting_tree,
)


def evaluate(tree: Any, **inputs: Any) -> bool:
    return create_targeting_tree(tree).evaluate(inputs)


def test_eq_one_value_or_a_list() -> None:
    """EQ matches one value or any of a list; booleans, numbers, strings and None alike."""
    assert evaluate({"EQ": {"field": "user_id", "value": "t2_1"}}, user_id="t2_1")
    assert not evaluate({"EQ": {"field": "user_id", "value": "t2_1"}}, user_id="t2_2")
    assert evaluate({"EQ": {"field": "n", "values": [1, 2, 3]}}, n=2)
    assert evaluate({"EQ": {"field": "flag", "value": True}}, flag=True)
    assert evaluate({"EQ": {"field": "missing", "value": None}})
    assert not evaluate({"EQ": {"field": "missing", "value": False}})


def test_field_names_are_lower_cased_but_inputs_are_not() -> None:
    """The tree's field names are lower-cased, operators are case-insensitive."""
    assert evaluate({"eq": {"field": "User_ID", "value": "t2_1"}}, user_id="t2_1")
    assert not evaluate({"EQ": {"field": "user_id", "value": "t2_1"}}, USER_ID="t2_1")


def test_all_any_not() -> None:
    """ALL needs every child, ANY one, NOT negates; ALL of nothing is true, ANY false."""
    yes, no = {"OVERRIDE": True}, {"OVERRIDE": False}
    assert evaluate({"ALL": [yes, yes]})
    assert not evaluate({"ALL": [yes, no]})
    assert evaluate({"ANY": [no, yes]})
    assert not evaluate({"ANY": [no, no]})
    assert evaluate({"NOT": no})
    assert evaluate({"ALL": []})
    assert not evaluate({"ANY": []})


def test_override_is_true_only_for_true() -> None:
    """OVERRIDE targets everyone only for JSON true."""
    assert evaluate({"OVERRIDE": True})
    assert not evaluate({"OVERRIDE": 1})
    assert not evaluate({"OVERRIDE": "true"})


@pytest.mark.parametrize(
    ("operator", "value", "expected"),
    [("GT", 5, [False, False, True]), ("GE", 5, [False, True, True]),
     ("LT", 5, [True, False, False]), ("LE", 5, [True, True, False]),
     ("NE", 5, [True, False, True])],
)  # fmt: skip
def test_comparisons(operator: str, value: int, expected: list[bool]) -> None:
    """GT, GE, LT, LE and NE compare the input with the value."""
    tree = create_targeting_tree({operator: {"field": "karma", "value": value}})
    assert expected == [tree.evaluate({"karma": karma}) for karma in (4, 5, 6)]


def test_comparisons_with_none() -> None:
    """None against None is false; values that do not order are false, not an error."""
    assert not evaluate({"NE": {"field": "x", "value": None}})
    assert not evaluate({"GT": {"field": "x", "value": None}})
    assert not evaluate({"GT": {"field": "x", "value": 5}})
    assert not evaluate({"LT": {"field": "x", "value": 5}}, x="a string")


def test_a_nested_tree() -> None:
    """A realistic tree: moderators or listed users, not having commented."""
    tree = create_targeting_tree({"ALL": [
        {"ANY": [{"EQ": {"field": "is_mod", "value": True}},
                 {"EQ": {"field": "user_id", "values": ["t2_1", "t2_2"]}}]},
        {"NOT": {"EQ": {"field": "has_commented", "value": True}}},
    ]})  # fmt: skip
    assert tree.evaluate({"is_mod": True, "has_commented": False})
    assert tree.evaluate({"user_id": "t2_2"})
    assert not tree.evaluate({"user_id": "t2_2", "has_commented": True})
    assert not tree.evaluate({"user_id": "t2_3"})


@pytest.mark.parametrize(
    ("tree", "message"),
    [
        ({}, "one key"),
        ({"EQ": {}, "NOT": {}}, "one key"),
        ([{"OVERRIDE": True}], "one key"),
        ({"EQ": {"field": "a"}}, "exactly the keys 'field' and 'value' or 'values'"),
        ({"EQ": {"field": "a", "value": 1, "values": [1]}}, "exactly the keys"),
        ({"EQ": {"field": 3, "value": 1}}, "field must be a string"),
        ({"EQ": {"field": "a", "values": "abc"}}, "values must be a list"),
        ({"GT": {"field": "a", "values": [1]}}, "'field' and 'value'"),
        ({"ALL": {"OVERRIDE": True}}, "list of nodes"),
        ({"NOT": [{"OVERRIDE": True}]}, "one key"),
        ({"ALL": [{"EQ": "x"}]}, "expects an object"),
    ],
)
def test_malformed_trees_are_refused(tree: Any, message: str) -> None:
    """A malformed node anywhere in the tree refuses the whole tree, saying why."""
    with pytest.raises(TargetingNodeError, match=message):
        create_targeting_tree(tree)


def test_unknown_operator() -> None:
    """An unknown operator is its own error, naming it and the known ones."""
    with pytest.raises(UnknownTargetingOperatorError, match=r"'XOR' \(known: ALL, ANY, EQ, GE"):
        create_targeting_tree({"ANY": [{"XOR": []}]})
