"""Benchmark: ~1,000,000 events streamed into the sync log pane vs `simulate` writing them to /dev/null.

Same space and profiles as bench_simulate.py (about 3.2 events per profile). Two child processes, one after the
other, so that each peak RSS (resource.getrusage) is its own:

- simulate: `run_simulate` for the whole space, stdout to /dev/null;
- pane: the app headless at 80x24 (Textual's run_test), Destinations screen (selection: the whole space), `l`
  opens the pane and runs (the simulator in the log's own child process, whose JSON Lines the app reads); the
  clock stops when the run is over, i.e. every event is in the pane's ring. While it streams, a key is
  pressed every ~0.25 s (alternately `up`, which stops following, and `end`, which follows again) from another
  thread, as Textual's terminal driver posts keys, and the time from posting the key event to the first screen
  refresh after its action ran is recorded (so a UI thread waiting for the interpreter is counted).

The shared box is noisy (other work can slow one child by a third), so simulate and the pane run in alternated
pairs (`--runs`, default 2) and the best time of each is compared; every pair's own ratio is printed too. Key
presses are pooled over all pane runs; peak RSS is the highest of the pane runs, for the app and for the
simulator process it started (RUSAGE_CHILDREN).

    .venv/bin/python benchmarks/bench_log.py                     # ~1M events
    .venv/bin/python benchmarks/bench_log.py 100000 --runs 3     # events wanted (approximate), pairs
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from bench_simulate import SPACE, write_profiles  # noqa: E402

EVENTS_PER_PROFILE = 3.17  # measured by bench_simulate.py on the same generator


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_simulate(space: Path) -> dict[str, float]:
    from idsync_tui.simulator.command import run_simulate

    args = argparse.Namespace(space=str(space), profiles=None, audience=None, journey=None, format="jsonl")
    args.timeline = False
    with open(os.devnull, "w") as out, open(os.devnull, "w") as err:
        started = time.perf_counter()
        code = run_simulate(args, out, err)
        seconds = time.perf_counter() - started
    assert code == 0, code
    # With the helper processes it started and waited for (the time scan, simulator/split.py's helper).
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = time.process_time() + children.ru_utime + children.ru_stime
    return {"seconds": seconds, "peak_mib": peak_mib(), "cpu_s": cpu}


def child_pane(space: Path) -> dict[str, Any]:
    from textual import events

    from idsync_tui.space.document import SpaceDocument
    from idsync_tui.ui.app import create_app
    from idsync_tui.ui.synclog.log import SyncLog
    from idsync_tui.ui.synclog.pane import EventList

    app = create_app(SpaceDocument.open(space))
    result: dict[str, Any] = {}

    async def drive() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("3")  # Destinations: nothing selected, the whole space
            await pilot.pause()
            loop = asyncio.get_running_loop()
            latencies: list[float] = []
            answered = threading.Event()
            finished = threading.Event()

            def probe(action):  # type: ignore[no-untyped-def]
                def run(*args):  # type: ignore[no-untyped-def]
                    action(*args)
                    app.call_after_refresh(answered.set)  # answered: handled and the screen redrawn after it

                return run

            def press_keys() -> None:
                """A person at the keyboard: a key every 0.25 s by the wall clock, sent from another thread as the
                terminal driver's input thread sends it, so the wait for the event loop to wake is counted too."""
                keys = ("up", "end")
                while not finished.wait(0.25):
                    answered.clear()
                    pressed = time.perf_counter()
                    app.post_message(events.Key(keys[len(latencies) % 2], None))
                    if not answered.wait(10):
                        raise RuntimeError("a key press was not answered in 10 s")
                    latencies.append(time.perf_counter() - pressed)

            started = time.perf_counter()
            app.post_message(events.Key("l", "l"))  # not pilot.press: it would wait for an idle app, i.e. the end
            while not isinstance(app.screen.focused, EventList):  # the pane is mounted when the log first opens
                await asyncio.sleep(0.01)
            rows = app.screen.focused
            rows.action_move = probe(rows.action_move)  # type: ignore[method-assign]
            rows.action_end = probe(rows.action_end)  # type: ignore[method-assign]
            log = SyncLog.of(app)
            presser = threading.Thread(target=press_keys, name="keyboard")
            presser.start()
            while log.state not in ("done", "error"):  # the run's end is the last chunk in the ring
                await asyncio.sleep(0.05)
            result["seconds"] = time.perf_counter() - started
            finished.set()
            await loop.run_in_executor(None, presser.join)
            await pilot.pause()
            assert log.state == "done", log.message
            result["events"] = log.events
            result["rows_kept"] = len(log.ring)
            result["latencies_ms"] = [seconds * 1000 for seconds in latencies]

    asyncio.run(drive())
    result["peak_mib"] = peak_mib()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    result["child_peak_mib"] = children.ru_maxrss / 1024
    result["cpu_s"] = time.process_time()
    result["child_cpu_s"] = children.ru_utime + children.ru_stime
    return result


def _run_child(mode: str, space: Path) -> dict[str, Any]:
    done = subprocess.run([sys.executable, __file__, "--child", mode, str(space)], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"the {mode} run failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        mode, space = sys.argv[2], Path(sys.argv[3])
        print(json.dumps(child_simulate(space) if mode == "simulate" else child_pane(space)))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("events", nargs="?", type=int, default=1_000_000, help="events wanted (approximate)")
    parser.add_argument("--runs", type=int, default=2, help="simulate/pane pairs, alternated (default 2)")
    args = parser.parse_args()
    simulates: list[dict[str, Any]] = []
    panes: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as folder:
        space = Path(folder) / "bench.toml"
        space.write_text(SPACE.replace('name = "Benchmark"', 'name = "Benchmark"\nprofiles = "bench.jsonl"', 1))
        write_profiles(Path(folder) / "bench.jsonl", round(args.events / EVENTS_PER_PROFILE))
        for run in range(1, args.runs + 1):
            simulates.append(_run_child("simulate", space))
            panes.append(_run_child("pane", space))
            print(
                f"run {run}: simulate {simulates[-1]['seconds']:.2f} s, pane {panes[-1]['seconds']:.2f} s, "
                f"ratio {panes[-1]['seconds'] / simulates[-1]['seconds']:.2f}"
            )
    simulate = min(simulates, key=lambda r: r["seconds"])
    pane = min(panes, key=lambda r: r["seconds"])
    latencies = [ms for run in panes for ms in run["latencies_ms"]]
    print(f"events streamed into the pane: {pane['events']:,.0f} (kept in the ring: {pane['rows_kept']:,.0f})")
    print(
        f"simulate > /dev/null, best of {args.runs}: {simulate['seconds']:.2f} s, "
        f"peak RSS {simulate['peak_mib']:.1f} MiB"
    )
    print(
        f"pane, best of {args.runs}:                 {pane['seconds']:.2f} s, "
        f"peak RSS {max(r['peak_mib'] for r in panes):.1f} MiB (the app), "
        f"{max(r.get('child_peak_mib', 0.0) for r in panes):.1f} MiB (its simulator process; highest of the runs), "
        f"ratio {pane['seconds'] / simulate['seconds']:.2f}"
    )
    if "cpu_s" in pane:
        print(
            f"CPU seconds: simulate {simulate['cpu_s']:.1f} (with its helpers); pane: the app {pane['cpu_s']:.1f}, "
            f"its simulator process {pane.get('child_cpu_s', 0.0):.1f}"
        )
    print(
        f"key press while streaming ({len(latencies)} presses, all runs): median {percentile(latencies, 0.5):.0f} ms, "
        f"p95 {percentile(latencies, 0.95):.0f} ms, max {max(latencies):.0f} ms"
    )


if __name__ == "__main__":
    main()
