"""Typed messages widgets and screens post up to the app (messages up, attributes down)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from idsync_tui.session import Outcome
    from idsync_tui.space.model import DataPath


class StatusMessage(Message):
    """A line for the status line: what happened, or (error) what was refused and why."""

    def __init__(self, text: str, error: bool = False) -> None:
        super().__init__()
        self.text = text
        self.error = error


class Edited(Message):
    """A screen changed the space through the session: the app shows the outcome and redraws every screen."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__()
        self.outcome = outcome


class OpenEditor(Message):
    """Open the ID Sync editor on the connection at `conn_path`."""

    def __init__(self, conn_path: DataPath) -> None:
        super().__init__()
        self.conn_path = conn_path
