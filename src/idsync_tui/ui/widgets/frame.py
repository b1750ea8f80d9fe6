"""The frame every screen shares: the nav bar (screens, problem counts) and the status line."""

from __future__ import annotations

from pathlib import Path

from rich.cells import cell_len
from rich.text import Text
from textual.widget import Widget
from textual.widgets import Static

from idsync_tui.session import Session

NAV = (
    ("1", "audiences", "Audiences"),
    ("2", "journeys", "Journeys"),
    ("3", "destinations", "Destinations"),
    ("4", "profiles", "Profiles"),
)


def short_path(path: Path | None) -> str:
    """The path as a person reads it in an 80-column header: the home folder as `~`."""
    if path is None:
        return "(no file)"
    home = str(Path.home())
    text = str(path)
    return "~" + text[len(home) :] if text == home or text.startswith(home + "/") else text


UNSAVED = "● unsaved"
ICON = "≡"
# The least of a path worth showing: an ellipsis and the file name's end.
MIN_PATH_CELLS = 12


def _fit_end(text: str, cells: int) -> str:
    """`text` cut at the end to `cells` cells, with an ellipsis when cut."""
    if cell_len(text) <= cells:
        return text
    if cells <= 1:
        return "…"[:cells]
    out = ""
    for char in text:
        if cell_len(out + char) > cells - 1:
            break
        out += char
    return out + "…"


def middle_ellipsis(path: str, cells: int) -> str:
    """`path` shortened to `cells` cells by cutting its middle: the start and the file name stay readable."""
    if cell_len(path) <= cells:
        return path
    if cells <= 1:
        return "…"[:cells]
    # The end (the file name) matters more than the start: all of the name when it fits, else two thirds.
    name = "/" + path.rstrip("/").rpartition("/")[2]
    tail_cells = max((cells - 1) * 2 // 3, min(cell_len(name), cells - 2))
    head_cells = cells - 1 - tail_cells
    head = ""
    for char in path:
        if cell_len(head + char) > head_cells:
            break
        head += char
    tail = ""
    for char in reversed(path):
        if cell_len(char + tail) > tail_cells:
            break
        tail = char + tail
    return f"{head}…{tail}"


def header_line(title: str, prefix: str, path: str, unsaved: bool, width: int) -> Text:
    """The header: `≡ title — prefix path  ● unsaved`, fitted to `width` cells.

    The unsaved marker always shows; the path is what gets shorter (its middle), then the title (its end).
    """
    marker = f"  {UNSAVED}" if unsaved else ""
    budget = width - cell_len(f" {ICON} ") - cell_len(marker) - 1
    separator = " — "
    where = prefix + path
    if cell_len(title + separator + where) > budget:
        path_cells = max(budget - cell_len(title + separator + prefix), min(MIN_PATH_CELLS, cell_len(path)))
        path = middle_ellipsis(path, max(path_cells, 0))
        where = prefix + path
        if cell_len(title + separator + where) > budget:
            title = _fit_end(title, max(budget - cell_len(separator + where), 1))
        if cell_len(title + separator + where) > budget:  # a very narrow terminal: the marker and the title
            where = _fit_end(where, max(budget - cell_len(title + separator), 0))
    body = Text()
    body.append(title, style="bold")
    if where:
        body.append(separator, style="dim")
        body.append(where, style="dim")
    if marker:
        body.append(marker, style="bold")
    pad = max((width - cell_len(f" {ICON} ") - body.cell_len) // 2, 1)
    line = Text(f" {ICON} ")
    line.append(" " * (pad - 1))
    line.append_text(body)
    line.truncate(width)
    return line


class TitleBar(Widget):
    """The top line: the space's name, its file (shortened in the middle when long) and the unsaved marker, which
    is never cut off."""

    DEFAULT_CSS = "TitleBar { height: 1; background: $panel; }"

    def __init__(self) -> None:
        super().__init__()
        self.parts: tuple[str, str, str, bool] = ("", "", "", False)

    def show(self, title: str, prefix: str, path: str, unsaved: bool) -> None:
        if (title, prefix, path, unsaved) != self.parts:
            self.parts = (title, prefix, path, unsaved)
            self.refresh()

    def render(self) -> Text:
        return header_line(*self.parts, self.size.width)


SHORT_LABELS = {"audiences": "Aud", "journeys": "Jour", "destinations": "Dest", "profiles": "Prof"}


def nav_line(current: str, errors: int, warnings: int, width: int) -> Text:
    """The screens' keys and the problem counts, fitted to `width` cells: the counts always show, so the other
    screens' labels get shorter (then only their keys) when the terminal is narrow; words when it is wide."""

    def build(level: int) -> Text:  # 0: wide, words; 1: full labels; 2: short labels; 3: keys only
        text = Text()
        for key, mode, label in NAV:
            if mode == current:
                text.append(f" {key} {label} ", style="bold reverse")
            else:
                shown = label if level <= 1 else SHORT_LABELS[mode] if level == 2 else ""
                text.append(f" {key} {shown} " if shown else f" {key} ")
            text.append(" " if level == 0 else "")
        gap = "  " if level == 0 else " "
        error_word = f" error{'s' * (errors != 1)}" if level == 0 else ""
        warning_word = f" warning{'s' * (warnings != 1)}" if level == 0 else ""
        text.append(gap)
        text.append(f"✖ {errors}{error_word}", style="bold red" if errors else "dim")
        text.append(gap)
        text.append(f"⚠ {warnings}{warning_word}", style="yellow" if warnings else "dim")
        text.append("  [p]" if level == 0 else " p", style="dim")
        return text

    for level in (0, 1, 2, 3) if width >= 100 else (1, 2, 3):
        line = build(level)
        if line.cell_len <= width:
            return line
    return build(3)


class NavBar(Widget):
    """Which screen is showing, the keys to the others, and the problem counts (always visible)."""

    DEFAULT_CSS = "NavBar { height: 1; background: $panel; padding: 0 1; }"

    def __init__(self) -> None:
        super().__init__()
        self.parts: tuple[str, int, int] = ("", 0, 0)

    def render_for(self, session: Session) -> None:
        errors, warnings = session.counts
        parts = (self.app.current_mode, errors, warnings)
        if parts != self.parts:
            self.parts = parts
            self.refresh()

    def render(self) -> Text:
        return nav_line(*self.parts, self.content_region.width or self.app.size.width - 2)


class StatusLine(Static):
    """The last thing that happened: an edit made, refused or undone, a save.

    Plain text, never markup: messages name places like `audiences[high_value].connections[fb]`, whose brackets
    markup would take for tags and drop.
    """

    DEFAULT_CSS = """
    StatusLine { height: auto; max-height: 3; padding: 0 1; color: $text-muted; }
    StatusLine.error { color: $error; text-style: bold; }
    """
