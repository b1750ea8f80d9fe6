"""Audience conditions: every op, missing traits, and mixed kinds that fail instead of crashing."""

from __future__ import annotations

import pytest

from idsync_tui.simulator.membership import compile_conditions, qualifies
from idsync_tui.space.model import Condition


def holds(op: str, value, traits) -> bool:
    return compile_conditions([Condition("t", op, value)])(traits)


@pytest.mark.parametrize(
    ("op", "value", "trait", "expected"),
    [
        ("=", "pro", "pro", True),
        ("=", "pro", "team", False),
        ("!=", "pro", "team", True),
        ("!=", "pro", "pro", False),
        (">", 500, 812, True),
        (">", 500, 500, False),
        (">=", 500, 500, True),
        ("<", 500, 120, True),
        ("<=", 500, 501, False),
        (">=", 1.5, 2, True),
        ("in", ["pro", "team"], "team", True),
        ("in", ["pro", "team"], "basic", False),
        ("not_in", ["pro", "team"], "basic", True),
        ("not_in", ["pro", "team"], "pro", False),
        ("exists", None, "anything", True),
        ("exists", False, "anything", False),
        (">", "2024-01-01", "2024-06-01", True),
    ],
)
def test_each_op_on_a_present_trait(op, value, trait, expected):
    assert holds(op, value, {"t": trait}) is expected


@pytest.mark.parametrize("op", ["=", "!=", ">", ">=", "<", "<=", "in", "exists"])
def test_a_missing_trait_fails_every_op_but_not_in(op):
    value = ["x"] if op == "in" else None if op == "exists" else 1
    assert holds(op, value, {}) is False
    assert holds(op, value, {"t": None}) is False


def test_not_in_holds_for_a_missing_trait():
    assert holds("not_in", ["pro"], {}) is True


@pytest.mark.parametrize("op", [">", ">=", "<", "<=", "=", "!="])
def test_comparing_a_number_with_a_string_fails_rather_than_crashes(op):
    assert holds(op, 500, {"t": "lots"}) is False
    assert holds(op, "500", {"t": 812}) is False


def test_a_boolean_is_not_the_number_one():
    assert holds("=", 1, {"t": True}) is False
    assert holds("in", [1], {"t": True}) is False


def test_exists_false_holds_when_the_trait_is_absent():
    assert holds("exists", False, {}) is True


def test_all_conditions_must_hold_and_no_conditions_means_everyone():
    both = compile_conditions([Condition("a", ">=", 1), Condition("b", "=", "x")])
    assert both({"a": 2, "b": "x"}) is True
    assert both({"a": 2, "b": "y"}) is False
    assert compile_conditions([])({}) is True


def test_a_profile_qualifies_with_a_non_anonymous_identifier_or_with_include_anonymous():
    assert qualifies({"email": []}, False) is True
    assert qualifies({"anonymous_id": []}, False) is False
    assert qualifies({"anonymous_id": []}, True) is True
