"""Benchmark: `idsync-tui simulate` end to end vs its floor, for N = 10k, 100k and 1M synthetic profiles.

The floor is what a simulator doing no work of its own would cost on this input: read the same file, json.loads
every line, and json.dumps as many events as the simulator printed (the same events, with the standard compact
json.JSONEncoder; simulate's own encoder is a little faster, so this is a yardstick, not a bound). Each run is in
its own child process so that peak RSS (resource.getrusage) belongs to that run alone. simulate scans a large file
for its first sync time in a child process of its own (simulator/scan_ahead.py): its CPU time is counted in the
CPU ratio, and its memory (~20 MiB) is not in the peak RSS.

    .venv/bin/python benchmarks/bench_simulate.py            # 10k, 100k, 1M
    .venv/bin/python benchmarks/bench_simulate.py 10000      # chosen sizes
    .venv/bin/python benchmarks/bench_simulate.py --repeat 5 100000

Each size runs simulate and the floor alternately `--repeat` times (default 3) and keeps the best of each, wall
clock and CPU time apart (on the shared VM both swing with what else runs, so one run of each proves little).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

SPACE = """
version = 1
[space]
key = "bench"
name = "Benchmark"

[[identifiers]]
key = "phone"

[[destinations]]
key = "fb"
type = "facebook_custom_audiences"
name = "Facebook"

[[destinations]]
key = "braze"
type = "actions"
name = "Braze"

[[audiences]]
key = "high_value"
name = "High value"

[[audiences.conditions]]
trait = "lifetime_value"
op = ">="
value = 500

[[audiences.connections]]
destination = "fb"
setup = "customized"
send_mobile_ids = true

[[audiences.connections.identifiers]]
segment = "email"
destination = "EMAIL"
strategy = "last_added"

[[audiences.connections.identifiers]]
segment = "ios.idfa"
destination = "MADID"
strategy = "all"

[[audiences.connections.identifiers]]
segment = "phone"
destination = "PHONE"
strategy = "first_added"

[[audiences.connections]]
destination = "braze"
send_identify = true
send_track = false

[[audiences]]
key = "pro"
name = "Pro plan"

[[audiences.conditions]]
trait = "plan"
op = "="
value = "pro"

[[audiences.connections]]
destination = "braze"
setup = "customized"

[[audiences.connections.identifiers]]
segment = "email"
destination = "email"
strategy = "all"
"""

EPOCH = datetime(2023, 1, 1, tzinfo=UTC)


def _when(rng: random.Random) -> str:
    return (EPOCH + timedelta(seconds=rng.randrange(500 * 86400))).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_profiles(path: Path, n: int, seed: int = 7) -> None:
    """N profiles: a user id, 1-3 emails, 0-2 IDFAs, 0-2 phones, random added_at; about half in each audience."""
    rng = random.Random(seed)
    with open(path, "w") as out:
        for i in range(n):
            ids = [{"type": "user_id", "value": f"u-{i}", "added_at": _when(rng)}]
            for kind, low, high in (("email", 1, 3), ("ios.idfa", 0, 2), ("phone", 0, 2)):
                for k in range(rng.randint(low, high)):
                    value = f"user{i}.{k}@example.com" if kind == "email" else f"{kind}-{i}-{k}"
                    ids.append({"type": kind, "value": value, "added_at": _when(rng)})
            traits = {"lifetime_value": rng.randrange(1000), "plan": rng.choice(("pro", "basic"))}
            out.write(json.dumps({"id": f"p-{i}", "traits": traits, "identifiers": ids}) + "\n")


def child_simulate(space: Path, profiles: Path) -> dict[str, float]:
    from idsync_tui.simulator.command import run_simulate

    args = argparse.Namespace(
        space=str(space), profiles=str(profiles), audience=None, journey=None, format="jsonl", timeline=False
    )
    counter = _CountingSink()
    started, cpu, child_cpu = time.perf_counter(), time.process_time(), _children_cpu()
    code = run_simulate(args, counter, io.StringIO())
    seconds = time.perf_counter() - started
    # The time scan's child process (simulator/scan_ahead.py) counts too: CPU time is all the work done.
    cpu = time.process_time() - cpu + _children_cpu() - child_cpu
    assert code == 0, code
    return {"seconds": seconds, "cpu": cpu, "events": counter.lines}


def _children_cpu() -> float:
    """CPU seconds of this process's finished child processes (the simulator's scan child)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class _CountingSink(io.TextIOBase):
    """A text stream that counts lines and throws them away (what stdout to /dev/null costs, minus the syscalls)."""

    def __init__(self) -> None:
        self.lines = 0

    def write(self, text: str) -> int:
        self.lines += text.count("\n")
        return len(text)


def child_floor(space: Path, profiles: Path, events: int) -> dict[str, float]:
    """Read + json.loads every line, then json.dumps `events` real events (sampled from a small run), compactly."""
    from idsync_tui.simulator.command import run_simulate

    sample_out = io.StringIO()
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as head, open(profiles) as source:
        for _, line in zip(range(200), source, strict=False):
            head.write(line)
    args = argparse.Namespace(
        space=str(space), profiles=head.name, audience=None, journey=None, format="jsonl", timeline=False
    )
    run_simulate(args, sample_out, io.StringIO())
    os.unlink(head.name)
    sample = [json.loads(line) for line in sample_out.getvalue().splitlines()]
    encode = json.JSONEncoder(separators=(",", ":")).encode
    sink = _CountingSink()
    started, cpu = time.perf_counter(), time.process_time()
    with open(profiles, "rb") as stream:
        for raw in stream:
            json.loads(raw)
    size = len(sample)
    for i in range(int(events)):
        sink.write(encode(sample[i % size]))
        sink.write("\n")
    return {"seconds": time.perf_counter() - started, "cpu": time.process_time() - cpu, "events": events}


def _child(argv: list[str]) -> None:
    mode, space, profiles = argv[0], Path(argv[1]), Path(argv[2])
    result = child_simulate(space, profiles) if mode == "simulate" else child_floor(space, profiles, int(argv[3]))
    result["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def _run_child(*argv: str) -> dict[str, float]:
    done = subprocess.run([sys.executable, __file__, "--child", *argv], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def _best(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: min(run[key] for run in runs) for key in runs[0]}


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each side per size; the best counts")
    options = parser.parse_args()
    print(
        f"{'profiles':>10} {'events':>10} {'sim s':>8} {'floor s':>8} {'ratio':>6} {'cpu ratio':>9} "
        f"{'profiles/s':>11} {'sim RSS MiB':>12} {'floor RSS MiB':>14}"
    )
    with tempfile.TemporaryDirectory() as folder:
        space = Path(folder) / "bench.toml"
        space.write_text(SPACE)
        for n in options.sizes:
            profiles = Path(folder) / f"profiles-{n}.jsonl"
            write_profiles(profiles, n)
            sims: list[dict[str, float]] = []
            floors: list[dict[str, float]] = []
            for _ in range(max(1, options.repeat)):
                sims.append(_run_child("simulate", str(space), str(profiles)))
                floors.append(_run_child("floor", str(space), str(profiles), str(int(sims[0]["events"]))))
            sim, floor = _best(sims), _best(floors)
            print(
                f"{n:>10} {int(sim['events']):>10} {sim['seconds']:>8.2f} {floor['seconds']:>8.2f} "
                f"{sim['seconds'] / floor['seconds']:>6.2f} {sim['cpu'] / floor['cpu']:>9.2f} "
                f"{n / sim['seconds']:>11,.0f} {sim['peak_rss_mib']:>12.1f} {floor['peak_rss_mib']:>14.1f}",
                flush=True,
            )
            profiles.unlink()


if __name__ == "__main__":
    main()
