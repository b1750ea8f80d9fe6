"""The model is immutable: screens, rules and the simulator share it, and an edit makes a new one."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from idsync_tui.space.loader import load_space

DEMO = Path(__file__).resolve().parents[1] / "src" / "idsync_tui" / "demo" / "acme.toml"


def entries():  # type: ignore[no-untyped-def]
    space = load_space(DEMO).space
    assert space is not None
    audience = space.audiences[0]
    connection = audience.connections[0]
    journey = space.journeys[0]
    return {
        "audience": audience,
        "condition": audience.conditions[0],
        "connection": connection,
        "row": connection.identifiers[0],
        "journey": journey,
        "step": journey.steps[0],
        "destination": space.destinations[0],
        "identifier": space.identifiers[0],
        "ref": next(space.connections()),
    }


@pytest.mark.parametrize("name", sorted(entries()))
def test_an_entry_cannot_be_changed_in_place(name: str) -> None:
    entry = entries()[name]
    field = entry._fields[0]
    with pytest.raises(AttributeError):
        setattr(entry, field, "changed")


def test_a_changed_copy_leaves_the_original_as_it_was() -> None:
    row = entries()["row"]
    changed = row._replace(strategy="all" if row.strategy != "all" else "last_added")
    assert changed.strategy != row.strategy
    assert (changed.segment, changed.destination, changed.line) == (row.segment, row.destination, row.line)
    assert entries()["row"] == row


def test_the_space_cannot_be_changed_in_place() -> None:
    space = load_space(DEMO).space
    assert space is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        space.name = "changed"  # type: ignore[misc]
