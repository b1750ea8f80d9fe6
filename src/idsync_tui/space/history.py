"""Undo history of the editing document: each edit is a journal of primitive operations with exact inverses.

An edit records, per primitive change of the tomlkit tree, a `do` and its `undo`; undoing an edit runs its undos
in reverse, redoing runs its dos again. `Change` is one entry of the undo / redo stacks: the journal, the texts and
data either side of it (texts only when they happened to be rendered), and what it changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from idsync_tui.space.model import DataPath


class Journal:
    """The primitive operations of one edit, each with its exact inverse."""

    def __init__(self) -> None:
        self.ops: list[tuple[Callable[[], None], Callable[[], None]]] = []

    def run(self, do: Callable[[], None], undo: Callable[[], None]) -> None:
        do()
        self.ops.append((do, undo))

    def undo(self) -> None:
        for _, undo in reversed(self.ops):
            undo()

    def redo(self) -> None:
        for do, _ in self.ops:
            do()


@dataclass
class Change:
    label: str
    journal: Journal
    generation: int
    text_before: str | None  # None: never rendered (see the module's doc)
    text_after: str | None
    data_before: dict[str, Any]
    data_after: dict[str, Any]
    changed: DataPath


@dataclass
class EditState:
    """An edit in progress: its journal, and the ids of the data copies it made (copy-on-write)."""

    journal: Journal = field(default_factory=Journal)
    fresh: set[int] = field(default_factory=set)
