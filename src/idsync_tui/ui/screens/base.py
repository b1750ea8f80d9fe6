"""The frame the screens share (header, nav, body, log pane, status, keys) and the screen of connection owners.

Dialogs and the sync log are imported where they are first used, not here: the first frame does not wait for
modules it does not draw (benchmarks/bench_startup.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import DataTable

from idsync_tui.session import Session
from idsync_tui.space.document import SpaceDocument
from idsync_tui.space.model import Condition, Connection, DataPath
from idsync_tui.space.problems import count
from idsync_tui.space.values import condition_text
from idsync_tui.text import inert
from idsync_tui.ui.inert import plain
from idsync_tui.ui.messages import Edited, StatusMessage
from idsync_tui.ui.screens.ready import ReadyScreen
from idsync_tui.ui.widgets.frame import NavBar, StatusLine, TitleBar, short_path
from idsync_tui.ui.widgets.keysbar import KeysBar
from idsync_tui.ui.widgets.list_table import ConnectionsTable

if TYPE_CHECKING:
    from idsync_tui.ui.screens.dialogs import FormDialog
    from idsync_tui.ui.synclog.pane import LogPane


class SpaceScreen(ReadyScreen):
    """A screen of the app: header, nav bar, a body, status line, footer; redrawn when the session changes.

    The session comes down from the app; what happens here goes up as messages (`idsync_tui.ui.messages`).
    """

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield NavBar()
        yield from self.compose_body()
        if getattr(self.app, "sync_log", None) is not None:  # the sync log (l) has been opened: every screen has it
            from idsync_tui.ui.synclog.pane import LogPane

            yield LogPane()
        yield StatusLine(markup=False)
        yield KeysBar()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        self.watch(self.app, "revision", self._redraw, init=True)
        self.watch(self.app, "status", self._show_status, init=True)

    async def on_screen_resume(self) -> None:
        if getattr(self.app, "sync_log", None) is not None:
            await self.log_pane()

    async def log_pane(self) -> LogPane:
        """This screen's sync log pane, mounted the first time the log is opened (start-up does not pay for it)."""
        from idsync_tui.ui.synclog.pane import LogPane

        panes = self.query(LogPane)
        if panes:
            return panes.first()
        pane = LogPane()
        await self.mount(pane, before=self.query_one(StatusLine))
        return pane

    def _redraw(self, _revision: int) -> None:
        session = self.session
        space = session.space
        prefix = ("read-only · " if session.read_only else "") + ("demo copy: " if session.demo else "")
        # File text, shown inert (no control character reaches the terminal, on one line).
        title = inert(space.name or space.key, one_line=True)
        self.query_one(TitleBar).show(title, prefix, inert(short_path(session.path), one_line=True), session.dirty)
        self.query_one(NavBar).render_for(session)
        self.refresh_view()

    def _show_status(self, status: tuple[str, bool]) -> None:
        message, error = status
        line = self.query_one(StatusLine)
        line.update(plain(message))  # names from the file: never markup, control characters escaped
        line.set_class(error, "error")

    def refresh_view(self) -> None:
        """Redraw the body from the session's current model."""

    def focus_on(self, target: object) -> None:
        """Select `target` (an audience, journey, destination...) after a jump from the problems list."""

    def selection(self) -> tuple[str, object] | None:
        """What the sync log runs for: ("audience", key), ("journey", key), ("connection", path); None: the space."""
        return None

    # -- shared helpers ---------------------------------------------------------------------------------------
    def edit(self, change: Callable[[SpaceDocument], object], done: str) -> bool:
        """Makes the edit through the session and tells the app (which says how it went and redraws)."""
        outcome = self.session.edit(change, done)
        self.post_message(Edited(outcome))
        return outcome.ok

    def try_edit(self, change: Callable[[SpaceDocument], object], done: str) -> str | None:
        """Makes the edit; None when it is made (and the app told), else why it was refused (for a dialog to show
        under the field, keeping what was typed)."""
        outcome = self.session.edit(change, done)
        if not outcome.ok:
            return outcome.message
        self.post_message(Edited(outcome))
        return None

    def say(self, text: str, error: bool = False) -> None:
        self.post_message(StatusMessage(text, error=error))

    def badge(self, where: str) -> Text:
        errors, warnings = count(self.session.problems_at(where))
        if errors:
            return Text(f"✖{errors}", style="bold red")
        if warnings:
            return Text(f"⚠{warnings}", style="yellow")
        return Text("✔", style="green")


def conditions_text(conditions: tuple[Condition, ...], empty: str) -> Text:
    if not conditions:
        return Text(empty, style="dim")
    text = Text()
    for condition in conditions:
        text.append(f"  • {condition_text(condition)}\n")  # as the file has it: true, ["pro", "team"]
    text.rstrip()
    return text


def connection_row(screen: SpaceScreen, connection: Connection) -> tuple[object, ...]:
    sends = [name for name, on_ in (("identify", connection.send_identify), ("track", connection.send_track)) if on_]
    destination = screen.session.space.destination(connection.destination)
    if destination is not None and destination.is_list:
        sends = ["list"]
    if connection.send_mobile_ids:
        sends.append("mobile")
    setup = "custom" if connection.customized else "default"
    return (
        connection.destination,
        setup + (" ●live" if connection.live else ""),
        str(len(connection.identifiers)) if connection.identifiers else "-",
        "+".join(sends) or "nothing",
        screen.badge(connection.where),
    )


def key_dialog(
    title: str,
    key: str = "",
    name: str = "",
    extra: list[tuple[str, str, object]] | None = None,
    attempt: Callable[[dict[str, str]], str | None] | None = None,
) -> FormDialog:
    from idsync_tui.ui.screens.dialogs import FormDialog

    return FormDialog(title, [("key", "Key:", key), ("name", "Name:", name), *(extra or [])], attempt=attempt)


class OwnerScreen(SpaceScreen):
    """A screen whose selection owns connections (an audience, a send step): list, connect, disconnect, edit."""

    def rename_entry(
        self, kind: str, key: str, name: str, rename: Callable[[SpaceDocument, str | None, str | None], object]
    ) -> None:
        """Asks for a new key and name, and edits only what changed: `rename(document, new_key, new_name)`."""

        def renamed(values: dict[str, str] | None) -> None:
            if values:
                new_key = values["key"] if values["key"] != key else None
                new_name = values["name"] if values["name"] != name else None
                if new_key or new_name:
                    self.edit(lambda d: rename(d, new_key, new_name), f"{kind} {key} renamed")

        self.app.push_screen(key_dialog(f"Rename {kind} {key}", key, name), renamed)

    def owner_connections(self) -> tuple[DataPath, tuple[Connection, ...]] | None:
        raise NotImplementedError

    def show_connections(self) -> None:
        table = self.query_one(ConnectionsTable)
        owner = self.owner_connections()
        connections = owner[1] if owner else ()
        table.fill([connection_row(self, c) for c in connections])

    def selected_connection(self) -> Connection | None:
        owner = self.owner_connections()
        table = self.query_one(ConnectionsTable)
        if owner is None or not owner[1] or table.row_count == 0:
            return None
        return owner[1][min(table.cursor_row, len(owner[1]) - 1)]

    def owner_selection(self) -> tuple[str, object] | None:
        return None

    def selection(self) -> tuple[str, object] | None:
        """The highlighted connection when the connections list has (or last had, before the log) the focus."""
        from idsync_tui.ui.synclog.pane import LogPane

        panes = self.query(LogPane)
        focused = panes.first().focus_outside() if panes else self.focused
        connection = self.selected_connection()
        if connection is not None and focused is self.query_one(ConnectionsTable):
            return ("connection", connection.path)
        return self.owner_selection()

    @on(DataTable.RowSelected, "ConnectionsTable")
    def open_editor(self) -> None:
        from idsync_tui.ui.screens.editor import ConnectionEditor

        connection = self.selected_connection()
        if connection is not None:
            # Pushed here and now, while the key is read: the keys typed after it go to the editor.
            self.app.push_screen(ConnectionEditor(self.session, connection.path))

    def action_open_selected(self) -> None:
        self.open_editor()

    def action_connect(self) -> None:
        from idsync_tui.ui.screens.dialogs import FormDialog

        owner = self.owner_connections()
        if owner is None:
            self.say("Nothing selected to connect: pick an audience or a send step first", error=True)
            return
        path, connections = owner
        if not self.session.space.destinations:
            self.say("No destination in this space: add one on the Destinations screen first (press 3)", error=True)
            return
        free = self.session.destinations_free_for(connections)
        if not free:
            self.say(
                "Every destination of the space is already connected here; add another on the Destinations screen (3)",
                error=True,
            )
            return
        options = [(f"{d.key} · {d.name}", d.key) for d in free]
        dialog = FormDialog("Connect a destination", [("destination", "Destination:", options)])

        def connect(values: dict[str, str] | None) -> None:
            if values:
                key = values["destination"]
                self.edit(lambda d: d.add_connection(path, key), f"connected {key}")

        self.app.push_screen(dialog, connect)

    def action_disconnect(self) -> None:
        from idsync_tui.ui.screens.dialogs import ConfirmDialog

        connection = self.selected_connection()
        if connection is None:
            return
        dialog = ConfirmDialog(
            "Disconnect?",
            f"Remove the connection {connection.where} and its {len(connection.identifiers)} identifier rows? "
            "(u undoes it)",
            [("Disconnect", "yes", "error"), ("Cancel", "no", "default")],
        )

        def disconnect(choice: str | None) -> None:
            if choice == "yes":
                self.edit(lambda d: d.remove_connection(connection.path), f"disconnected {connection.where}")

        self.app.push_screen(dialog, disconnect)
