"""The sync log's pure side: scopes, rows, the bounded ring, event diffs and the replay clock (no Textual)."""

from __future__ import annotations

import argparse
import dataclasses
import io
import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from idsync_tui.simulator.command import run_simulate
from idsync_tui.simulator.diff import EventDiff
from idsync_tui.simulator.engine import Notice
from idsync_tui.simulator.logrows import ADDED, CHANGED, REMOVED, UNCHANGED, Marked, event_row, log_entry, log_item
from idsync_tui.simulator.profiles import scan_times
from idsync_tui.simulator.render import HASH_SHOWN, event_json
from idsync_tui.simulator.replay import Replay
from idsync_tui.simulator.scope import run_scope, scope_of
from idsync_tui.space.loader import load_space, parse_text
from idsync_tui.space.model import Space
from idsync_tui.ui.synclog import ring as synclog_ring
from idsync_tui.ui.synclog.ring import EventRing
from tests.simulator.simhelpers import HEAD, identifier, profile_line

ACME = Path(__file__).resolve().parents[2] / "sample_spaces" / "acme.toml"

BODY = """
[[audiences]]
key = "members"
name = "Members"

[[audiences.conditions]]
trait = "member"
op = "="
value = true

[[audiences.connections]]
destination = "braze"
setup = "customized"

[[audiences.connections.identifiers]]
segment = "email"
destination = "email"
strategy = "{strategy}"

[[audiences.connections]]
destination = "fb"
setup = "default"
"""


def write_space(folder: Path, strategy: str = "last_added", profiles: list[str] | None = None) -> Space:
    """A space file with one audience (braze customized on email, fb default) and its profiles file beside it."""
    (folder / "p.jsonl").write_text("\n".join(profiles or []) + "\n")
    text = HEAD.format(space_extra='profiles = "p.jsonl"') + BODY.format(strategy=strategy)
    (folder / "space.toml").write_text(text)
    result = parse_text(text, str(folder / "space.toml"))
    assert result.space is not None and not result.problems, result.problems
    return result.space


PROFILES = [
    profile_line(
        "two-emails",
        [
            identifier("email", "old@x.example", "2024-01-01T00:00:00Z"),
            identifier("email", "new@x.example", "2024-02-01T00:00:00Z"),
        ],
        {"member": True},
    ),
    profile_line("one-email", [identifier("email", "one@x.example")], {"member": True}),
    profile_line("outsider", [identifier("email", "out@x.example")], {"member": False}),
]


def simulate_lines(space_path: Path, audience: str | None = None, timeline: bool = False) -> list[str]:
    out = io.StringIO()
    args = argparse.Namespace(
        space=str(space_path), audience=audience, journey=None, format="jsonl", timeline=timeline, profiles=None
    )
    assert run_simulate(args, out, io.StringIO()) == 0
    return out.getvalue().splitlines()


def start_of(space: Space) -> datetime:
    path = space.profiles_path()
    assert path is not None
    return scan_times(path).first_sync()


def test_a_connection_scope_streams_exactly_simulates_lines_for_that_connection() -> None:
    space = load_space(ACME).space
    assert space is not None
    ref = next(r for r in space.connections() if r.audience is not None and r.audience.key == "high_value")
    scope = scope_of(space, ("connection", ref.connection.path))
    assert (scope.audience, scope.destination) == ("high_value", ref.connection.destination)
    got = [log_entry(o)[1] for o in run_scope(space, scope, space.profiles_path(), start_of(space)) if type(o) is dict]
    expected = [
        line
        for line in simulate_lines(ACME, audience="high_value")
        if json.loads(line)["destination"] == ref.connection.destination
    ]
    assert got and got == expected


def test_an_unknown_selection_means_the_whole_space() -> None:
    space = load_space(ACME).space
    assert space is not None
    assert scope_of(space, ("audience", "no_such_audience")).label == f"space {space.key}"
    assert scope_of(space, None).audience is None


def test_a_row_fits_80_columns_and_shortens_hashed_values() -> None:
    space = load_space(ACME).space
    assert space is not None
    scope = scope_of(space, ("audience", "high_value"))
    events = [o for o in run_scope(space, scope, space.profiles_path(), start_of(space)) if type(o) is dict]
    fb = next(e for e in events if e["destination"] == "fb")
    row = event_row(fb)
    assert row.startswith("10:00:00 v1 high_value   fb      ")
    hashed = fb["payload"]["EMAIL"]
    assert f"EMAIL={hashed[:HASH_SHOWN]}…" in row and hashed not in row  # shortened as everywhere (render.short_hash)
    # time, version, source, destination, profile, action and call take 52 columns: the identifiers start there
    assert all(event_row(e)[51] == " " and event_row(e)[52] != " " for e in events)


def test_the_ring_keeps_the_last_entries_and_filters_what_it_keeps() -> None:
    ring = EventRing(capacity=5)
    ring.extend((f"row {i} {'even' if i % 2 == 0 else 'odd'}", f'{{"seq":{i}}}', "enter") for i in range(8))
    assert len(ring) == 5 and ring.row(0)[0] == "row 3 odd"
    ring.set_filter("EVEN")
    assert [ring.row(i)[0] for i in range(ring.shown)] == ["row 4 even", "row 6 even"]
    ring.extend([("row 8 even", '{"seq":8}', "enter"), ("a note about even", None, "notice")])
    assert [text for text, _r, _k in ring.visible()] == ["row 6 even", "row 8 even", "a note about even"]
    assert list(ring.export_lines()) == ['{"seq":6}', '{"seq":8}']  # notices are not events
    ring.set_filter("")
    assert ring.shown == 5


def whole_demo_outputs() -> list:  # type: ignore[type-arg]
    space = load_space(ACME).space
    assert space is not None
    return list(run_scope(space, scope_of(space, None), space.profiles_path(), start_of(space)))


def test_the_ring_keeps_events_as_json_lines_and_builds_the_same_rows_log_entry_makes() -> None:
    outputs = whole_demo_outputs()
    assert any(type(o) is not dict for o in outputs)  # a notice too (the change lines not played)
    ring = EventRing()
    ring.extend(log_item(o) for o in outputs)
    assert all(type(item) is str for item, o in zip(ring._slots, outputs, strict=False) if type(o) is dict)
    assert list(ring.visible()) == [log_entry(o) for o in outputs]
    assert list(ring.export_lines()) == simulate_lines(ACME)


@pytest.mark.parametrize("needle", ["p-0001", "FB", "▼", "Remove", "email=", "not played", "no such text"])
def test_the_filter_matches_the_rows_whose_text_contains_it_in_any_case(needle: str) -> None:
    entries = [log_entry(o) for o in whole_demo_outputs()]
    ring = EventRing()
    ring.extend(log_item(o) for o in whole_demo_outputs())
    ring.set_filter(needle)
    assert list(ring.visible()) == [e for e in entries if needle.lower() in e[0].lower()]


def test_a_filter_stays_set_when_the_ring_is_cleared_for_a_new_run() -> None:
    outputs = whole_demo_outputs()
    ring = EventRing()
    ring.extend(log_item(o) for o in outputs)
    ring.set_filter("p-0002")
    ring.clear()
    assert ring.shown == 0
    ring.extend(log_item(o) for o in outputs)
    assert list(ring.visible()) == [e for e in map(log_entry, outputs) if "p-0002" in e[0]] and ring.shown > 0


def test_a_filter_checked_a_slice_at_a_time_ends_with_the_rows_of_a_whole_check(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(synclog_ring, "SCAN_CHUNK", 16)
    outputs = whole_demo_outputs()
    whole = EventRing(capacity=150)
    whole.extend(log_item(o) for o in outputs)
    whole.set_filter("p-00")
    sliced = EventRing(capacity=150)
    sliced.extend(log_item(o) for o in outputs[:100])
    sliced.set_filter("p-00", scan=False)
    assert sliced.scanning and sliced.shown == 0
    slices = 0
    while not sliced.scan(budget=0):  # a budget of nothing: one chunk per call
        slices += 1
        if slices == 2:  # rows arriving while the check runs (the first 65 of them pushed out of the ring)
            sliced.extend((log_item(o) for o in outputs[100:]), scan=False)
    assert slices > 2 and not sliced.scanning
    assert list(sliced.visible()) == list(whole.visible()) and whole.shown > 0
    # narrowing keeps only what matched, and gives the same rows as a new check
    profile = next(o for o in reversed(outputs) if type(o) is dict)["profile"]
    sliced.set_filter(profile)
    fresh = EventRing(capacity=150)
    fresh.extend(log_item(o) for o in outputs)
    fresh.set_filter(profile)
    assert list(sliced.visible()) == list(fresh.visible()) and fresh.shown > 0


def test_switching_a_row_to_all_adds_one_event_per_extra_value(tmp_path: Path) -> None:
    before = write_space(tmp_path, "last_added", PROFILES)
    after = write_space(tmp_path, "all", PROFILES)
    scope = scope_of(after, ("connection", after.audiences[0].connections[0].path))
    diff = EventDiff()
    events = [o for o in run_scope(after, scope, tmp_path / "p.jsonl", start_of(after), before=before, diff=diff)]
    assert (diff.added, diff.removed, diff.changed, diff.unchanged) == (1, 0, 0, 2)
    assert diff.text == "+1 added, -0 removed, ~0 changed"
    assert [e["profile"] for e in events if type(e) is dict] == ["two-emails", "two-emails", "one-email"]


def test_switching_last_added_to_first_added_changes_only_profiles_with_two_values(tmp_path: Path) -> None:
    before = write_space(tmp_path, "last_added", PROFILES)
    after = write_space(tmp_path, "first_added", PROFILES)
    scope = scope_of(after, ("audience", "members"))  # fb's default events do not move
    diff = EventDiff()
    list(run_scope(after, scope, tmp_path / "p.jsonl", start_of(after), before=before, diff=diff))
    assert (diff.added, diff.removed, diff.changed) == (0, 0, 1)


def test_removing_the_audience_removes_its_events(tmp_path: Path) -> None:
    before = write_space(tmp_path, "last_added", PROFILES)
    after = dataclasses.replace(before, audiences=())
    diff = EventDiff()
    list(run_scope(after, scope_of(after, None), tmp_path / "p.jsonl", start_of(before), before=before, diff=diff))
    assert diff.removed == 5 and diff.added == 0  # braze 2 (one per member) + fb 3 (one per email value)


def marked_run(after: Space, before: Space, scope, tmp_path: Path) -> tuple[EventDiff, list[tuple[str, str, Any]]]:  # type: ignore[no-untyped-def]
    """Run `after` against `before`; each new event as (profile, status, mark), read as the pane reads it."""
    diff = EventDiff()
    marks = []
    for output in run_scope(after, scope, tmp_path / "p.jsonl", start_of(after), before=before, diff=diff):
        if type(output) is dict:
            mark = diff.mark(output)
            marks.append((output["profile"], mark.status, mark))
    return diff, marks


def test_switching_a_row_to_all_marks_the_extra_value_of_a_two_email_profile_as_added(tmp_path: Path) -> None:
    before = write_space(tmp_path, "last_added", PROFILES)
    after = write_space(tmp_path, "all", PROFILES)
    scope = scope_of(after, ("connection", after.audiences[0].connections[0].path))
    diff, marks = marked_run(after, before, scope, tmp_path)
    assert [(who, status) for who, status, _mark in marks] == [
        ("two-emails", ADDED),  # old@ (first in the profile): the value last_added did not send
        ("two-emails", UNCHANGED),  # new@, sent before and now
        ("one-email", UNCHANGED),
    ]
    assert diff.removed_events == [] and diff.different == 1


def test_first_added_to_last_added_changes_only_the_two_email_profile_and_names_both_values(tmp_path: Path) -> None:
    before = write_space(tmp_path, "first_added", PROFILES)
    after = write_space(tmp_path, "last_added", PROFILES)
    diff, marks = marked_run(after, before, scope_of(after, ("audience", "members")), tmp_path)
    changed = [(who, mark) for who, status, mark in marks if status == CHANGED]
    assert [who for who, _mark in changed] == ["two-emails"]  # braze's one event for it; fb's default ones stay
    assert {status for who, status, _mark in marks if who != "two-emails"} == {UNCHANGED}
    mark = changed[0][1]
    assert mark.what == "email: old@x.example → new@x.example"
    assert mark.before is not None and mark.before["payload"]["context"]["traits"]["email"] == "old@x.example"
    assert (diff.added, diff.removed, diff.changed) == (0, 0, 1)


ROWS_BODY = """
[[audiences]]
key = "members"
name = "Members"

[[audiences.conditions]]
trait = "member"
op = "="
value = true

[[audiences.connections]]
destination = "braze"
setup = "customized"
{rows}
"""
EMAIL_ROW = """
[[audiences.connections.identifiers]]
segment = "email"
destination = "email"
strategy = "last_added"
"""
PHONE_ROW = """
[[audiences.connections.identifiers]]
segment = "phone"
destination = "phone"
strategy = "last_added"
"""
ROW_PROFILES = [
    profile_line("both", [identifier("email", "b@x.example"), identifier("phone", "+1555")], {"member": True}),
    profile_line("email-only", [identifier("email", "e@x.example")], {"member": True}),
    profile_line("phone-only", [identifier("phone", "+1666")], {"member": True}),
]


def rows_space(folder: Path, rows: str) -> Space:
    (folder / "p.jsonl").write_text("\n".join(ROW_PROFILES) + "\n")
    text = HEAD.format(space_extra='profiles = "p.jsonl"') + ROWS_BODY.format(rows=rows)
    result = parse_text(text, str(folder / "space.toml"))
    assert result.space is not None and not result.problems, result.problems
    return result.space


def test_removing_a_row_changes_every_event_that_carried_it(tmp_path: Path) -> None:
    before = rows_space(tmp_path, EMAIL_ROW + PHONE_ROW)
    after = rows_space(tmp_path, EMAIL_ROW)
    diff, marks = marked_run(after, before, scope_of(after, ("audience", "members")), tmp_path)
    assert [(who, status) for who, status, _mark in marks] == [("both", CHANGED), ("email-only", UNCHANGED)]
    assert marks[0][2].what == "phone: +1555 → (none)"
    # the profile with a phone only has nothing left to send: its event is removed, and kept to be shown
    assert [e["profile"] for e in diff.removed_events] == ["phone-only"] and diff.removed_dropped == 0
    assert [json.loads(item.line)["profile"] for item in diff.removed_items()] == ["phone-only"]
    assert (diff.added, diff.removed, diff.changed, diff.unchanged) == (0, 1, 1, 1)


def test_removed_events_kept_are_bounded_and_the_rest_counted(tmp_path: Path) -> None:
    before = write_space(tmp_path, "last_added", PROFILES)
    after = dataclasses.replace(before, audiences=())
    diff = EventDiff(keep_removed=2)
    list(run_scope(after, scope_of(after, None), tmp_path / "p.jsonl", start_of(before), before=before, diff=diff))
    assert diff.removed == 5 and len(diff.removed_events) == 2 and diff.removed_dropped == 3


def test_marked_rows_show_their_mark_export_all_but_removed_and_differences_only_keeps_the_marked() -> None:
    event = json.loads(simulate_lines(ACME, audience="high_value")[0])
    line = json.dumps(event)
    ring = EventRing(capacity=16)
    ring.extend(
        [
            Marked(line, UNCHANGED),
            Marked(line, ADDED),
            Marked(line, CHANGED, line, "email: a → b"),
            log_item(Notice("2024-06-01T10:00:00Z", "", "a note")),
            Marked(line, REMOVED),
        ]
    )
    rows = [ring.row(i) for i in range(ring.shown)]
    assert [row[0][:2] for row in rows] == ["  ", "+ ", "~ ", "10", "− "]
    assert [row[0][2:] for row in rows if row[1] is not None] == [event_row(event)] * 3
    assert [row[2] for row in rows] == ["enter", ADDED, CHANGED, "notice", REMOVED]
    assert list(ring.export_lines()) == [line, line, line]  # no notice, no removed event
    ring.set_differences_only(True)
    assert [ring.item(i).status for i in range(ring.shown)] == [ADDED, CHANGED, REMOVED]  # type: ignore[union-attr]
    assert list(ring.export_lines()) == [line, line]
    ring.set_filter("nothing like this")
    assert ring.shown == 0
    ring.set_filter("")
    assert ring.shown == 3
    ring.set_differences_only(False)
    assert ring.shown == 5


REPLAY_PROFILES = [
    profile_line("ann", [identifier("email", "ann@x.example")], {"member": True}),
    profile_line("bo", [identifier("email", "bo@x.example")], {"member": False}),
    profile_line("cy", [identifier("email", "cy@x.example")], {"member": False}),
    json.dumps({"at": "2024-06-01T10:03:00Z", "profile": "bo", "traits": {"member": True}}),
    json.dumps({"at": "2024-06-01T10:10:00Z", "profile": "cy", "traits": {"member": True}}),
]


def at(clock: str) -> datetime:
    return datetime.fromisoformat(f"2024-06-01T{clock}+00:00")


def test_an_edit_during_replay_takes_effect_five_simulated_minutes_later(tmp_path: Path) -> None:
    space = write_space(tmp_path, "last_added", REPLAY_PROFILES)
    edited = write_space(tmp_path, "all", REPLAY_PROFILES)
    start = start_of(space)
    assert start == at("10:00:00")
    replay, first = Replay.start(space, tmp_path / "p.jsonl", start)
    first_sync = [o for o in first if type(o) is dict]
    assert {e["profile"] for e in first_sync} == {"ann"} and replay.now == start
    assert replay.advance(60) == [] and replay.now == at("10:01:00")  # nothing due yet
    config = replay.add_version(edited)  # saved at 10:01, effective 10:06
    assert (config.version, config.saved_at, config.effective_at) == (2, at("10:01:00"), at("10:06:00"))
    due = replay.advance_to(at("10:20:00"))
    events = [o for o in due if type(o) is dict]
    assert [(e["profile"], e["at"], e["config_version"]) for e in events] == [
        ("bo", "2024-06-01T10:03:00Z", 1),
        ("bo", "2024-06-01T10:03:00Z", 1),
        ("cy", "2024-06-01T10:10:00Z", 2),
        ("cy", "2024-06-01T10:10:00Z", 2),
    ]
    notices = [o for o in due if isinstance(o, Notice)]
    assert notices[0].at == "2024-06-01T10:06:00Z" and "config version 2" in notices[0].message
    assert not any(e["profile"] == "ann" for e in events)  # members already sent are not re-sent
    seqs = [e["seq"] for e in first_sync + events]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert replay.done


def test_step_jumps_to_the_next_change_or_version(tmp_path: Path) -> None:
    space = write_space(tmp_path, "last_added", REPLAY_PROFILES)
    replay, first = Replay.start(space, tmp_path / "p.jsonl", start_of(space))
    list(first)
    assert replay.next_at == at("10:03:00")
    replay.step()
    assert replay.now == at("10:03:00")
    replay.add_version(space)
    assert replay.next_at == at("10:08:00")
    [notice] = replay.step()
    assert isinstance(notice, Notice) and replay.now == at("10:08:00")
    replay.step()
    assert replay.now == at("10:10:00") and replay.done
    assert replay.step() == []


def test_event_json_is_json_dumps_compact_byte_for_byte() -> None:
    """The renderer uses only the public json API: the same bytes as json.dumps with compact separators."""
    events = [o for o in whole_demo_outputs() if type(o) is dict]
    assert events and all(event_json(e) == json.dumps(e, separators=(",", ":")) for e in events)
    assert all(event_json(e) == line for e, line in zip(events, simulate_lines(ACME), strict=True))


@pytest.mark.parametrize(
    "module",
    [
        "idsync_tui.simulator.scope",
        "idsync_tui.simulator.logrows",
        "idsync_tui.simulator.diff",
        "idsync_tui.simulator.replay",
        "idsync_tui.simulator.child",
        "idsync_tui.ui.synclog.ring",
        "idsync_tui.ui.synclog.runner",
    ],
)
def test_the_live_helpers_never_import_textual(module: str) -> None:
    code = f"import sys, {module}; print('textual' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == (
        "False"
    )
