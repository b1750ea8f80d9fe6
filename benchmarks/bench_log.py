"""Benchmark: ~1,000,000 events streamed into the sync log pane vs `simulate` writing them to /dev/null.

Same space and profiles as bench_simulate.py (about 3.2 events per profile). Two child processes, one after the
other, so that each peak RSS (resource.getrusage) is its own:

- simulate: `run_simulate` for the whole space, stdout to /dev/null;
- pane: the app headless at 80x24 (Textual's run_test), Destinations screen (selection: the whole space), `l`
  opens the pane and runs; the clock stops when every event is in the pane's ring. While it streams, a key is
  pressed every ~0.25 s (alternately `up`, which stops following, and `end`, which follows again) from another
  thread, as Textual's terminal driver posts keys, and the time from posting the key event to the first screen
  refresh after its action ran is recorded (so a UI thread waiting for the interpreter is counted).

    .venv/bin/python benchmarks/bench_log.py            # ~1M events
    .venv/bin/python benchmarks/bench_log.py 100000     # events wanted (approximate)
"""

from __future__ import annotations

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

sys.path.insert(0, str(Path(__file__).parent))
from bench_simulate import SPACE, write_profiles  # noqa: E402

EVENTS_PER_PROFILE = 3.17  # measured by bench_simulate.py on the same generator


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_simulate(space: Path) -> dict[str, float]:
    import argparse

    from idsync_tui.simulator.command import run_simulate

    args = argparse.Namespace(space=str(space), profiles=None, audience=None, journey=None, format="jsonl")
    args.timeline = False
    with open(os.devnull, "w") as out, open(os.devnull, "w") as err:
        started = time.perf_counter()
        code = run_simulate(args, out, err)
        seconds = time.perf_counter() - started
    assert code == 0, code
    return {"seconds": seconds, "peak_mib": peak_mib()}


def child_pane(space: Path) -> dict[str, float]:
    from textual import events

    from idsync_tui.session import Session
    from idsync_tui.ui.app import IdSyncApp
    from idsync_tui.ui.logpane import EventList, SyncLog

    app = IdSyncApp(Session.open(space))
    result: dict[str, float] = {}

    async def drive() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("3")  # Destinations: nothing selected, the whole space
            await pilot.pause()
            loop = asyncio.get_running_loop()
            log = SyncLog.of(app)
            rows = app.screen.query_one(EventList)  # composed with the screen, hidden until `l`
            latencies: list[float] = []
            answered = threading.Event()
            finished = threading.Event()

            def probe(action):  # type: ignore[no-untyped-def]
                def run(*args):  # type: ignore[no-untyped-def]
                    action(*args)
                    app.call_after_refresh(answered.set)  # answered: handled and the screen redrawn after it

                return run

            rows.action_move = probe(rows.action_move)  # type: ignore[method-assign]
            rows.action_end = probe(rows.action_end)  # type: ignore[method-assign]

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
            while app.screen.focused is not rows:
                await asyncio.sleep(0.01)
            presser = threading.Thread(target=press_keys, name="keyboard")
            presser.start()
            while not (log.state in ("done", "error") and log.queue.empty()):
                await asyncio.sleep(0.05)
            result["seconds"] = time.perf_counter() - started
            finished.set()
            await loop.run_in_executor(None, presser.join)
            await pilot.pause()
            assert log.state == "done", log.message
            result["events"] = log.events
            result["rows_kept"] = len(log.ring)
            latencies.sort()
            result["key_max_ms"] = latencies[-1] * 1000
            result["key_p95_ms"] = latencies[int(len(latencies) * 0.95)] * 1000
            result["key_median_ms"] = latencies[len(latencies) // 2] * 1000
            result["keys"] = len(latencies)

    asyncio.run(drive())
    result["peak_mib"] = peak_mib()
    return result


def _run_child(mode: str, space: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(space)], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        mode, space = sys.argv[2], Path(sys.argv[3])
        print(json.dumps(child_simulate(space) if mode == "simulate" else child_pane(space)))
        return
    wanted = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    with tempfile.TemporaryDirectory() as folder:
        space = Path(folder) / "bench.toml"
        space.write_text(SPACE.replace('name = "Benchmark"', 'name = "Benchmark"\nprofiles = "bench.jsonl"', 1))
        write_profiles(Path(folder) / "bench.jsonl", round(wanted / EVENTS_PER_PROFILE))
        simulate = _run_child("simulate", space)
        pane = _run_child("pane", space)
    ratio = pane["seconds"] / simulate["seconds"]
    print(f"events streamed into the pane: {pane['events']:,.0f} (kept in the ring: {pane['rows_kept']:,.0f})")
    print(f"simulate > /dev/null: {simulate['seconds']:.2f} s, peak RSS {simulate['peak_mib']:.1f} MiB")
    print(f"pane:                 {pane['seconds']:.2f} s, peak RSS {pane['peak_mib']:.1f} MiB, ratio {ratio:.2f}")
    print(
        f"key press while streaming ({pane['keys']:.0f} presses): median {pane['key_median_ms']:.0f} ms, "
        f"p95 {pane['key_p95_ms']:.0f} ms, max {pane['key_max_ms']:.0f} ms"
    )


if __name__ == "__main__":
    main()
