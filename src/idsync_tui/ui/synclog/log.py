"""The app's one sync log: what the panes of every screen show (the ring, the run, the replay, the filter).

A run is a child process (`runner.ChildRun`, the simulator in `simulator/child.py`) whose JSON Lines the app's
event loop reads a chunk at a time into the ring; the panes are redrawn at most every REFRESH seconds while rows
arrive. One `SyncLog` per app, so the pane shows the same log under every screen, the ID Sync editor included.

Live re-run: an edit (app.revision) re-runs the scope DEBOUNCE seconds later under the new config, with the old one
given to the child, which marks what the edit added, changed and removed. Replay: `R` starts a child that plays the
change lines on a simulated clock; pause, speed, step and an edit made meanwhile (the new TOML text) reach it on
its stdin as JSON lines (see simulator/child.py).
"""

from __future__ import annotations

import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.timer import Timer

from idsync_tui.simulator.diff import EventDiff
from idsync_tui.simulator.scope import Scope, scope_of
from idsync_tui.space.model import Space
from idsync_tui.ui.synclog.ring import EventRing
from idsync_tui.ui.synclog.runner import ChildRun, Chunk, Finished, Request

if TYPE_CHECKING:
    from idsync_tui.session import Session
    from idsync_tui.ui.app import IdSyncApp

CAPACITY = 100_000  # rows the ring keeps (the newest); ~0.7 KiB an event: ~70 MiB when full
REFRESH = 0.25  # seconds between two redraws of the panes while rows arrive (keys redraw at once)
SCAN_BUDGET = 0.015  # seconds of filter checking per redraw (the rest on the next ones; the header says so)
DEBOUNCE = 0.3  # seconds after the last edit before the live re-run
SPEEDS = (1, 10, 30, 60, 120, 300, 600, 3600)  # simulated seconds per real second
DEFAULT_SPEED = 3


class SyncLog:
    """The app's one sync log: the ring, the child process running, the replay's state, and the panes showing it."""

    def __init__(self, app: IdSyncApp, capacity: int | None = None) -> None:
        self.app = app
        self.ring = EventRing(capacity or CAPACITY)
        self.panes: weakref.WeakSet[Any] = weakref.WeakSet()
        self.open = False
        self.follow = True
        self.tall = False
        self.paused = False
        self.filter_text = ""  # as typed (the ring keeps it lower-cased)
        self.state = "idle"  # idle | running | done | replay | replay done | stopped | error
        self.scope: Scope | None = None
        self.selection: Any = None  # what the last run was for (a replay runs the same)
        self.space_run: Space | None = None  # the config the log shows
        self.text_run: str | None = None  # ... as the TOML text the child was given
        self.events = 0
        self.diff: EventDiff | None = None
        self.message = ""
        self.clock = ""
        self.speed_index = DEFAULT_SPEED
        self.replaying = False
        self.version = 0  # bumped on every change the panes must show
        self.run: ChildRun | None = None
        self._redraw: Timer | None = None
        self._debounce: Timer | None = None
        app.watch(app, "revision", self._edited, init=False)

    @classmethod
    def of(cls, app: App[Any]) -> SyncLog:
        """The app's sync log, made the first time the log is opened."""
        log = getattr(app, "sync_log", None)
        if log is None:
            log = cls(app)  # type: ignore[arg-type]
            setattr(app, "sync_log", log)  # noqa: B010 - made on first use: start-up does not import the log
        return log

    @property
    def speed(self) -> int:
        return SPEEDS[self.speed_index]

    @property
    def session(self) -> Session:
        return self.app.session

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
            space = self.session.space
            if self.state == "idle" or self.scope != scope_of(space, self._selection()):
                self.start_run()
            elif self.space_run is not None and space != self.space_run:
                self.start_run(before=self.text_run)
        self.changed()
        for pane in list(self.panes):
            pane.show(self.open, focus=True)

    def start_run(self, selection: Any = "screen", before: str | None = None) -> None:
        """Run the simulator for the screen's selection (or `selection`) under the session's current config; with
        `before` (the TOML text of the config the log showed), mark what the edit since then changed."""
        if selection == "screen":
            selection = self._selection()
        self._begin(selection, replay=False, before=before)
        self.state = "running"

    def start_replay(self) -> None:
        self._begin(self.selection, replay=True)
        self.state = "replay"
        self.replaying = True

    def _begin(self, selection: Any, replay: bool, before: str | None = None) -> None:
        if self.run is not None:
            self.run.kill()
        space = self.session.space
        text = self.session.document.text
        previous_scope = self.scope
        self.scope = scope_of(space, selection)
        self.selection = selection
        self.space_run, self.text_run = space, text
        self.diff = None
        self.message = ""
        self.clock = ""
        self.replaying = False
        self.ring.clear()
        self.events = 0
        path = self.session.path
        request = Request(
            space=text,
            path=str(Path(path).resolve()) if path is not None else "",
            before=before,
            selection=selection,
            replay=replay,
            speed=self.speed,
            paused=self.paused,
        )
        run = self.run = ChildRun(request, lambda chunk: self._deliver(run, chunk))
        if self.paused and not replay:
            run.hold(True)
        self.app.run_worker(self._watch(run), name="sync-log", group="sync-log", exit_on_error=False)
        if previous_scope is not None and previous_scope != self.scope and self.ring.filter:
            for pane in list(self.panes):
                pane.filter_carried(previous_scope, self.scope)
        self.changed()

    def stop_run(self) -> None:
        if self.run is not None:
            self.run.kill()
        if self.state in ("running", "replay"):
            self.state = "stopped"
        self.replaying = False
        self.changed()

    def toggle_pause(self) -> None:
        self.paused = not self.paused
        run = self.run
        if run is not None:
            run.send("pause" if self.paused else "resume")
            if not self.replaying:  # a replay's clock stops in the child; its step still shows
                run.hold(self.paused)
        self.changed()

    def step(self) -> bool:
        if not self.replaying or self.run is None:
            return False
        self.run.send("step")
        return True

    def set_speed(self, delta: int) -> None:
        self.speed_index = min(max(self.speed_index + delta, 0), len(SPEEDS) - 1)
        if self.replaying and self.run is not None:
            self.run.send("speed", value=self.speed)
        self.changed()

    def clear(self) -> None:
        self.ring.clear()
        self.events = 0
        self.changed()

    def set_filter(self, text: str) -> None:
        self.filter_text = text
        self.ring.set_filter(text, scan=False)
        self._scan()
        self.changed()

    def set_differences_only(self, on: bool) -> None:
        """Show only the events the last edit added, changed or removed (a filter typed with `/` still applies)."""
        self.ring.set_differences_only(on, scan=False)
        self._scan()
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

    def changed(self) -> None:
        self.version += 1

    def _edited(self, _revision: int) -> None:
        if self.replaying and self.run is not None:
            self.run.send("config", space=self.session.document.text)
            return
        if not self.open or self.space_run is None:
            return
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.app.set_timer(DEBOUNCE, self._rerun, name="sync-log-rerun")

    def _rerun(self) -> None:
        self._debounce = None
        if self.space_run is None or self.session.space == self.space_run:
            return
        self.start_run(selection=self.selection, before=self.text_run)

    def _deliver(self, run: ChildRun, chunk: Chunk) -> None:
        """A chunk of the child's output, on the app's loop: into the ring (one store per row), redrawn soon."""
        if run is not self.run:
            return
        if chunk.items:
            self.ring.extend(chunk.items, scan=False)
            self.events += chunk.events
        if chunk.clock is not None:
            self.clock = chunk.clock
        if chunk.diff is not None:
            self.diff = chunk.diff
        self.version += 1
        if self._redraw is None:
            self._redraw = self.app.set_timer(REFRESH, self.redraw, name="sync-log-redraw")

    async def _watch(self, run: ChildRun) -> None:
        finished: Finished = await run.run()
        if run is not self.run or finished.killed:
            return
        if finished.error is not None:
            self.state = "error"
            self.message = finished.error
        elif finished.done is not None:
            self.state = finished.done
        if self.state != "replay":
            self.replaying = False
        self.changed()
        self.redraw()

    def _scan(self) -> None:
        """Check rows against the filter for at most SCAN_BUDGET; the rest on the next redraws."""
        if self.ring.scanning and not self.ring.scan(SCAN_BUDGET) and self._redraw is None:
            self._redraw = self.app.set_timer(REFRESH, self.redraw, name="sync-log-redraw")

    def redraw(self) -> None:
        """Redraw the panes on the current screen (the others when theirs is shown again)."""
        if self._redraw is not None:
            self._redraw.stop()  # called before its time (the run ended): once is enough
            self._redraw = None
        if not self.app.is_running or not self.app.screen_stack:
            return  # the app is closing
        if self.ring.scanning:
            self._scan()
            self.version += 1
        screen = self.app.screen
        for pane in self.panes:
            if pane.display and pane.screen is screen and pane.shown_version != self.version:
                pane.sync()
