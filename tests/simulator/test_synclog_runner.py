"""The sync log's child process and the runner that reads it (no Textual): what the child writes for a run, a
re-run and a replay driven by commands on its stdin; a garbage line or a dying child becomes a message; a killed
child is reaped."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest

from idsync_tui.simulator.logrows import ADDED, BAD_KIND, CHANGED, UNCHANGED, Marked, entry_of
from idsync_tui.ui.synclog.runner import ChildRun, Chunk, Finished, Request
from tests.simulator.simhelpers import HEAD, identifier, profile_line
from tests.spaces import plant_fake_module

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
"""

PROFILES = [
    profile_line("ann", [identifier("email", "ann@x.example")], {"member": True}),
    profile_line(
        "two",
        [
            identifier("email", "old@x.example", "2024-01-01T00:00:00Z"),
            identifier("email", "new@x.example", "2024-02-01T00:00:00Z"),
        ],
        {"member": True},
    ),
    profile_line("bo", [identifier("email", "bo@x.example")], {"member": False}),
    profile_line("cy", [identifier("email", "cy@x.example")], {"member": False}),
    json.dumps({"at": "2024-06-01T10:03:00Z", "profile": "bo", "traits": {"member": True}}),
    json.dumps({"at": "2024-06-01T10:10:00Z", "profile": "cy", "traits": {"member": True}}),
]


def space_text(strategy: str = "last_added") -> str:
    return HEAD.format(space_extra='profiles = "p.jsonl"') + BODY.format(strategy=strategy)


def write(folder: Path) -> str:
    (folder / "p.jsonl").write_text("\n".join(PROFILES) + "\n")
    path = folder / "space.toml"
    path.write_text(space_text())
    return str(path)


def gone(pid: int) -> bool:
    """Whether the process has ended and been waited for (a zombie still answers signal 0)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


class Collect:
    def __init__(self) -> None:
        self.chunks: list[Chunk] = []
        self.arrived = asyncio.Event()

    def __call__(self, chunk: Chunk) -> None:
        self.chunks.append(chunk)
        self.arrived.set()

    @property
    def items(self) -> list[object]:
        return [item for chunk in self.chunks for item in chunk.items]

    @property
    def events(self) -> list[dict]:  # type: ignore[type-arg]
        lines = [item if type(item) is str else getattr(item, "line", None) for item in self.items]
        return [json.loads(line) for line in lines if isinstance(line, str)]

    def rows(self) -> list[str]:
        return [item[0] for item in self.items if type(item) is tuple]  # type: ignore[index]

    async def until(self, test, what: str) -> None:  # type: ignore[no-untyped-def]
        """Wait for chunks until `test()` holds (each wait bounded: a stuck child fails the test, never hangs it)."""
        while not test():
            self.arrived.clear()
            await asyncio.wait_for(self.arrived.wait(), 20)
        assert test(), what


async def test_a_run_writes_simulates_lines_for_the_whole_space_then_done(tmp_path: Path) -> None:
    path = write(tmp_path)
    sink = Collect()
    run = ChildRun(Request(space=space_text(), path=path), sink)
    finished = await run.run()
    assert finished == Finished(done="done")
    assert [(e["profile"], e["action"]) for e in sink.events] == [("ann", "enter"), ("two", "enter")]
    assert all(type(item) is str for item in sink.items if type(item) is not tuple)  # events stay their JSON line
    assert run.pid is not None and gone(run.pid)


async def test_a_re_run_marks_what_the_edit_changed(tmp_path: Path) -> None:
    path = write(tmp_path)
    sink = Collect()
    request = Request(space=space_text("first_added"), path=path, before=space_text("last_added"))
    assert await ChildRun(request, sink).run() == Finished(done="done")
    marked = [item for item in sink.items if isinstance(item, Marked)]
    assert [m.status for m in marked] == [UNCHANGED, CHANGED]  # only the profile with two emails changes
    assert marked[1].what == "email: new@x.example → old@x.example"
    assert marked[1].before is not None and "new@x.example" in marked[1].before
    diff = next(chunk.diff for chunk in sink.chunks if chunk.diff is not None)
    assert (diff.added, diff.removed, diff.changed, diff.unchanged) == (0, 0, 1, 1)
    sink = Collect()
    request = Request(space=space_text("all"), path=path, before=space_text("last_added"))
    assert await ChildRun(request, sink).run() == Finished(done="done")
    marked = [item for item in sink.items if isinstance(item, Marked)]
    assert sorted(m.status for m in marked) == [ADDED, UNCHANGED, UNCHANGED]  # the second email of "two" is new
    assert [json.loads(m.line)["profile"] for m in marked if m.status == ADDED] == ["two"]


async def test_replay_commands_reach_the_child_on_its_stdin(tmp_path: Path) -> None:
    path = write(tmp_path)
    sink = Collect()
    run = ChildRun(Request(space=space_text(), path=path, replay=True, speed=1), sink)
    task = asyncio.ensure_future(run.run())
    clocks = lambda: [c.clock for c in sink.chunks if c.clock]  # noqa: E731
    await sink.until(lambda: clocks(), "the first sync, then the clock")
    assert clocks()[0] == "2024-06-01T10:00:00Z" and {e["profile"] for e in sink.events} == {"ann", "two"}
    run.send("pause")
    run.send("step")  # paused: the clock stands still, a step plays the next change line (10:03)
    await sink.until(lambda: clocks()[-1] == "2024-06-01T10:03:00Z", "stepped to 10:03")
    assert [e["profile"] for e in sink.events[2:]] == ["bo"]
    run.send("config", space=space_text("all"))  # an edit: saved at 10:03, effective at 10:08
    await sink.until(lambda: any("config version 2" in row for row in sink.rows()), "the edit's notice")
    assert any("at 10:03:00; effective at 10:08:00" in row for row in sink.rows())
    run.send("speed", value=3600)
    run.send("resume")  # an hour a second: the rest plays, the config effective at 10:08 for cy at 10:10
    finished = await asyncio.wait_for(task, 30)
    assert finished == Finished(done="replay done")
    assert [(e["profile"], e["config_version"]) for e in sink.events[3:]] == [("cy", 2)]
    assert any("config version 2 (saved 2024-06-01T10:03:00Z) is effective" in row for row in sink.rows())


async def test_a_killed_child_ends_the_run_quietly_and_is_reaped(tmp_path: Path) -> None:
    path = write(tmp_path)
    sink = Collect()
    run = ChildRun(Request(space=space_text(), path=path, paused=True), sink)  # paused: it waits, alive
    task = asyncio.ensure_future(run.run())
    while run.process is None:
        await asyncio.sleep(0.01)
    pid = run.pid
    assert pid is not None and not gone(pid)
    run.kill()
    assert await asyncio.wait_for(task, 10) == Finished(killed=True)
    assert gone(pid)


def fake_child(code: str) -> list[str]:
    return [sys.executable, "-c", "import sys, time\nsys.stdin.readline()\n" + code]


async def test_a_line_that_is_not_the_protocol_becomes_a_message_and_the_child_is_killed() -> None:
    sink = Collect()
    run = ChildRun(
        Request(space=""),
        sink,
        command=fake_child(
            'print(\'["row","notice","fine"]\')\nprint("Traceback (most recent call last):")\n'
            "sys.stdout.flush()\ntime.sleep(60)"
        ),
    )
    finished = await asyncio.wait_for(run.run(), 20)
    assert finished.error is not None and "cannot read" in finished.error and "Traceback" in finished.error
    assert sink.rows() == ["fine"]  # what came before the garbage is kept
    assert run.pid is not None and gone(run.pid)


async def test_a_child_that_dies_becomes_a_message_with_its_last_words() -> None:
    run = ChildRun(
        Request(space=""), Collect(), command=fake_child("sys.stderr.write('out of memory\\n')\nsys.exit(3)")
    )
    finished = await asyncio.wait_for(run.run(), 20)
    assert finished.error == "the simulator process ended early (exit status 3): out of memory"


async def test_a_child_that_closes_its_output_before_exiting_is_not_killed_for_it() -> None:
    # The end of the output comes before the exit: a child still writing its last words then is waited for, so the
    # message gives its own exit status, not the kill's (this raced under load).
    code = "import os\nos.close(1)\ntime.sleep(0.5)\nsys.stderr.write('disk full\\n')\nsys.exit(3)"
    finished = await asyncio.wait_for(ChildRun(Request(space=""), Collect(), command=fake_child(code)).run(), 20)
    assert finished.error == "the simulator process ended early (exit status 3): disk full"


async def test_the_child_s_own_errors_come_as_a_message(tmp_path: Path) -> None:
    (tmp_path / "space.toml").write_text(space_text())  # no profiles file beside it
    finished = await ChildRun(Request(space=space_text(), path=str(tmp_path / "space.toml")), Collect()).run()
    assert finished.error is not None and "p.jsonl does not exist" in finished.error
    finished = await ChildRun(Request(space="version = [", path=str(tmp_path / "x.toml")), Collect()).run()
    assert finished.error is not None and finished.error.startswith("the space cannot be simulated")


async def test_an_event_line_that_does_not_read_becomes_a_row_saying_so() -> None:
    sink = Collect()
    code = 'print(\'{"seq": 1, oops}\')\nprint(\'["done","done"]\')'
    assert await asyncio.wait_for(ChildRun(Request(space=""), sink, command=fake_child(code)).run(), 20) == Finished(
        done="done"
    )
    [item] = sink.items
    text, record, kind = entry_of(item)  # type: ignore[arg-type]
    assert kind == BAD_KIND and record is None and "cannot read" in text and "oops" in text


async def test_a_folder_named_idsync_tui_where_the_app_starts_is_not_what_the_log_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The log's child runs with -P: the working folder is not on its import path."""
    marker = tmp_path / "ran"
    (tmp_path / "cwd").mkdir()
    plant_fake_module(tmp_path / "cwd", "idsync_tui.simulator.child", marker)
    monkeypatch.chdir(tmp_path / "cwd")
    path = write(tmp_path)
    run = ChildRun(Request(space=space_text(), path=path), Collect())
    assert await run.run() == Finished(done="done")
    assert not marker.exists()
