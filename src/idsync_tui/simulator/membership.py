"""Audience and journey membership: conditions compiled once into predicates over a profile's traits.

Semantics (the space-file spec lists the ops): a missing trait (absent or null) fails every op except `not_in`;
values of different kinds (a number and a string, a boolean and a number) never compare: the condition fails, it
does not crash. `exists` holds when the trait is present; `exists` with `value = false` holds when it is absent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from idsync_tui.space.model import Condition

Predicate = Callable[[dict[str, Any]], bool]

_MISSING = object()


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return type(value).__name__


def _equal(left: Any, right: Any) -> bool:
    return _kind(left) == _kind(right) and left == right


_TYPES: dict[str, tuple[type, ...]] = {"bool": (bool,), "number": (int, float), "string": (str,)}

_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
}


def compile_condition(condition: Condition) -> Predicate:
    """One condition -> a function of the traits that says whether it holds."""
    trait, op, wanted = condition.trait, condition.op, condition.value

    def present(traits: dict[str, Any]) -> Any:
        value = traits.get(trait, _MISSING)
        return _MISSING if value is None else value

    if op == "exists":
        should_exist = wanted is not False
        return lambda traits: (present(traits) is not _MISSING) == should_exist
    if op == "not_in":
        choices = list(wanted) if isinstance(wanted, list) else [wanted]
        return lambda traits: (value := present(traits)) is _MISSING or not any(_equal(value, c) for c in choices)
    if op == "in":
        choices = list(wanted) if isinstance(wanted, list) else [wanted]
        return lambda traits: (value := present(traits)) is not _MISSING and any(_equal(value, c) for c in choices)
    # `type(value) in kinds` is the hot path: it rejects a missing trait (None) and a value of another kind at once.
    kinds = _TYPES.get(_kind(wanted), (type(wanted),))
    if op == "=":
        return lambda traits: type(value := traits.get(trait)) in kinds and value == wanted
    if op == "!=":
        return lambda traits: type(value := traits.get(trait)) in kinds and value != wanted
    if op in _ORDER:
        compare = _ORDER[op]
        if _kind(wanted) not in ("number", "string"):
            return lambda traits: False
        return lambda traits: type(value := traits.get(trait)) in kinds and compare(value, wanted)
    return lambda traits: False  # an unknown op is a schema error (IDS002); it never matches


def compile_conditions(conditions: Iterable[Condition]) -> Predicate:
    """All conditions must hold; no conditions: everyone."""
    predicates = [compile_condition(c) for c in conditions]
    if not predicates:
        return lambda traits: True
    if len(predicates) == 1:
        return predicates[0]
    return lambda traits: all(p(traits) for p in predicates)


def qualifies(ids: dict[str, Any], include_anonymous: bool) -> bool:
    """A profile takes part only with an identifier other than anonymous_id, unless include_anonymous is on."""
    if include_anonymous:
        return bool(ids)
    # Types are the keys of `ids`, so two or more types always include one that is not anonymous_id.
    return len(ids) > 1 or (bool(ids) and "anonymous_id" not in ids)
