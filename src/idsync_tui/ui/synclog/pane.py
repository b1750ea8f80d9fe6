"""The sync log pane: the simulator's events for what is selected, streamed under any screen without freezing it.

Toolong's way: a worker thread runs the simulator (`simulator.live`) and puts batches of events, each as its JSON
line alone, on a bounded outbox; a timer on the app moves them every tick into one bounded ring (`EventRing`), and
each screen's pane is a virtual list that builds and draws only the rows on screen. One `SyncLog` per app holds the
ring, the run and the replay, so the pane shows the same log under every screen, the ID Sync editor included.

Speed (benchmarks/bench_log.py): both threads share one interpreter lock, so every millisecond the UI thread
spends is the worker's loss, and a worker that never sleeps can keep the UI thread from a key for half a second.
Hence: the UI thread wakes for the log only every TICK (each wake is two hand-overs of the lock, and on a busy
machine each hand-over waits for a core), does one store per row, repaints without a layout, checks a filter in
budgeted slices; the worker gives way now and then (`live.Yielder`).

Live re-run: an edit (app.revision) re-runs the scope ~300 ms later under the new config and the old one; the header
counts what the edit changes, the rows say which: `+` added, `~` changed (enter shows before and after), and the
events it removes follow the run's rows, marked `−` (shown, never exported: the new config does not send them). `D`
shows the differences only. Replay: `R` plays the change lines on a simulated clock; an edit made meanwhile
becomes a config version saved at the simulated time and effective five simulated minutes later.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import queue
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.cells import set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.geometry import Region
from textual.scrollbar import ScrollBarRender
from textual.strip import Strip
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input, Static
from textual.worker import get_current_worker

from idsync_tui.simulator.live import (
    ADDED,
    BAD_KIND,
    CHANGED,
    ENTER_KIND,
    EXIT_KIND,
    NOTICE_KIND,
    REMOVED,
    EventDiff,
    EventRing,
    LogItem,
    Marked,
    Replay,
    Scope,
    Yielder,
    busy_probe,
    log_item,
    run_scope,
    scope_of,
)
from idsync_tui.simulator.profiles import format_time, scan_times
from idsync_tui.simulator.render import event_json
from idsync_tui.space.model import Space
from idsync_tui.ui.screens.dialogs import FormDialog, TextDialog

BATCH = 512  # rows per queue item: one ring extend and one refresh per batch, not per row
TICK = 0.25  # seconds between moves of the worker's batches into the ring, and repaints (keys repaint at once)
DRAIN_BUDGET = 0.015  # seconds of UI-thread work per tick for checking rows against a filter (keys wait this)
SCAN_MIN = 0.002  # seconds a tick always gives a filter that is still checking rows
SCAN_TICK = 0.01  # while a filter is still checking rows, the next slice comes this soon (not a whole TICK later)
DEBOUNCE = 0.3  # seconds after the last edit before the live re-run
HEIGHTS = ("", "-tall")
SPEEDS = (1, 10, 30, 60, 120, 300, 600, 3600)  # simulated seconds per real second
DEFAULT_SPEED = 3
KINDS = (ENTER_KIND, EXIT_KIND, NOTICE_KIND, BAD_KIND, ADDED, CHANGED, REMOVED)


class Stopped(Exception):
    """The run was replaced or the app is closing."""


class Outbox:
    """Batches from the worker thread to the UI thread: a deque, bounded by making the worker wait for room.

    Not a queue.Queue: each of its `get`s wakes a worker waiting for room, and a woken thread takes the interpreter
    from the UI thread in the middle of its tick (5 ms a time, once per batch). Here the UI thread takes every batch
    without a lock, then gives room once per tick.
    """

    def __init__(self, maxsize: int = 64) -> None:
        self.maxsize = maxsize
        self._items: deque[tuple[int, str, Any]] = deque()
        self._room = threading.Event()

    def empty(self) -> bool:
        return not self._items

    def put(self, item: tuple[int, str, Any], stopped: Callable[[], bool] = lambda: False) -> None:
        """Append; while full, wait for the UI thread to take (checking `stopped` every 0.1 s)."""
        items = self._items
        while len(items) >= self.maxsize:
            self._room.clear()
            if len(items) < self.maxsize:
                break
            if not self._room.wait(0.1) and stopped():
                raise Stopped
        items.append(item)

    def put_now(self, item: tuple[int, str, Any]) -> None:
        """Append even when full (the last word of a run: its error)."""
        self._items.append(item)

    def take(self) -> tuple[int, str, Any] | None:
        try:
            return self._items.popleft()
        except IndexError:
            return None

    def taken(self) -> None:
        """The UI thread is done taking for this tick: a worker waiting for room may go on."""
        if len(self._items) < self.maxsize:
            self._room.set()


class SyncLog:
    """The app's one sync log: ring, queue, worker, replay, and the panes that show it."""

    def __init__(self, app: App, capacity: int = 100_000) -> None:
        self.app = app
        self.ring = EventRing(capacity)
        self.queue = Outbox(maxsize=64)
        self.commands: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.panes: weakref.WeakSet[LogPane] = weakref.WeakSet()
        self.open = False
        self.follow = True
        self.tall = False
        self.run_id = 0
        self.stop = threading.Event()
        self.resumed = threading.Event()
        self.resumed.set()
        self.state = "idle"  # idle | running | done | replay | replay done | error
        self.scope: Scope | None = None
        self.space_run: Space | None = None  # the config the log shows
        self.events = 0
        self.diff: EventDiff | None = None
        self.message = ""
        self.clock = ""
        self.speed_index = DEFAULT_SPEED
        self.replaying = False
        self.version = 0  # bumped on every change the panes must show
        self._timer: Timer | None = None
        self._scan_timer: Timer | None = None
        self._ui_busy: Callable[[], bool] | None = None  # a probe of the UI thread, made by the first run
        self._ui_probed = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._debounce: Timer | None = None
        app.watch(app, "revision", self._edited, init=False)

    @classmethod
    def of(cls, app: App) -> SyncLog:
        log = getattr(app, "sync_log", None)
        if log is None:
            log = cls(app)
            app.sync_log = log  # type: ignore[attr-defined]
        return log

    @property
    def paused(self) -> bool:
        return not self.resumed.is_set()

    @property
    def speed(self) -> int:
        return SPEEDS[self.speed_index]

    # -- what the keys do ----------------------------------------------------------------------------------------
    def toggle(self) -> None:
        """`l`: open the log (focused); pressed elsewhere on the screen, go back to it; pressed in it, close it."""
        if self.open:
            pane = next((p for p in self.panes if p.is_attached and p.screen is self.app.screen), None)
            focused = self.app.screen.focused
            if pane is not None and (focused is None or pane not in focused.ancestors_with_self):
                pane.take_focus()
                return
        self.open = not self.open
        if self.open and not self.replaying:
            space = self._space()
            if self.state == "idle" or self.scope != scope_of(space, self._selection()):
                self.start_run()
            elif self.space_run is not None and space != self.space_run:
                self.start_run(before=self.space_run)
        self.changed()
        for pane in list(self.panes):
            pane.show(self.open, focus=True)

    def start_run(self, selection: Any = "screen", before: Space | None = None) -> None:
        """Run the simulator for the screen's selection (or `selection`) under the session's current config."""
        space = self._space()
        if selection == "screen":
            selection = self._selection()
        scope = scope_of(space, selection)
        stop = self._new_run(scope, space)
        self.diff = None
        self.state = "running"
        self.message = ""
        self.replaying = False
        self.clock = ""
        self.app.run_worker(
            lambda: self._produce(self.run_id, stop, space, scope, before),
            name="sync-log",
            group="sync-log",
            thread=True,
            exit_on_error=False,
        )

    def start_replay(self) -> None:
        space = self._space()
        scope = self.scope or scope_of(space, None)
        stop = self._new_run(scope, space)
        self.diff = None
        self.state = "replay"
        self.message = ""
        self.replaying = True
        while not self.commands.empty():
            self.commands.get_nowait()
        self.app.run_worker(
            lambda: self._produce_replay(self.run_id, stop, space, scope),
            name="sync-log-replay",
            group="sync-log",
            thread=True,
            exit_on_error=False,
        )

    def stop_run(self) -> None:
        self.stop.set()
        self.resumed.set()
        if self.state in ("running", "replay"):
            self.state = "stopped"
        self.replaying = False
        self.changed()

    def toggle_pause(self) -> None:
        if self.paused:
            self.resumed.set()
        else:
            self.resumed.clear()
        self.changed()

    def step(self) -> bool:
        if not self.replaying:
            return False
        self.commands.put(("step", None))
        return True

    def set_speed(self, delta: int) -> None:
        self.speed_index = min(max(self.speed_index + delta, 0), len(SPEEDS) - 1)
        self.changed()

    def clear(self) -> None:
        self.ring.clear()
        self.events = 0
        self.changed()

    def set_filter(self, text: str) -> None:
        self.ring.set_filter(text, scan=False)
        if not self.ring.scan(DRAIN_BUDGET):
            self._scan_soon()
        self._ensure_timer()
        self.changed()

    def set_differences_only(self, on: bool) -> None:
        """Show only the events the last edit added, changed or removed (a filter typed with `/` still applies)."""
        self.ring.set_differences_only(on, scan=False)
        if not self.ring.scan(DRAIN_BUDGET):
            self._scan_soon()
        self._ensure_timer()
        self.changed()

    def export(self, path: Path) -> int:
        """Writes the shown events as `simulate --format jsonl` lines; returns how many."""
        self.ring.scan()  # a filter still checking rows finishes first: the file has every match
        written = 0
        with open(path, "w", encoding="utf-8", newline="\n") as out:
            batch: list[str] = []
            for line in self.ring.export_lines():
                batch.append(line)
                written += 1
                if len(batch) >= 1024:
                    out.write("\n".join(batch) + "\n")
                    batch.clear()
            if batch:
                out.write("\n".join(batch) + "\n")
        return written

    # -- plumbing ------------------------------------------------------------------------------------------------
    def _selection(self) -> Any:
        pick = getattr(self.app.screen, "selection", None)
        return pick() if callable(pick) else None

    def _space(self) -> Space:
        return self.app.session.space  # type: ignore[attr-defined]

    def _new_run(self, scope: Scope, space: Space) -> threading.Event:
        if not self._ui_probed:  # on the UI thread, which the probe is about
            self._ui_probed = True
            self._ui_busy = busy_probe(threading.get_native_id())
            self._loop = asyncio.get_running_loop()
        self.stop.set()
        self.stop = threading.Event()
        self.run_id += 1
        self.scope = scope
        self.space_run = space
        self.ring.clear()
        self.events = 0
        self._ensure_timer()
        self.changed()
        return self.stop

    def _ensure_timer(self) -> None:
        if self._timer is None:
            self._timer = self.app.set_interval(TICK, self.drain, name="sync-log-drain")

    def changed(self) -> None:
        self.version += 1

    def _edited(self, _revision: int) -> None:
        if self.replaying:
            self.commands.put(("version", self._space()))
            return
        if not self.open or self.space_run is None:
            return
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.app.set_timer(DEBOUNCE, self._rerun, name="sync-log-rerun")

    def _rerun(self) -> None:
        self._debounce = None
        before = self.space_run
        if before is None or self._space() == before:
            return
        self.start_run(before=before)

    def drain(self) -> None:
        """One tick on the UI thread: move what the worker made into the ring, then redraw the visible pane.

        Moving a batch is one store per row (rows are built when drawn), so a tick moves all there is (the outbox is
        bounded); a filter checks new rows within what is left of DRAIN_BUDGET and catches up on the next ticks. (A
        deadline on moving would be wrong: the clock runs on while the worker holds the interpreter, and a tick cut
        short leaves the worker waiting for room.)
        """
        ring = self.ring
        deadline = time.perf_counter() + DRAIN_BUDGET
        while True:
            taken = self.queue.take()
            if taken is None:
                break
            run_id, kind, data = taken
            if run_id != self.run_id:
                continue
            if kind == "rows":
                items, events = data
                ring.extend(items, scan=False)
                self.events += events
            elif kind == "clock":
                self.clock = data
            elif kind == "diff":
                self.diff = data
            elif kind == "done":
                self.state = data
            elif kind == "error":
                self.state = "error"
                self.message = data
            self.version += 1
        self.queue.taken()
        if ring.scanning:
            if not ring.scan(max(SCAN_MIN, deadline - time.perf_counter())):
                self._scan_soon()
            self.version += 1
        screen = self.app.screen
        for pane in self.panes:
            if pane.display and pane.screen is screen and pane.shown_version != self.version:
                pane.sync()

    def _scan_soon(self) -> None:
        if self._scan_timer is None:
            self._scan_timer = self.app.set_timer(SCAN_TICK, self._scan_tick, name="sync-log-filter")

    def _scan_tick(self) -> None:
        self._scan_timer = None
        self.drain()

    # -- the worker thread ---------------------------------------------------------------------------------------
    def _wake_ui(self) -> None:
        """From the worker: have the UI thread take the last batches now, not at the next tick (up to TICK later)."""
        loop = self._loop
        if loop is None:
            return
        with contextlib.suppress(RuntimeError):  # the app has closed its loop: nothing to wake
            loop.call_soon_threadsafe(self.app.call_later, self.drain)

    def _stopper(self, stop: threading.Event):  # type: ignore[no-untyped-def]
        worker = get_current_worker()

        def stopped() -> bool:
            return stop.is_set() or worker.is_cancelled

        return stopped

    def _put(self, stopped, run_id: int, kind: str, data: Any) -> None:  # type: ignore[no-untyped-def]
        if stopped():
            raise Stopped
        self.queue.put((run_id, kind, data), stopped)  # waits while the screen is behind: memory stays bounded

    def _wait_resumed(self, stopped) -> None:  # type: ignore[no-untyped-def]
        while not self.resumed.wait(0.1):
            if stopped():
                raise Stopped

    def _profiles(self, space: Space) -> Path:
        profiles = space.profiles_path()
        if profiles is None:
            raise ValueError('this space names no sample profiles: set profiles = "FILE.jsonl" in [space]')
        if not profiles.is_file():
            raise ValueError(f"the sample profiles file {profiles} does not exist")
        return profiles

    def _stream(  # type: ignore[no-untyped-def]
        self, stopped, run_id: int, outputs, hold: bool = True, diff: EventDiff | None = None
    ) -> None:
        """Outputs to log items, in batches; `hold` waits while the log is paused (the replay's clock pauses instead).

        An event becomes its JSON line only: the row the pane shows is built from it when drawn (`EventRing.row`).
        With `diff` (a re-run after an edit, fed profile by profile as the outputs come) it is marked with what the
        edit did to it; ready Marked items (removed events) pass as they are, and are not counted as events.
        """
        batch: list[LogItem] = []
        events = 0
        encode = event_json  # what simulate prints, byte for byte
        give_way = Yielder(busy=self._ui_busy)  # the simulator's small file reads would starve the UI thread
        for output in outputs:
            give_way()
            if type(output) is dict:
                batch.append(encode(output) if diff is None else diff.item(output, encode(output)))
                events += 1
            elif type(output) is Marked:
                batch.append(output)
            else:
                batch.append(log_item(output))
            if len(batch) >= BATCH:
                if hold:
                    self._wait_resumed(stopped)
                self._put(stopped, run_id, "rows", (batch, events))
                batch, events = [], 0
        if batch:
            if hold:
                self._wait_resumed(stopped)
            self._put(stopped, run_id, "rows", (batch, events))

    def _produce(self, run_id: int, stop: threading.Event, space: Space, scope: Scope, before: Space | None) -> None:
        stopped = self._stopper(stop)
        try:
            profiles = self._profiles(space)
            start = scan_times(profiles).first_sync()
            diff = EventDiff() if before is not None else None
            outputs = run_scope(space, scope, profiles, start, before=before, diff=diff, stop=stop)
            self._stream(stopped, run_id, outputs, diff=diff)
            if diff is not None:
                self._stream(stopped, run_id, _removed_rows(diff, start))  # after the run's rows
                self._put(stopped, run_id, "diff", diff)
            self._put(stopped, run_id, "done", "done")
            self._wake_ui()
        except Stopped:
            return
        except Exception as error:  # shown in the pane's header, never a crash of the app
            self.queue.put_now((run_id, "error", f"{type(error).__name__}: {error}"))

    def _produce_replay(self, run_id: int, stop: threading.Event, space: Space, scope: Scope) -> None:
        stopped = self._stopper(stop)
        try:
            profiles = self._profiles(space)
            start = scan_times(profiles).first_sync()
            replay, first = Replay.start(space, profiles, start, scope)
            self._stream(stopped, run_id, first)
            self._put(stopped, run_id, "clock", format_time(replay.now))
            last = time.monotonic()
            while not replay.done:
                outputs: list[Any] = []
                while True:
                    try:
                        command, value = self.commands.get_nowait()
                    except queue.Empty:
                        break
                    if command == "version":
                        config = replay.add_version(value)
                        outputs.append(_version_saved(config.version, replay.now, config.effective_at))
                    elif command == "step":
                        outputs.extend(replay.step())
                now = time.monotonic()
                if not self.paused:
                    outputs.extend(replay.advance((now - last) * self.speed))
                last = now
                if outputs:
                    self._stream(stopped, run_id, outputs, hold=False)
                self._put(stopped, run_id, "clock", format_time(replay.now))
                if stop.wait(0.05) or stopped():
                    return
            self._put(stopped, run_id, "done", "replay done")
        except Stopped:
            return
        except Exception as error:
            self.queue.put_now((run_id, "error", f"{type(error).__name__}: {error}"))


def _removed_rows(diff: EventDiff, start) -> Any:  # type: ignore[no-untyped-def]
    """The events the edit removed, as rows after the run's, and a notice for those kept out of the log."""
    from idsync_tui.simulator.engine import Notice

    yield from diff.removed_items()
    if diff.removed_dropped:
        yield Notice(
            format_time(start),
            "",
            f"{diff.removed_dropped} more removed event(s) not shown (the log keeps the first {diff.keep_removed})",
        )


def _version_saved(version: int, saved_at, effective_at) -> Any:  # type: ignore[no-untyped-def]
    from idsync_tui.simulator.engine import Notice

    return Notice(
        format_time(saved_at),
        "",
        f"edit saved as config version {version} at {format_time(saved_at)[11:19]}; "
        f"effective at {format_time(effective_at)[11:19]} (5 minutes later)",
    )


# ----------------------------------------------------------------------------------------------------------
class EventList(Widget, can_focus=True):
    """The log's rows: a virtual list over the ring (only the rows on screen are built and drawn), with a cursor.

    Not a ScrollView: the list keeps its own first row (`top`) and draws its own scroll bar, so that rows arriving
    (the ring growing every tick) repaint this widget alone instead of asking the screen for a layout.
    """

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
    EventList { height: 1fr; scrollbar-size-vertical: 1; }
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
        self.top = 0  # the view's position drawn on the first line
        self._bar: tuple[tuple[int, int, int, Any, Any], list[Segment]] | None = None
        self._frame: tuple[Style, dict[str, Style], Style, list[Segment]] | None = None

    def sync(self) -> None:
        shown = self.log_state.ring.shown
        height = self.size.height
        if self.log_state.follow:
            self.cursor = max(0, shown - 1)
            self.top = max(0, shown - height)
        else:
            self.cursor = min(self.cursor, max(0, shown - 1))
            self.top = min(self.top, max(0, shown - height))
        self.refresh()

    def _bar_segments(self, shown: int, height: int) -> list[Segment]:
        """The scroll bar's cells, top to bottom, drawn as Textual draws a ScrollView's."""
        styles = self.styles
        background, color = styles.scrollbar_background, styles.scrollbar_color
        if background.a < 1:
            background = self.background_colors[0] + background
        color = background + color
        key = (shown, height, self.top, background, color)
        if self._bar is None or self._bar[0] != key:
            window = height if height < shown else 0
            bar = ScrollBarRender.render_bar(
                size=height,
                virtual_size=shown,
                window_size=window,
                position=self.top,
                back_color=background.rich_color,
                bar_color=color.rich_color,
            )
            self._bar = key, [segment for segment in bar.segments if segment.text]
        return self._bar[1]

    def _frame_styles(self) -> tuple[Style, dict[str, Style], Style, list[Segment]]:
        """What every line of one frame shares: base, kind and cursor styles, and the scroll bar."""
        base = self.rich_style
        kinds = {kind: base + self.get_component_rich_style(f"event-list--{kind}") for kind in KINDS}
        cursor = self.get_component_rich_style("event-list--cursor")
        return base, kinds, cursor, self._bar_segments(self.log_state.ring.shown, self.size.height)

    def render_lines(self, crop: Region) -> list[Strip]:
        self._frame = self._frame_styles()  # once per frame, not once per line
        try:
            return super().render_lines(crop)
        finally:
            self._frame = None

    def render_line(self, y: int) -> Strip:
        base, kinds, cursor, bar = self._frame or self._frame_styles()
        width = self.size.width
        text_width = max(0, width - 1)
        tail = [bar[y]] if y < len(bar) else []
        position = self.top + y
        ring = self.log_state.ring
        if position >= ring.shown:
            return Strip([Segment(" " * text_width, base), *tail], width)
        text, _record, kind = ring.row(position)
        style = kinds[kind]
        if position == self.cursor:
            style += cursor
        return Strip([Segment(set_cell_size(text, text_width), style), *tail], width)

    def on_resize(self) -> None:
        self.sync()  # G grows or shrinks the pane: keep the cursor (or the newest row, when following) in view

    def on_mouse_scroll_down(self) -> None:
        self.action_move(3)

    def on_mouse_scroll_up(self) -> None:
        self.action_move(-3)

    def _show_cursor(self) -> None:
        height = self.size.height
        if self.cursor < self.top:
            self.top = self.cursor
        elif self.cursor >= self.top + height:
            self.top = self.cursor - height + 1
        self.refresh()

    def _follow(self, on: bool) -> None:
        if self.log_state.follow != on:
            self.log_state.follow = on
            self.log_state.changed()

    def action_move(self, delta: int) -> None:
        shown = self.log_state.ring.shown
        self.cursor = min(max(self.cursor + delta, 0), max(0, shown - 1))
        self._follow(self.cursor >= shown - 1 and delta > 0 and self.log_state.follow)
        self._show_cursor()

    def action_page(self, delta: int) -> None:
        self.action_move(delta * max(1, self.size.height - 1))

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
        text, record, _kind = ring.row(position)
        item = ring.item(position)
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
    owner = f"journey {source['key']}, step {source['step']}" if "step" in source else f"audience {source['key']}"
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


class LogPane(Vertical):
    """The pane under a screen: a header (scope, counts, state, diff, clock), a filter field, the rows."""

    DEFAULT_CSS = """
    LogPane { height: 8; display: none; }
    LogPane.-tall { height: 16; }
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
        yield Input(placeholder="filter: type to match rows · enter: keep · escape: clear", id="log-filter")
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
        if on == self.display:
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

    # -- actions -------------------------------------------------------------------------------------------
    def action_filter(self) -> None:
        field = self.query_one("#log-filter", Input)
        field.add_class("-on")
        field.focus()

    @on(Input.Changed, "#log-filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self.log_state.set_filter(event.value)
        self.sync()  # what is checked so far; the ticks check the rest (the header says "filtering…" meanwhile)

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
            self.app.say("Differences only: none until an edit re-runs the log (D shows all rows)")  # type: ignore[attr-defined]
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
            self.app.say("Replay stopped")  # type: ignore[attr-defined]
        else:
            log.start_replay()
            self.app.say(  # type: ignore[attr-defined]
                "Replay: change lines play on a simulated clock · P pause · + / - speed · . step · R stop"
            )
        self.sync()

    def action_speed(self, delta: int) -> None:
        self.log_state.set_speed(delta)
        self.sync()

    def action_step(self) -> None:
        if not self.log_state.step():
            self.app.say("Nothing to step: press R to start the replay", error=True)  # type: ignore[attr-defined]

    def action_grow(self) -> None:
        log = self.log_state
        log.tall = not log.tall
        for pane in log.panes:
            pane.set_class(log.tall, "-tall")

    def action_export(self) -> None:
        log = self.log_state
        session = self.app.session  # type: ignore[attr-defined]
        stem = Path(session.path).stem if session.path else "space"
        dialog = FormDialog(
            "Export the events shown (JSON Lines, as simulate prints them)",
            [("path", "File:", f"{stem}.sync-log.jsonl")],
            hint=f"{log.ring.shown} rows shown"
            + (f" (filter: {log.ring.filter})" if log.ring.filter else "")
            + (" (differences only; removed events are not exported)" if log.ring.differences_only else ""),
        )

        def write(values: dict[str, str] | None) -> None:
            if not values:
                return
            path = Path(values["path"]).expanduser()
            try:
                count = log.export(path)
            except OSError as error:
                self.app.say(f"Not exported: {path}: {error.strerror or error}", error=True)  # type: ignore[attr-defined]
                return
            self.app.say(f"Exported {count} events to {path}")  # type: ignore[attr-defined]

        self.app.push_screen(dialog, write)
