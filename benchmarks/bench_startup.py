"""Start-up and re-validation speed of the app (issue 4, point 9). Run: .venv/bin/python benchmarks/bench_startup.py

1. Launch to first full frame, in tmux at 80x24, for: a minimal Textual app (header, 50-row table, footer), the
   demo space, and a generated 1,000-audience space; runs interleaved, medians reported with the ratios to the
   minimal app (targets: demo <= 1.25x, 1,000 audiences <= 1.5x). "First full frame" is the first moment the
   screen holds everything the first screen shows: the header, the last row the list shows at 80x24, the footer
   and the start-up message (the minimal app's notification; our status line and the selected audience's
   connections). A single marker is not enough: Textual writes frames before its tables are measured, and both apps
   show their message before their lists and footers.
   Each round launches the three once, one after the other; besides the ratio of the medians, the median of each
   round's own ratio is printed: this machine's speed changes in steps over seconds (the minimal app alone: 360-650
   ms within one run), and a ratio taken within a round compares launches made at the same speed.
2. Re-validating after one edit in the 1,000-audience space (target: median <= 5 ms): the session's refresh after
   a document edit, timed apart from the edit itself (the tomlkit tree change; the text is rendered when
   something asks for it), which is reported too, and a full reload after the edits (render, model, every rule).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))  # a script, not a test: the tests package is found from the repository root

from tests.spaces import generate_space  # noqa: E402
from tests.tmux_driver import Tmux  # noqa: E402

PYTHON = sys.executable
# How often the screen is read. Each read starts a `tmux capture-pane` process; every 5 ms that kept ~half of
# the second core busy, a load the apps would not have on their own (and the app's parse runs on that core).
POLL = 0.02
# What each first screen shows once fully drawn at 80x24: header, last visible list row, footer, message.
MINIMAL_SCREEN = ("Minimal", "row-20", "ready-marker", "q Quit", "^p palette")
APP_FRAME = ("1 Audiences", "braze", "Opened", "? Keys", "^p palette")
DEMO_SCREEN = ("Acme Outfitters", "vip_app_users", *APP_FRAME)
BIG_SCREEN = ("Generated space", "audience_00018", *APP_FRAME)
COMMAND = str(Path(PYTHON).parent / "idsync-tui")


def first_frame(command: list[str], marker: tuple[str, ...], env: dict[str, str] | None = None) -> float:
    term = Tmux(command, env=env)
    try:
        started = term.start()
        term.wait_for(marker, timeout=60, poll=POLL)
        return time.monotonic() - started
    finally:
        term.close()


def bench_startup(runs: int, folder: Path) -> dict[str, list[float]]:
    big = folder / "big.toml"
    big.write_text(generate_space(1000))
    data = folder / "data"
    cases = {
        "minimal Textual app": ([PYTHON, str(HERE / "minimal_app.py")], MINIMAL_SCREEN, None),
        "demo space": ([COMMAND], DEMO_SCREEN, {"IDSYNC_TUI_DATA_DIR": str(data)}),
        "1,000 audiences": ([COMMAND, str(big)], BIG_SCREEN, None),
    }
    for command, marker, env in cases.values():  # warm the file cache and .pyc files once, untimed
        first_frame(command, marker, env)
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(runs):
        for name, (command, marker, env) in cases.items():
            times[name].append(first_frame(command, marker, env))
    return times


def bench_revalidate(edits: int, folder: Path) -> tuple[float, float, float]:
    from idsync_tui.session import Session

    path = folder / "big-edit.toml"
    path.write_text(generate_space(1000))
    session = Session.open(path)
    rng = random.Random(7)
    refresh_ms: list[float] = []
    edit_ms: list[float] = []
    document = session.document
    document.set_connection(("audiences", 0, "connections", 1), "send_track", True)  # the lazy tomlkit parse
    session.refresh()
    for _ in range(edits):
        index = rng.randrange(1000)
        conn = ("audiences", index, "connections", 0)
        strategy = rng.choice(["first_added", "last_added"])
        t0 = time.perf_counter()
        document.set_row(conn, 0, strategy=strategy)
        t1 = time.perf_counter()
        session.refresh(document.last_changed)
        t2 = time.perf_counter()
        edit_ms.append((t1 - t0) * 1000)
        refresh_ms.append((t2 - t1) * 1000)
    t0 = time.perf_counter()
    session.refresh()
    full_ms = (time.perf_counter() - t0) * 1000
    return statistics.median(refresh_ms), statistics.median(edit_ms), full_ms


def precompile() -> None:
    """Byte-compile the package as `pip install` does. An editable install under PYTHONDONTWRITEBYTECODE=1 (set on
    this machine) would otherwise compile every module from source at each start, which Textual, installed from a
    wheel, never does: the comparison would measure the compiler, not the app."""
    import compileall

    compileall.compile_dir(str(ROOT / "src" / "idsync_tui"), quiet=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--edits", type=int, default=60)
    args = parser.parse_args()
    precompile()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        times = bench_startup(args.runs, folder)
        minimal = times["minimal Textual app"]
        base = statistics.median(minimal)
        print(f"launch to first full frame in tmux 80x24, median of {args.runs} runs (and of each round's ratio):")
        for name, values in times.items():
            seconds = statistics.median(values)
            paired = statistics.median(value / alone for value, alone in zip(values, minimal, strict=True))
            print(
                f"  {name:<22} {seconds * 1000:7.0f} ms   {seconds / base:5.2f}x the minimal app   "
                f"(per round: {paired:4.2f}x; {min(values) * 1000:.0f}-{max(values) * 1000:.0f} ms)"
            )
        revalidate, edit, full = bench_revalidate(args.edits, folder)
        print(f"1,000 audiences, median of {args.edits} edits:")
        print(f"  re-validate after one edit (incremental)  {revalidate:7.2f} ms")
        print(f"  the edit itself (tomlkit tree change)     {edit:7.2f} ms")
        print(f"  render + full reload + every rule (save)  {full:7.2f} ms")


if __name__ == "__main__":
    main()
