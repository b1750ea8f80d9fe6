"""Typed messages widgets and screens post up to the app (messages up, attributes down)."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from idsync_tui.session import Outcome
    from idsync_tui.space.model import DataPath


_happened = itertools.count(1)


def next_order() -> int:
    """A number for something that just happened; later things get larger numbers."""
    return next(_happened)


class StatusMessage(Message):
    """A line for the status line: what happened, or (error) what was refused and why."""

    def __init__(self, text: str, error: bool = False) -> None:
        super().__init__()
        self.text = text
        self.error = error


class Edited(Message):
    """A screen changed the space through the session: the app shows the outcome and redraws every screen.

    `order` says when the edit happened: keys queued behind it (an edit then `w`, typed in one go) are handled
    before this message arrives, and what they said must not be replaced by this older news.
    """

    def __init__(self, outcome: Outcome) -> None:
        super().__init__()
        self.outcome = outcome
        self.order = next_order()


class OpenEditor(Message):
    """Open the ID Sync editor on the connection at `conn_path`."""

    def __init__(self, conn_path: DataPath) -> None:
        super().__init__()
        self.conn_path = conn_path


class ScreenReady(Message):
    """A screen is drawn and holds its focus: keys typed while it was opening can go to it now (the app holds
    them until then, and hands them on in the order they were typed)."""
