"""The sync log pane, driven by keys: the events of a known connection, a live re-run after an edit, filter, pause,
export (compared with `simulate`), and the replay's five-minute window. Runs on the bundled Acme demo."""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import shutil
from collections import Counter
from pathlib import Path

import pytest

from idsync_tui.simulator.command import run_simulate
from idsync_tui.simulator.logrows import Marked, event_row
from idsync_tui.simulator.render import HASH_SHOWN
from idsync_tui.ui.screens.dialogs import TextDialog
from idsync_tui.ui.synclog import log as synclog
from idsync_tui.ui.synclog import ring as synclog_ring
from idsync_tui.ui.synclog.log import SyncLog
from idsync_tui.ui.synclog.pane import EventList, LogPane
from tests.app.apphelpers import make_app

SAMPLES = Path(__file__).resolve().parents[2] / "sample_spaces"


@pytest.fixture
def acme(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("acme.toml", "acme.profiles.jsonl"):
        shutil.copyfile(SAMPLES / name, tmp_path / name)
    return Path("acme.toml")


def simulate_lines(space: Path, audience: str | None = None) -> list[str]:
    out = io.StringIO()
    args = argparse.Namespace(
        space=str(space), audience=audience, journey=None, format="jsonl", timeline=False, profiles=None
    )
    assert run_simulate(args, out, io.StringIO()) == 0
    return out.getvalue().splitlines()


async def settle(pilot, log: SyncLog, until=lambda log: log.state in ("done", "error")) -> None:  # type: ignore[no-untyped-def]
    """Wait (a bounded number of ticks) until the run is over (its rows reach the ring before it is)."""
    for _ in range(400):
        await pilot.pause(0.05)
        if until(log):
            break
    await pilot.pause(0.1)
    assert until(log), (log.state, log.message)


def profile_emails(path: Path) -> dict[str, list[str]]:
    """Each sample profile's emails, normalised as Facebook gets them, earliest added first."""
    found: dict[str, list[str]] = {}
    for line in path.read_text().splitlines():
        if not line.strip() or line.startswith("//"):
            continue
        data = json.loads(line)
        if "id" in data:
            ids = sorted(
                (i["added_at"], i["value"].strip().lower()) for i in data["identifiers"] if i["type"] == "email"
            )
            found[data["id"]] = [value for _at, value in ids]
    return found


def events_shown(log: SyncLog) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in log.ring.export_lines()]


async def test_the_log_shows_the_events_of_the_connection_being_edited(acme: Path) -> None:
    app = make_app(acme)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("tab", "enter")  # high_value's first connection (fb) in the ID Sync editor
        await pilot.press("l")
        log = SyncLog.of(app)
        await settle(pilot, log)
        pane = app.screen.query_one(LogPane)
        assert pane.display and app.screen.focused is pane.query_one(EventList)
        assert log.scope is not None and log.scope.label == "high_value → fb"
        expected = [line for line in simulate_lines(acme, "high_value") if json.loads(line)["destination"] == "fb"]
        assert list(log.ring.export_lines()) == expected
        assert log.events == len(expected)
        header = pane.header().plain
        assert header.startswith("high_value → fb") and f"{len(expected)} events" in header
        rows = pane.query_one(EventList)
        await pilot.press("home")
        first = rows.render_line(0).text
        assert first.startswith("10:00:00 v1 high_value   fb      p-0001  + add")
        hashed = json.loads(expected[0])["payload"]["EMAIL"]
        assert f"EMAIL={hashed[:HASH_SHOWN]}…" in first
        await pilot.press("l")  # pressed in the log: hides it, the rows get the focus back
        assert not pane.display and app.screen.focused is not None and app.screen.focused.id == "rows"


async def test_an_edit_re_runs_the_log_and_counts_what_changes_as_the_rules_predict(acme: Path) -> None:
    app = make_app(acme)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("tab", "enter", "l")
        log = SyncLog.of(app)
        await settle(pilot, log)
        before = events_shown(log)
        # Row 1 maps email with last_added. first_added changes an event when its profile's earliest and latest
        # emails differ once normalised (Facebook gets them trimmed, lower-cased and hashed).
        emails = profile_emails(Path("acme.profiles.jsonl"))
        predicted = sum(
            1 for e in before if len(emails[e["profile"]]) > 1 and emails[e["profile"]][0] != emails[e["profile"]][-1]
        )
        assert predicted > 0
        await pilot.press("escape", "space")  # back to the rows; the next strategy: first_added
        assert app.session.space.audiences[0].connections[0].identifiers[0].strategy == "first_added"
        await settle(pilot, log, lambda log: log.state == "done" and log.diff is not None)
        assert (log.diff.added, log.diff.removed, log.diff.changed) == (0, 0, predicted)  # type: ignore[union-attr]
        assert f"+0 added, -0 removed, ~{predicted} changed" in app.screen.query_one(LogPane).header().plain
        after = events_shown(log)
        assert len(after) == len(before)
        assert sum(1 for old, new in zip(before, after, strict=True) if old["payload"] != new["payload"]) == predicted


async def test_filter_then_export_writes_what_simulate_prints_for_the_rows_shown(acme: Path) -> None:
    app = make_app(acme)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("l")  # Audiences screen, high_value selected: the audience's events
        log = SyncLog.of(app)
        await settle(pilot, log)
        assert log.scope is not None and log.scope.label == "audience high_value"
        await pilot.press("slash", *"p-0001", "enter")
        shown = [log.ring.row(i)[0] for i in range(log.ring.shown)]
        assert shown and all("p-0001" in row for row in shown)
        await pilot.press("E")
        await pilot.press("enter")  # the suggested file name
        exported = Path("acme.sync-log.jsonl").read_text().splitlines()
        expected = [line for line in simulate_lines(acme, "high_value") if json.loads(line)["profile"] == "p-0001"]
        assert exported == expected and len(expected) > 1
        assert app.status == (f"Exported {len(expected)} events to acme.sync-log.jsonl", False)


async def test_pause_holds_the_stream_until_resumed(acme: Path) -> None:
    app = make_app(acme)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("l")
        log = SyncLog.of(app)
        await settle(pilot, log)
        total = log.events
        await pilot.press("P", "n")  # paused, then run the selection again
        for _ in range(10):
            await pilot.pause(0.05)
        assert log.paused and log.events == 0 and log.state == "running"
        assert "paused" in app.screen.query_one(LogPane).header().plain
        await pilot.press("P")
        await settle(pilot, log)
        assert log.events == total


async def test_an_edit_during_replay_is_effective_five_simulated_minutes_later(acme: Path) -> None:
    app = make_app(acme)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("l", "N")  # the whole space
        log = SyncLog.of(app)
        await settle(pilot, log)
        await pilot.press(*["minus"] * 8)  # slowest clock: one simulated second per second
        assert log.speed == 1
        await pilot.press("R")
        await settle(pilot, log, lambda log: log.clock != "")
        await pilot.press("P", "full_stop")  # clock stopped; step to the first change line (10:03)
        await settle(pilot, log, lambda log: log.clock == "2024-06-01T10:03:00Z")
        await pilot.press("escape", "tab", "enter", "m")  # in high_value → fb's editor: Send Mobile IDs off
        await settle(
            pilot, log, lambda log: any("config version 2" in log.ring.row(i)[0] for i in range(log.ring.shown))
        )
        saved = next(log.ring.row(i)[0] for i in range(log.ring.shown) if "config version 2" in log.ring.row(i)[0])
        assert "at 10:03:00" in saved and "effective at 10:08:00" in saved
        await pilot.press("l")  # to the log (already open under the editor)
        for _ in range(12):
            if log.state == "replay done":
                break
            clock = log.clock
            await pilot.press("full_stop")
            await settle(pilot, log, lambda log, clock=clock: log.clock != clock or log.state == "replay done")
        assert log.state == "replay done"
        played = [e for e in events_shown(log) if e["at"] > "2024-06-01T10:00:00Z"]
        early = [e for e in played if e["at"] < "2024-06-01T10:08:00Z"]
        late = [e for e in played if e["at"] >= "2024-06-01T10:08:00Z"]
        assert early and late
        assert {e["config_version"] for e in early} == {1} and {e["config_version"] for e in late} == {2}
        rows = [log.ring.row(i)[0] for i in range(log.ring.shown)]
        assert any("config version 2 (saved 2024-06-01T10:03:00Z) is effective" in row for row in rows)
        # Members already sent are not re-sent: at 10:08 only the profile of that minute's change line has events.
        assert {e["profile"] for e in late if e["at"] == "2024-06-01T10:08:00Z"} <= {"p-0006"}


async def test_the_rows_on_screen_are_built_from_the_events_simulate_prints(acme: Path) -> None:
    app = make_app(acme)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3", "l")  # Destinations: the whole space
        log = SyncLog.of(app)
        await settle(pilot, log)
        rows = app.screen.query_one(EventList)
        expected = [event_row(json.loads(line)) for line in simulate_lines(acme)]
        await pilot.press("home")
        # Textual draws the scroll bar (the widget's last column); the rows take the rest
        width, height = rows.scrollable_content_region.size
        assert width == rows.size.width - 1 and rows.show_vertical_scrollbar
        drawn = [rows.render_line(y).text for y in range(height)]
        assert all(len(line) == width for line in drawn)
        assert [line.rstrip() for line in drawn] == [row[:width].rstrip() for row in expected[:height]]
        await pilot.press("up")  # at the top already: stays, and the log no longer follows
        assert rows.cursor == 0 and not log.follow
        assert "not following (f)" in app.screen.query_one(LogPane).header().plain
        await pilot.press("end")  # follows again: the last event on the last line, the cursor on it
        assert log.follow and rows.cursor == log.ring.shown - 1
        # the demo's whole-space run ends with a notice (its change lines are not played): the last event is above it
        last_lines = [rows.render_line(y).text.rstrip() for y in range(height)]
        assert expected[-1][:width].rstrip() in last_lines


async def test_a_filter_is_checked_over_several_ticks_and_then_shows_the_matching_rows(
    acme: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(synclog, "SCAN_BUDGET", 0.0)  # each redraw: one chunk of the filter
    monkeypatch.setattr(synclog, "REFRESH", 3600.0)  # the redraws come when this test says
    monkeypatch.setattr(synclog_ring, "SCAN_CHUNK", 16)
    app = make_app(acme)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3", "l")
        log = SyncLog.of(app)
        await settle(pilot, log)
        texts = [log.ring.row(i)[0] for i in range(log.ring.shown)]
        assert len(texts) > 3 * 16
        expected = [t for t in texts if "p-00" in t.lower()]
        pane = app.screen.query_one(LogPane)
        await pilot.press("slash", *"p-00")
        assert log.ring.scanning and log.ring.shown < len(expected)
        assert "filtering…" in pane.header().plain
        ticks = 0
        while log.ring.scanning and ticks < 100:
            log.redraw()
            ticks += 1
        assert ticks > 2
        assert [log.ring.row(i)[0] for i in range(log.ring.shown)] == expected
        assert "filtering…" not in pane.header().plain and f"{len(expected)}/{len(texts)} rows" in pane.header().plain


def event_key(event: dict) -> tuple:  # type: ignore[type-arg]
    """What makes two events the same send, whatever their seq: profile, connection, action, call and payload."""
    return event["profile"], event["destination"], event["action"], event["call"], json.dumps(event["payload"])


async def test_an_edit_marks_the_rows_it_adds_changes_and_removes_and_D_shows_only_those(acme: Path) -> None:
    app = make_app(acme)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("tab", "enter", "l")  # high_value → fb in the ID Sync editor, the log open under it
        log = SyncLog.of(app)
        await settle(pilot, log)
        before = events_shown(log)
        # One re-run for both edits (the second comes within the debounce): the email row (the cursor's) to `all`
        # adds an event per extra email; Send Mobile IDs off drops the IDFAs, so events change or merge (removed).
        await pilot.press("escape", "A", "m")
        connection = app.session.space.audiences[0].connections[0]
        assert connection.identifiers[0].strategy == "all" and not connection.send_mobile_ids
        await settle(pilot, log, lambda log: log.state == "done" and log.diff is not None)
        diff = log.diff
        assert diff is not None and diff.added and diff.changed and diff.removed
        after = events_shown(log)  # what the new config sends: removed rows are shown, never exported
        assert len(after) == len(before) + diff.added - diff.removed
        only_after = Counter(map(event_key, after)) - Counter(map(event_key, before))
        only_before = Counter(map(event_key, before)) - Counter(map(event_key, after))
        ring = log.ring
        items = [ring.item(i) for i in range(ring.shown)]
        statuses = Counter(item.status for item in items if isinstance(item, Marked))
        assert statuses == Counter(
            {"added": diff.added, "changed": diff.changed, "removed": diff.removed, "unchanged": diff.unchanged}
        )
        # the removed rows come after the run's rows
        first_removed = next(i for i, item in enumerate(items) if getattr(item, "status", "") == "removed")
        assert all(getattr(item, "status", "removed") == "removed" for item in items[first_removed:] if item)

        await pilot.press("l", "D")  # to the log; differences only
        pane = app.screen.query_one(LogPane)
        assert "differences only" in pane.header().plain
        await settle(pilot, log, lambda log: not log.ring.scanning)
        shown = [ring.item(i) for i in range(ring.shown)]
        assert len(shown) == diff.added + diff.changed + diff.removed
        sent = [json.loads(item.line) for item in shown if item.status in ("added", "changed")]  # type: ignore[union-attr]
        gone = [json.loads(item.line) for item in shown if item.status == "removed"]  # type: ignore[union-attr]
        gone += [json.loads(item.before) for item in shown if item.status == "changed"]  # type: ignore[union-attr]
        assert Counter(map(event_key, sent)) == only_after  # exactly what the edit makes new
        assert Counter(map(event_key, gone)) == only_before  # exactly what it no longer sends
        # on screen, every row carries its mark
        rows = pane.query_one(EventList)
        await pilot.press("home")
        width, height = rows.size
        drawn = [rows.render_line(y).text for y in range(min(height, ring.shown))]
        assert drawn and all(line[:2] in ("+ ", "~ ", "− ") for line in drawn)
        marks = {"added": "+ ", "changed": "~ ", "removed": "− "}
        assert [line[:2] for line in drawn] == [marks[item.status] for item in shown[: len(drawn)]]  # type: ignore[union-attr]

        # enter on a changed row: the payloads before and after
        changed_at = next(i for i, item in enumerate(shown) if item.status == "changed")  # type: ignore[union-attr]
        await pilot.press(*["down"] * changed_at, "enter")
        dialog = app.screen
        assert isinstance(dialog, TextDialog) and "changed by the edit" in dialog.title_text
        body = dialog.body.plain  # type: ignore[union-attr]
        assert "Payload before (old config)" in body and "Payload after (this config)" in body
        assert shown[changed_at].what in body  # type: ignore[union-attr]
        await pilot.press("escape")

        # export with differences only: the added and changed events, as the run's lines; removed ones stay out
        await pilot.press("E", "enter")
        exported = Path("acme.sync-log.jsonl").read_text().splitlines()
        assert exported == [item.line for item in shown if item.status != "removed"]  # type: ignore[union-attr]
        assert [json.loads(line) for line in exported] == sent

        await pilot.press("question_mark")  # the keys help lists the toggle
        assert "Diff only" in app.screen.body.plain  # type: ignore[attr-defined]
        await pilot.press("escape", "D")  # all rows again
        await settle(pilot, log, lambda log: not log.ring.scanning)
        assert ring.shown == len(items) and "differences only" not in pane.header().plain


def gone(pid: int) -> bool:
    """Whether the process has ended and been waited for (a zombie still answers signal 0)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


async def test_a_new_run_kills_the_child_it_replaces_and_quitting_kills_the_last(acme: Path) -> None:
    app = make_app(acme)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("l")
        log = SyncLog.of(app)
        await settle(pilot, log)
        await pilot.press("P", "n")  # paused: the new run's child waits for "resume", alive
        await settle(pilot, log, lambda log: log.run is not None and log.run.pid is not None)
        first = log.run.pid  # type: ignore[union-attr]
        assert first is not None and not gone(first) and log.state == "running"
        await pilot.press("N")  # the whole space: a new run replaces it
        await settle(pilot, log, lambda log: log.run.pid not in (None, first) and gone(first))  # type: ignore[union-attr]
        second = log.run.pid  # type: ignore[union-attr]
        assert second is not None and not gone(second)
    for _ in range(100):  # the app has quit: its last child is killed and waited for
        if gone(second):
            break
        await asyncio.sleep(0.05)
    assert gone(second)


async def test_a_full_ring_keeps_the_newest_rows_and_draws_what_it_keeps(acme: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(synclog, "CAPACITY", 50)
    app = make_app(acme)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3", "l")  # the whole space: 215 events and the notices, through a ring of 50
        log = SyncLog.of(app)
        await settle(pilot, log)
        expected = [event_row(json.loads(line)) for line in simulate_lines(acme)]
        assert log.events == len(expected) and len(log.ring) == 50
        kept = [log.ring.row(i)[0] for i in range(log.ring.shown)]
        assert [row for row in kept if row in expected] == expected[-len([r for r in kept if r in expected]) :]
        rows = app.screen.query_one(EventList)
        width, height = rows.scrollable_content_region.size

        def drawn() -> list[str]:
            return [rows.render_line(y).text.rstrip() for y in range(height)]

        assert drawn() == [row[:width].rstrip() for row in kept[-height:]]  # following: the newest at the bottom
        await pilot.press("home", "down", "down", "pagedown", "up")  # the cursor moves, the rows drawn follow
        top = rows.top
        assert drawn() == [row[:width].rstrip() for row in kept[top : top + height]] and top > 0
        assert rows.cursor == 2 + max(1, height - 1) - 1
