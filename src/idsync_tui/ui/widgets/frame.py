"""The frame every screen shares: the nav bar (screens, problem counts) and the status line."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from idsync_tui.session import Session

NAV = (
    ("1", "audiences", "Audiences"),
    ("2", "journeys", "Journeys"),
    ("3", "destinations", "Destinations"),
    ("4", "profiles", "Profiles"),
)


class NavBar(Static):
    """Which screen is showing, the keys to the others, and the problem counts (always visible)."""

    DEFAULT_CSS = "NavBar { height: 1; background: $panel; padding: 0 1; }"

    def render_for(self, session: Session) -> None:
        # The counts must stay visible at 80 columns: short labels there, words when the terminal is wide.
        wide = self.app.size.width >= 100
        text = Text()
        current = self.app.current_mode
        for key, mode, label in NAV:
            style = "bold reverse" if mode == current else ""
            text.append(f" {key} {label} ", style=style)
            text.append(" " if wide else "")
        errors, warnings = session.counts
        text.append("  " if wide else " ")
        error_word = f" error{'s' * (errors != 1)}" if wide else ""
        warning_word = f" warning{'s' * (warnings != 1)}" if wide else ""
        text.append(f"✖ {errors}{error_word}", style="bold red" if errors else "dim")
        text.append("  " if wide else " ")
        text.append(f"⚠ {warnings}{warning_word}", style="yellow" if warnings else "dim")
        text.append("  [p]" if wide else " p", style="dim")
        self.update(text)


class StatusLine(Static):
    """The last thing that happened: an edit made, refused or undone, a save.

    Plain text, never markup: messages name places like `audiences[high_value].connections[fb]`, whose brackets
    markup would take for tags and drop.
    """

    DEFAULT_CSS = """
    StatusLine { height: 1; padding: 0 1; color: $text-muted; }
    StatusLine.error { color: $error; text-style: bold; }
    """
