"""Typed messages widgets and screens post up to the app (messages up, attributes down)."""

from __future__ import annotations

from textual.message import Message


class StatusMessage(Message):
    """A line for the status line: what happened, or (error) what was refused and why."""

    def __init__(self, text: str, error: bool = False) -> None:
        super().__init__()
        self.text = text
        self.error = error
