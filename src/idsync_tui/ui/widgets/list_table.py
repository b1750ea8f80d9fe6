"""The lists the screens show: a DataTable filled from the session, in chunks when long."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from textual.binding import Binding
from textual.coordinate import Coordinate
from textual.widgets import DataTable
from textual.widgets.data_table import CellType, RowKey

from idsync_tui.ui.inert import plain

# Rows added before the first frame beyond the cursor's screenful; the rest come a chunk per frame after it.
MIN_FIRST_CHUNK = 30
CHUNK = 200


class RowTable(DataTable):
    """A table of rows, one highlighted: Home / End (and DataTable's ctrl+Home / ctrl+End) go to the first / last
    row, rows not added yet included (DataTable's Home / End scroll sideways, its ctrl+End stops at the last row
    added); PageUp / PageDown move the cursor a screenful (DataTable's own)."""

    BINDINGS = [
        Binding("home,ctrl+home", "cursor_first", "First row", show=False, id="rows.first"),
        Binding("end,ctrl+end", "cursor_last", "Last row", show=False, id="rows.last"),
    ]

    def total_rows(self) -> int:
        """Every row of the list, including rows not added yet."""
        return self.row_count

    def action_cursor_first(self) -> None:
        if self.total_rows():
            self.move_cursor(row=0)

    def action_cursor_last(self) -> None:
        if self.total_rows():
            self.move_cursor(row=self.total_rows() - 1)


class ListTable(RowTable):
    """A list the screens fill from the session: an edit updates the cells it changed, a new list comes in chunks.

    DataTable measures every cell of every new row before the next frame (~0.15 ms a row here), so a 1,000-row list
    added at once holds the first frame back by ~150 ms, and so would re-adding it for every edit. `fill` updates
    changed cells in place when the list keeps its length; otherwise it adds a screenful past the cursor and leaves
    the rest pending: a chunk is added after each refresh of the screen (Textual's `call_after_refresh`), and moving
    the cursor to a row not added yet (a jump to a problem) adds the rows up to it first.

    At start-up Textual runs after-refresh callbacks before anything is written to the terminal (the app is still
    mounting), so the chunks would all land before the first frame. They wait for `first_frame_shown` to be true:
    the app's own attribute, set on Textual's `Ready` event ("the first frame has been displayed"), when the app
    hands the waiting tables on with `resume_filling` (measured: benchmarks/README.md, "long lists add their rows
    after the first frame"). In an app without the attribute the chunks start at once.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._rows: Sequence[tuple[object, ...]] | None = None  # what the last fill showed
        self._pending: tuple[Sequence[tuple[object, ...]], int] | None = None  # rows, and the first not added yet
        self._chunk_queued = False

    def fill(self, rows: Sequence[tuple[object, ...]]) -> None:
        """Show `rows`, keeping the cursor where it was when it can."""
        cursor = min(max(self.cursor_row, 0), max(len(rows) - 1, 0))
        shown, self._rows = self._rows, rows
        if shown is not None and len(shown) == len(rows) == self.row_count:
            for row_index, (old, new) in enumerate(zip(shown, rows, strict=True)):
                if old != new:
                    for column, (before, after) in enumerate(zip(old, new, strict=True)):
                        if before != after:
                            self.update_cell_at(Coordinate(row_index, column), after)
            return
        self.clear()
        first = cursor + max(self.app.size.height, MIN_FIRST_CHUNK)
        for row in rows[:first]:
            self.add_row(*row)
        if first < len(rows):
            self._pending = (rows, first)
            self._queue_chunk()
        if rows:
            self.move_cursor(row=cursor)

    def add_row(self, *cells: CellType, height: int | None = 1, key: str | None = None, label: Any = None) -> RowKey:
        """DataTable reads a string cell as markup: file text is given as `plain` text instead."""
        return super().add_row(*(_cell(cell) for cell in cells), height=height, key=key, label=label)

    def update_cell_at(self, coordinate: Coordinate, value: CellType, *, update_width: bool = False) -> None:
        super().update_cell_at(coordinate, _cell(value), update_width=update_width)

    def total_rows(self) -> int:
        return len(self._pending[0]) if self._pending is not None else self.row_count

    def add_pending(self, upto: int | None = None) -> None:
        """Adds pending rows: a chunk, or every row up to and including `upto`."""
        if self._pending is None:
            return
        rows, start = self._pending
        end = min(len(rows), start + CHUNK if upto is None else max(upto + 1, start))
        for row in rows[start:end]:
            self.add_row(*row)
        self._pending = (rows, end) if end < len(rows) else None

    def clear(self, columns: bool = False) -> ListTable:
        self._pending = None
        return super().clear(columns)  # type: ignore[return-value]

    def move_cursor(
        self, *, row: int | None = None, column: int | None = None, animate: bool = False, scroll: bool = True
    ) -> None:
        if row is not None and row >= self.row_count:
            self.add_pending(upto=row)
        super().move_cursor(row=row, column=column, animate=animate, scroll=scroll)

    def resume_filling(self) -> None:
        """Adds the pending rows, a chunk per refresh, now that the app's first frame is on the terminal."""
        if self._pending is not None:
            self._queue_chunk()

    def _queue_chunk(self) -> None:
        """The next chunk is added once the screen has been refreshed (Textual's `call_after_refresh`), and not
        before the app's first frame (see the class's docstring)."""
        if not getattr(self.app, "first_frame_shown", True):
            return  # the app calls resume_filling once it is
        if not self._chunk_queued:
            self._chunk_queued = True
            self.call_after_refresh(self._add_chunk)

    def _add_chunk(self) -> None:
        self._chunk_queued = False
        if self._pending is not None:
            self.add_pending()
            self.refresh()  # painted before the next chunk: the callback runs once the screen has no dirty parts
            if self._pending is not None:
                self._queue_chunk()


def _cell(value: object) -> object:
    return plain(value) if isinstance(value, str) else value


# Keys that open a dialog or a screen are priority bindings: they act the moment they are read, so the keys typed
# after them in a burst reach what they opened (held until it is ready, see ui/screens/ready.py), not this list.
class ConnectionsTable(ListTable):
    BINDINGS = [
        Binding("c", "screen.connect", "Connect", priority=True, id="connections.connect"),
        Binding("x", "screen.disconnect", "Disconnect", priority=True, id="connections.disconnect"),
        Binding("enter", "screen.open_selected", "Edit", show=False, priority=True, id="connections.open"),
    ]


class EntityTable(ListTable):
    """A list of audiences, journeys, steps or destinations: add, rename, delete act on it."""

    BINDINGS = [
        Binding("a", "screen.add", "Add", priority=True, id="list.add"),
        Binding("r", "screen.rename", "Rename", priority=True, id="list.rename"),
        Binding("d,delete", "screen.delete", "Delete", priority=True, id="list.delete"),
    ]


def selected(table: DataTable, items: tuple) -> object | None:  # type: ignore[type-arg]
    if not items or table.row_count == 0:
        return None
    return items[min(max(table.cursor_row, 0), len(items) - 1)]
