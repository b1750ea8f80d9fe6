"""The time scan in a child process beside the simulation (simulator/scan_ahead.py): the same bytes out, always."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from idsync_tui.simulator import command, scan_ahead
from idsync_tui.simulator.profiles import TimeScan, scan_times
from idsync_tui.simulator.scan_ahead import ScanAhead
from tests.simulator.simhelpers import identifier, profile_line
from tests.simulator.test_command import run, write_profiles, write_space
from tests.spaces import plant_fake_module

BODY = """
[[audiences]]
key = "vip"
name = "VIP"

[[audiences.conditions]]
trait = "plan"
op = "="
value = "pro"

[[audiences.connections]]
destination = "braze"
send_identify = true

[[audiences.connections]]
destination = "fb"
"""


def people(count: int, change: bool = True) -> list[str]:
    """`count` profiles (about two thirds members, two events each), with what the scan and the reader must
    agree on between them: a commented-out line and a bad line with later times than any good line (they must not
    move the clock), a repeated id, a profile in no audience, and change lines (not applied without --timeline)."""
    lines = []
    for i in range(count):
        when = f"2024-0{1 + i % 9}-{1 + i % 28:02}T{i % 24:02}:{i % 60:02}:00Z"
        ids = [identifier("user_id", f"u{i}", when), identifier("email", f"Person{i}@X.example ", when)]
        lines.append(profile_line(f"p{i}", ids, {"plan": "pro" if i % 3 else "free"}))
    late = identifier("email", "late@x.example", "2030-01-01T00:00:00Z")
    lines.insert(count // 2, "// " + profile_line("p-commented", [late]))
    lines.insert(count // 3, profile_line("p-bad", [{**late, "added_at": "2031-02-30T00:00:00Z"}]))
    lines.append(profile_line("p1", [late]))  # an id used twice: a bad line, and its time does not count
    lines.append(profile_line("p-anon", [identifier("anonymous_id", "a-1")], {"plan": "pro"}))
    if change:  # then the first sync is the earliest change (floored to the hour), else the latest added_at
        lines.append(
            '{"at": "2024-09-01T10:20:00Z", "profile": "p2", "add_identifier": {"type": "email", "value": "n@x"}}'
        )
    return lines


@pytest.fixture(params=[True, False], ids=["with-change", "without-change"])
def files(tmp_path, request):
    space = write_space(tmp_path, BODY)
    write_profiles(tmp_path, people(1600, request.param))  # > 2,048 outputs: the child is looked at during the run
    return space


def serial(monkeypatch, space, **options):
    with monkeypatch.context() as patch:
        patch.setattr(scan_ahead, "MIN_BYTES", 1 << 60)
        return run(space, **options)


def ahead(monkeypatch, space, **options):
    started = []
    real_start = ScanAhead.start

    def start(path):
        made = real_start(path)
        started.append(made)
        return made

    with monkeypatch.context() as patch:
        patch.setattr(scan_ahead, "MIN_BYTES", 0)
        patch.setattr(ScanAhead, "start", staticmethod(start))
        result = run(space, **options)
    assert started and started[0] is not None, "the scan did not run in a child"
    return result


@pytest.mark.parametrize("options", [{}, {"format": "text"}, {"notes": True}], ids=["jsonl", "text", "notes"])
def test_the_output_is_the_same_bytes_with_the_scan_in_a_child(files, monkeypatch, options):
    first = serial(monkeypatch, files, **options)
    assert first[0] == 0 and first[1].count("\n") > 2048
    assert ahead(monkeypatch, files, **options) == first


def test_held_outputs_are_written_in_order_when_the_hold_is_full(files, monkeypatch):
    # HOLD reached at the first look: the command waits for the child there instead of reading on.
    monkeypatch.setattr(command, "HOLD", 1024)
    assert ahead(monkeypatch, files) == serial(monkeypatch, files)


def test_a_child_that_fails_leaves_the_scan_to_this_process(files, monkeypatch):
    expected = serial(monkeypatch, files)
    monkeypatch.setattr(scan_ahead.sys, "executable", "/bin/false")  # the child starts and exits 1 at once
    assert ahead(monkeypatch, files) == expected


def test_the_child_answers_what_the_scan_here_finds(tmp_path):
    profiles = write_profiles(tmp_path, people(200))
    child = subprocess.run(
        [sys.executable, "-P", "-m", "idsync_tui.simulator.scan_ahead", str(profiles)], capture_output=True, check=True
    )
    here = scan_times(profiles)
    assert scan_ahead._answer(child.stdout) == TimeScan(here.latest_added, here.earliest_change, frozenset())
    assert here.latest_added is not None and here.latest_added < "2030"  # the commented and bad lines did not count
    assert here.earliest_change == "2024-09-01T10:20:00"


@pytest.mark.parametrize(
    "output",
    [
        b"",
        b"not json",
        b"[]",
        b'{"latest_added": 1, "earliest_change": null}',
        b'{"latest_added": null}',
        b'{"latest_added": "not a time", "earliest_change": null}',
    ],
)
def test_an_answer_that_is_not_what_the_child_writes_is_not_taken(output):
    assert scan_ahead._answer(output) is None


def test_the_timeline_scans_first_without_a_child(files, monkeypatch):
    monkeypatch.setattr(scan_ahead, "MIN_BYTES", 0)
    calls = []
    monkeypatch.setattr(ScanAhead, "start", staticmethod(lambda path: calls.append(path)))
    code, out, _ = run(files, timeline=True)
    assert code == 0 and out and calls == []


def test_a_folder_named_idsync_tui_where_simulate_runs_is_not_what_the_child_runs(tmp_path, monkeypatch):
    marker = tmp_path / "ran"
    (tmp_path / "cwd").mkdir()
    plant_fake_module(tmp_path / "cwd", "idsync_tui.simulator.scan_ahead", marker)
    profiles = write_profiles(tmp_path, people(50))
    monkeypatch.chdir(tmp_path / "cwd")
    monkeypatch.setattr(scan_ahead, "MIN_BYTES", 0)
    found = ScanAhead.start(profiles)
    assert found is not None
    assert json.dumps(found.wait().latest_added)
    assert not marker.exists()


def test_a_small_file_is_scanned_here(tmp_path):
    profiles = write_profiles(tmp_path, people(10))
    assert profiles.stat().st_size < scan_ahead.MIN_BYTES
    assert ScanAhead.start(profiles) is None
