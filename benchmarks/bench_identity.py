"""Benchmark: one profile with N values of one identifier type, through `idsync-tui simulate` (issue 10 point 7).

Two cases per N: N emails (the default limit keeps 5: the cost is reading and de-duplicating them) and N values of
a custom identifier whose limit keeps them all, sent with strategy `all` (one event per value). The cost must grow
as N log N at most: the figure that matters is the ratio of the times for 2N and N (about 2 when linear, 4 when
quadratic). Before the fix, 10,000 emails took ~3 s and 20,000 ~11 s.

    .venv/bin/python benchmarks/bench_identity.py             # N = 10k, 20k, 40k
    .venv/bin/python benchmarks/bench_identity.py 50000 100000
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
import time
from pathlib import Path

from idsync_tui.simulator.command import run_simulate

SPACE = """version = 1
[space]
key = "bench"
name = "Bench"
profiles = "people.jsonl"

[[identifiers]]
key = "crm_id"
limit = {limit}

[[destinations]]
key = "hook"
type = "actions"
name = "Hook"

[[audiences]]
key = "everyone"
name = "Everyone"

[[audiences.conditions]]
trait = "plan"
op = "exists"

[[audiences.connections]]
destination = "hook"
setup = "customized"
send_identify = true

[[audiences.connections.identifiers]]
segment = "{kind}"
destination = "{kind}"
strategy = "all"
"""


def _profile(kind: str, n: int) -> str:
    values = [
        {
            "type": kind,
            "value": f"v{i}@example.com",
            "added_at": f"2024-01-01T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z",
        }
        for i in range(n)
    ]
    return json.dumps({"id": "p-1", "traits": {"plan": "pro"}, "identifiers": values})


def run_once(kind: str, n: int) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        (base / "space.toml").write_text(SPACE.format(limit=max(n, 5), kind=kind))
        (base / "people.jsonl").write_text(_profile(kind, n) + "\n")
        args = argparse.Namespace(
            space=str(base / "space.toml"), profiles=None, audience=None, journey=None, format="jsonl", timeline=False
        )
        out, err = io.StringIO(), io.StringIO()
        start = time.perf_counter()
        code = run_simulate(args, out, err)
        elapsed = time.perf_counter() - start
        if code != 0:
            sys.exit(f"simulate failed: {err.getvalue()}")
        return elapsed, out.getvalue().count("\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sizes", nargs="*", type=int, default=[10_000, 20_000, 40_000])
    parser.add_argument("--repeat", type=int, default=3, help="best of R runs per size (default 3)")
    args = parser.parse_args()
    print("| case | values | events | best s | ratio to previous size |")
    print("|---|---:|---:|---:|---:|")
    for kind, label in (("email", "N emails (limit 5)"), ("crm_id", "N crm_id, limit N, `all`")):
        previous: float | None = None
        for n in args.sizes:
            runs = [run_once(kind, n) for _ in range(args.repeat)]
            best = min(t for t, _ in runs)
            ratio = f"{best / previous:.2f}" if previous else "-"
            print(f"| {label} | {n:,} | {runs[0][1]:,} | {best:.3f} | {ratio} |", flush=True)
            previous = best


if __name__ == "__main__":
    main()
