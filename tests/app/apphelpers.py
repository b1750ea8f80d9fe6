"""Helpers for driving the app as a person would and reading what it shows."""

from __future__ import annotations

import difflib
from pathlib import Path

from rich.text import Text

from idsync_tui.space.document import SpaceDocument
from idsync_tui.ui.app import IdSyncApp, create_app
from idsync_tui.ui.screens.editor import RowsTable


def make_app(path: Path) -> IdSyncApp:
    """The app on the space at `path`, built by the same factory as the command line."""
    return create_app(SpaceDocument.open(path))


def cell_text(cell: object) -> str:
    return cell.plain if isinstance(cell, Text) else str(cell)


def rows_of(app: IdSyncApp) -> list[list[str]]:
    table = app.screen.query_one(RowsTable)
    return [[cell_text(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def changed_lines(before: str, after: str) -> list[str]:
    """The lines a save changed, as `- old` / `+ new`, in order."""
    return [
        line.rstrip("\n")
        for line in difflib.ndiff(before.splitlines(), after.splitlines())
        if line.startswith(("- ", "+ "))
    ]


async def open_connection(pilot, audience: int, connection: int) -> None:  # type: ignore[no-untyped-def]
    """From the Audiences screen: pick the audience, tab to its connections, open one in the ID Sync editor."""
    await pilot.press(*["down"] * audience, "tab", *["down"] * connection, "enter")
    await pilot.pause()


async def choose(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    """Open the focused Select, type to find `text`, pick it."""
    await pilot.press("enter", *text, "enter")
    await pilot.pause()
