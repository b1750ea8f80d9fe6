"""The sync log pane under each screen: a header (scope, counts, state, filter, diff, clock), the filter field, and the
rows, a line-API widget (`EventList`, a ScrollView as Toolong's LogLines) that builds only the rows it draws.

The state (ring, run, replay, filter) is the app's one `SyncLog` (`ui/synclog/log.py`); the simulation runs in a
child process (`ui/synclog/runner.py`, `simulator/child.py`). Widgets here post `StatusMessage`s for the status
line; they never call the app's methods.

The pane takes the height the screen has left (`1fr`, `G`: `3fr`), so the navigation bar and the editor's header
stay put at 80x24 and 60x20, and a tall terminal gives the log its share.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from rich.cells import set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.cache import LRUCache
from textual.containers import Vertical
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Input, Static

from idsync_tui.simulator.logrows import (
    ADDED,
    BAD_KIND,
    CHANGED,
    ENTER_KIND,
    EXIT_KIND,
    NOTICE_KIND,
    REMOVED,
    Marked,
)
from idsync_tui.simulator.render import source_label
from idsync_tui.simulator.scope import Scope
from idsync_tui.ui.messages import StatusMessage
from idsync_tui.ui.screens.dialogs import ConfirmDialog, FormDialog, TextDialog
from idsync_tui.ui.synclog.log import SyncLog
from idsync_tui.ui.widgets.text_field import TextField

KINDS = (ENTER_KIND, EXIT_KIND, NOTICE_KIND, BAD_KIND, ADDED, CHANGED, REMOVED)
LINE_CACHE = 1024  # drawn lines kept (a frame draws a few dozen; keys and new rows redraw the same ones)


class EventList(ScrollView, can_focus=True):
    """The log's rows: a virtual list over the ring, with a cursor; only the rows on screen are built and drawn,
    and Textual draws the scroll bar."""

    COMPONENT_CLASSES = {
        "event-list--enter",
        "event-list--exit",
        "event-list--notice",
        "event-list--bad",
        "event-list--added",
        "event-list--changed",
        "event-list--removed",
        "event-list--cursor",
    }
    DEFAULT_CSS = """
    EventList { height: 1fr; overflow-x: hidden; overflow-y: scroll; scrollbar-size-vertical: 1; }
    EventList > .event-list--enter { color: $text-success; }
    EventList > .event-list--exit { color: $text-error; }
    EventList > .event-list--notice { color: $text-muted; }
    EventList > .event-list--bad { color: $text-warning; }
    EventList > .event-list--added { color: $text-success; text-style: bold; }
    EventList > .event-list--changed { color: $text-warning; text-style: bold; }
    EventList > .event-list--removed { color: $text-error; text-style: dim; }
    EventList > .event-list--cursor { background: $block-cursor-blurred-background; }
    EventList:focus > .event-list--cursor { background: $block-cursor-background; color: $block-cursor-foreground; }
    """
    BINDINGS = [
        Binding("enter", "details", "Details", id="log.details"),
        Binding("up", "move(-1)", "Up", show=False, id="log.up"),
        Binding("down", "move(1)", "Down", show=False, id="log.down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="log.page_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="log.page_down"),
        Binding("home", "home", "First", show=False, id="log.first"),
        Binding("end", "end", "Last (follow)", show=False, id="log.last"),
    ]

    def __init__(self, log: SyncLog, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.log_state = log
        self.cursor = 0
        self._lines: LRUCache[tuple[Any, ...], Strip] = LRUCache(LINE_CACHE)
        self._styles: tuple[Any, dict[str, Style], Style] | None = None

    @property
    def top(self) -> int:
        """The view's position drawn on the first line."""
        return round(self.scroll_offset.y)

    def sync(self) -> None:
        """The ring's rows changed (arrived, filtered, cleared): new length, and the cursor (or the newest row, when
        following) kept in view."""
        shown = self.log_state.ring.shown
        if self.virtual_size.height != shown:
            self.virtual_size = Size(0, shown)
        height = self.scrollable_content_region.height
        if self.log_state.follow:
            self.cursor = max(0, shown - 1)
            self.scroll_to(y=max(0, shown - height), animate=False, force=True)
        else:
            self.cursor = min(self.cursor, max(0, shown - 1))
            self.scroll_to(y=min(self.top, max(0, shown - height)), animate=False, force=True)
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = None
        self._lines.clear()

    def _row_styles(self) -> tuple[Any, dict[str, Style], Style]:
        if self._styles is None:
            base = self.rich_style
            kinds = {kind: base + self.get_component_rich_style(f"event-list--{kind}") for kind in KINDS}
            self._styles = (base, kinds, self.get_component_rich_style("event-list--cursor"))
        return self._styles

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        position = self.top + y
        ring = self.log_state.ring
        base, kinds, cursor = self._row_styles()
        if position >= ring.shown:
            return Strip.blank(width, base)
        on_cursor = position == self.cursor
        # a row's text never changes: cached by what it is (the ring's generation and index), not where it is drawn
        key = (ring.generation, ring.index(position), width, on_cursor, on_cursor and self.has_focus)
        strip = self._lines.get(key)
        if strip is None:
            text, _record, kind = ring.row(position)
            style = kinds.get(kind, base)
            if on_cursor:
                style += cursor
            strip = self._lines[key] = Strip([Segment(set_cell_size(text, width), style)], width)
        return strip

    def on_resize(self) -> None:
        self.sync()  # G grows or shrinks the pane: keep the cursor (or the newest row, when following) in view

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        event.prevent_default()
        self.action_move(3)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        event.prevent_default()
        self.action_move(-3)

    def _show_cursor(self, previous: int | None = None) -> None:
        """Scroll the cursor into view; when no scroll is needed, redraw only the lines it left and reached."""
        height = self.scrollable_content_region.height
        top = self.top
        if self.cursor < top:
            top = self.cursor
        elif self.cursor >= top + height:
            top = self.cursor - height + 1
        if top != self.top:
            self.scroll_to(y=top, animate=False, force=True)
            self.refresh()
        elif previous is not None:
            self.refresh_line(previous)
            self.refresh_line(self.cursor)
        else:
            self.refresh()

    def _follow(self, on: bool) -> None:
        if self.log_state.follow != on:
            self.log_state.follow = on
            self.log_state.changed()
            self.post_message(LogPane.Changed())

    def action_move(self, delta: int) -> None:
        shown = self.log_state.ring.shown
        previous = self.cursor
        self.cursor = min(max(self.cursor + delta, 0), max(0, shown - 1))
        self._follow(self.cursor >= shown - 1 and delta > 0 and self.log_state.follow)
        self._show_cursor(previous)

    def action_page(self, delta: int) -> None:
        self.action_move(delta * max(1, self.scrollable_content_region.height - 1))

    def action_home(self) -> None:
        self.cursor = 0
        self._follow(False)
        self._show_cursor()

    def action_end(self) -> None:
        self._follow(True)
        self.sync()

    def action_details(self) -> None:
        ring = self.log_state.ring
        if not ring.shown:
            return
        position = min(self.cursor, ring.shown - 1)
        text, record, kind = ring.row(position)
        item = ring.item(position)
        if kind == BAD_KIND:
            self.app.push_screen(TextDialog("Not an event", text.strip()))
            return
        if type(item) is Marked and item.status == REMOVED:
            title = f"Removed by the edit: event #{json.loads(item.line)['seq']} of the old config"
            self.app.push_screen(TextDialog(title, event_details(item.line, removed=True)))
            return
        if record is None:
            self.app.push_screen(TextDialog("Note", text.strip()))
            return
        title = f"Event #{json.loads(record)['seq']}"
        if type(item) is Marked and item.status == CHANGED:
            self.app.push_screen(
                TextDialog(f"{title}, changed by the edit", event_details(record, item.before, item.what))
            )
            return
        if type(item) is Marked and item.status == ADDED:
            title += ", added by the edit"
        self.app.push_screen(TextDialog(title, event_details(record)))


def event_details(record: str, before: str | None = None, what: str = "", removed: bool = False) -> Text:
    """The full event: who, what, under which config, the payload as sent, and the notes on how it was built; for
    an event an edit changed, what changed and the payload before (the old config's) and after."""
    event = json.loads(record)
    source = event["source"]
    owner = source_label(source)
    body = Text()
    body.append(f"{event['at']}  {owner} → {event['destination']}\n", style="bold")
    body.append(
        f"profile {event['profile']} · {event['action']} · {event['call']} · config version {event['config_version']}\n"
    )
    if removed:
        body.append("\nThe old config sent this event; the new one does not (it is not exported).\n", style="bold")
    if before is not None:
        body.append("\nChanged: ", style="bold")
        body.append(f"{what}\n")
        body.append("\nPayload before (old config)\n", style="bold")
        body.append(json.dumps(json.loads(before)["payload"], indent=2, ensure_ascii=False) + "\n")
        body.append("\nPayload after (this config)\n", style="bold")
    else:
        body.append("\nPayload\n", style="bold")
    body.append(json.dumps(event["payload"], indent=2, ensure_ascii=False) + "\n")
    body.append("\nNotes\n", style="bold")
    for note in event["notes"]:
        body.append(f"  • {note}\n")
    return body


def export_path(space_path: Path | None) -> Path:
    """Where an export goes unless the user says otherwise: beside the space file, named after it."""
    if space_path is None:
        return Path("space.sync-log.jsonl")
    return space_path.with_name(f"{space_path.stem}.sync-log.jsonl")


class LogPane(Vertical):
    """The pane under a screen: a header (scope, counts, state, filter, diff, clock), a filter field, the rows."""

    class Changed(Message):
        """Something the header shows changed (posted by the rows: following on / off)."""

    DEFAULT_CSS = """
    LogPane { height: 1fr; min-height: 2; max-height: 24; display: none; }
    LogPane.-tall { height: 3fr; max-height: 100%; }
    LogPane #log-header { height: 1; background: $primary-muted; padding: 0 1; }
    LogPane #log-filter { height: 1; border: none; padding: 0 1; display: none; }
    LogPane #log-filter.-on { display: block; }
    """
    BINDINGS = [
        Binding("slash", "filter", "Filter", id="log.filter", key_display="/"),
        Binding("P", "pause", "Pause", id="log.pause"),
        Binding("f", "follow", "Follow", id="log.follow"),
        Binding("D", "differences", "Diff only", id="log.differences"),
        Binding("E", "export", "Export", id="log.export"),
        Binding("R", "replay", "Replay", id="log.replay"),
        Binding("C", "clear", "Clear", show=False, id="log.clear"),
        Binding("plus,equals_sign", "speed(1)", "Faster", show=False, id="log.faster", key_display="+"),
        Binding("minus", "speed(-1)", "Slower", show=False, id="log.slower", key_display="-"),
        Binding("full_stop", "step", "Step replay", show=False, id="log.step", key_display="."),
        Binding("n", "run", "Run selection", show=False, id="log.run"),
        Binding("N", "run_space", "Run space", show=False, id="log.run_space"),
        Binding("G", "grow", "Grow/shrink", show=False, id="log.grow"),
        Binding("escape", "leave", "Leave log", show=False, id="log.leave"),
    ]

    def __init__(self) -> None:
        super().__init__(id="log-pane")
        self.shown_version = -1
        self._return_focus: Any = None
        self._header: Text | None = None

    @property
    def log_state(self) -> SyncLog:
        return SyncLog.of(self.app)

    def compose(self) -> ComposeResult:
        yield Static(id="log-header")
        yield TextField(placeholder="filter: type to match rows · enter: keep · escape: clear", id="log-filter")
        yield EventList(self.log_state, id="log-events")

    def on_mount(self) -> None:
        log = self.log_state
        log.panes.add(self)
        self.show(log.open)

    def on_unmount(self) -> None:
        log = getattr(self.app, "sync_log", None)
        if log is not None:
            log.panes.discard(self)

    def show(self, on: bool, focus: bool = False) -> None:
        log = self.log_state
        log.panes.add(self)
        self.set_class(log.tall, "-tall")
        self.screen.set_class(log.tall and on, "-log-tall")
        if on == self.display:
            if on:
                self.sync()  # shown again under a screen that was away: what changed meanwhile, the filter too
            return
        self.display = on
        if on:
            self.call_after_refresh(self.sync)
        if self.screen is not self.app.screen:
            return
        if on and focus:
            self.take_focus()
        elif not on and self.screen.focused is not None and self in self.screen.focused.ancestors_with_self:
            self._leave()

    def take_focus(self) -> None:
        focused = self.screen.focused
        if focused is None or self not in focused.ancestors_with_self:
            self._return_focus = focused
        self.call_after_refresh(self.query_one(EventList).focus)

    def focus_outside(self) -> Any:
        """The screen's focused widget, or the one focused before the log took the focus."""
        focused = self.screen.focused
        if focused is not None and self in focused.ancestors_with_self:
            return self._return_focus
        return focused

    def sync(self) -> None:
        log = self.log_state
        self.shown_version = log.version
        self.set_class(log.tall, "-tall")
        self.screen.set_class(log.tall and self.display, "-log-tall")
        field = self.query_one("#log-filter", Input)
        if not field.has_focus:  # the filter set (under any screen) is always shown while it is set
            if field.value != log.filter_text:
                field.value = log.filter_text
            field.set_class(bool(log.filter_text), "-on")
        header = self.header()
        if header != self._header:  # one line, always: a new text needs no layout
            self._header = header
            self.query_one("#log-header", Static).update(header, layout=False)
        self.query_one(EventList).sync()

    def header(self) -> Text:
        log = self.log_state
        ring = log.ring
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(log.scope.label if log.scope else "sync log", style="bold")
        shown = (
            f" · {ring.shown}/{len(ring)} rows" if ring.filter or ring.differences_only else f" · {log.events} events"
        )
        text.append(shown)
        if ring.filter:
            text.append(f" · filter “{log.filter_text}” (/)", style="bold yellow")
        if log.replaying or log.state == "replay done":
            text.append(f" · ▶ {log.clock[11:19] or '--:--:--'} ×{log.speed}", style="bold")
        state = "paused" if log.paused else log.state
        if state != "done":
            style = "bold red" if state == "error" else "yellow" if state == "paused" else "dim"
            text.append(f" · {state}", style=style)
        if log.message:
            text.append(f": {log.message}", style="red")
        if ring.scanning:
            text.append(" · filtering…", style="yellow")
        if log.diff is not None:
            text.append(f" · {log.diff.text}", style="bold")
            if log.diff.removed_dropped:
                text.append(f" ({log.diff.removed_dropped} removed not listed)", style="dim")
        if ring.differences_only:
            text.append(" · differences only (D: all)", style="bold yellow")
        if not log.follow:
            text.append(" · not following (f)", style="dim")
        return text

    def say(self, text: str, error: bool = False) -> None:
        self.post_message(StatusMessage(text, error=error))

    def filter_carried(self, before: Scope | None, after: Scope | None) -> None:
        """A new run for another selection keeps the filter: say so (once, from the pane on the current screen)."""
        if self.screen is not self.app.screen or not self.display:
            return
        log = self.log_state
        label = after.label if after else "the space"
        self.say(f"Filter “{log.filter_text}” kept for {label}: / then escape clears it")

    @on(Changed)
    def header_changed(self, message: Changed) -> None:
        message.stop()
        self.sync()

    # -- actions -------------------------------------------------------------------------------------------
    def action_filter(self) -> None:
        field = self.query_one("#log-filter", Input)
        field.add_class("-on")
        field.focus()

    @on(Input.Changed, "#log-filter")
    def filter_changed(self, event: Input.Changed) -> None:
        if event.value != self.log_state.filter_text:
            self.log_state.set_filter(event.value)
        self.sync()  # what is checked so far; the redraws check the rest (the header says "filtering…" meanwhile)

    @on(Input.Submitted, "#log-filter")
    def filter_kept(self) -> None:
        field = self.query_one("#log-filter", Input)
        if not field.value:
            field.remove_class("-on")
        self.query_one(EventList).focus()

    def action_leave(self) -> None:
        field = self.query_one("#log-filter", Input)
        if field.has_focus:
            field.value = ""
            field.remove_class("-on")
            self.log_state.set_filter("")
            self.query_one(EventList).focus()
            self.sync()
            return
        self._leave()

    def _leave(self) -> None:
        target = self._return_focus
        if target is not None and target.is_attached and target.screen is self.screen and target.display:
            target.focus()
        else:
            self.screen.focus_next()
            if self.screen.focused is not None and self in self.screen.focused.ancestors_with_self:
                self.screen.set_focus(None)

    def action_pause(self) -> None:
        self.log_state.toggle_pause()
        self.sync()

    def action_follow(self) -> None:
        log = self.log_state
        log.follow = not log.follow
        log.changed()
        self.sync()

    def action_differences(self) -> None:
        log = self.log_state
        on = not log.ring.differences_only
        log.set_differences_only(on)
        if on and log.diff is None:
            self.say("Differences only: none until an edit re-runs the log (D shows all rows)")
        self.sync()

    def action_clear(self) -> None:
        self.log_state.clear()
        self.sync()

    def action_run(self) -> None:
        self.log_state.start_run()
        self.sync()

    def action_run_space(self) -> None:
        self.log_state.start_run(selection=None)
        self.sync()

    def action_replay(self) -> None:
        log = self.log_state
        if log.replaying:
            log.stop_run()
            self.say("Replay stopped")
        else:
            log.start_replay()
            self.say("Replay: change lines play on a simulated clock · P pause · + / - speed · . step · R stop")
        self.sync()

    def action_speed(self, delta: int) -> None:
        self.log_state.set_speed(delta)
        self.sync()

    def action_step(self) -> None:
        if not self.log_state.step():
            self.say("Nothing to step: press R to start the replay", error=True)

    def action_grow(self) -> None:
        log = self.log_state
        log.tall = not log.tall
        for pane in log.panes:
            pane.set_class(log.tall, "-tall")
            pane.screen.set_class(log.tall, "-log-tall")

    def action_export(self) -> None:
        """`E`: ask where (beside the space file unless told), ask before replacing a file, write the rows shown."""
        log = self.log_state
        session = log.session
        if session.read_only:  # a read-only session (a served demo) writes nothing to the machine's disk
            self.say("Not exported: this session is read-only (--read-only) and writes no files", error=True)
            return
        default = export_path(session.path)
        ring = log.ring
        dialog = FormDialog(
            "Export the events shown (JSON Lines, as simulate prints them)",
            [("path", "File:", str(default))],
            hint=f"{ring.shown} rows shown"
            + (f" (filter: {log.filter_text})" if ring.filter else "")
            + (" (differences only; removed events are not exported)" if ring.differences_only else ""),
        )

        def chosen(values: dict[str, str] | None) -> None:
            if not values:
                return
            path = Path(values["path"]).expanduser()
            if path.is_dir():
                self.say(f"Not exported: {path} is a folder; give a file name", error=True)
                return
            if path.exists():
                question = ConfirmDialog(
                    "Replace the file?",
                    f"{path} exists. Replace it with the {ring.shown} rows shown?",
                    [("Replace", "replace", "warning"), ("Cancel", "cancel", "default")],
                )
                self.app.push_screen(question, lambda answer: write(path) if answer == "replace" else None)
                return
            write(path)

        def write(path: Path) -> None:
            try:
                count = export_file(log, path)
            except OSError as error:
                self.say(f"Not exported: {path}: {error.strerror or error}", error=True)
                return
            self.say(f"Exported {count} events to {path}")

        self.app.push_screen(dialog, chosen)


def export_file(log: SyncLog, path: Path) -> int:
    """Write the export beside its target and move it into place: a failed write never leaves a cut file."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        count = log.export(temporary)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return count
