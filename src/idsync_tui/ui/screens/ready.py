"""Screens that say when they can take keys: keys typed while one is still opening are held by the app, not lost.

Textual hands a key to whatever has the focus when the key is read. A dialog opened by `a` has nothing focused
until it is mounted, so the rest of a fast burst (`a` then a name, as a paste or tmux send-keys delivers it) went
nowhere. A `ReadyScreen` is not `ready` until the first refresh after it mounted (its focus set by then); the app
holds keys while the screen on top is not ready and hands them on, in order, when it posts `ScreenReady`.
"""

from __future__ import annotations

from textual import events, on
from textual.screen import Screen

from idsync_tui.ui.messages import ScreenReady


class ReadyScreen(Screen):
    """A screen that posts `ScreenReady` once it is drawn with its focus set, and again whenever it comes back."""

    ready: bool = False

    @on(events.Mount)
    def opened(self) -> None:
        self.call_after_refresh(self.now_ready)

    def now_ready(self) -> None:
        self.ready = True
        self.post_message(ScreenReady())

    @on(events.ScreenResume)
    def resumed(self) -> None:
        if self.ready:  # a screen closed on top of this one (even before it was ready): held keys come here
            self.post_message(ScreenReady())
