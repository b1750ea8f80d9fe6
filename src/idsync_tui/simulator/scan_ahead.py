"""The time scan of a large profiles file in a child process, while `simulate` already works through the profiles.

Every first-sync event carries one time, the first sync (`TimeScan.first_sync`: the latest added_at of the good
lines, or the earliest change floored to the hour), and finding it reads the whole file once (`scan_times`, ~6 µs
a profile). For a file of MIN_BYTES or more the command starts

    python -P -m idsync_tui.simulator.scan_ahead FILE

and simulates the first profiles meanwhile with the time still open: their events, notices and bad lines are held,
in order, until the child answers, then given the time and written (`simulator/command.py`). Nothing is written
before the time is known, so the output is the same bytes as when the scan runs first; the child runs the same
`scan_times`. When the child cannot start, fails or says something unexpected, the scan runs in this process.

Only without `--timeline`: the timeline needs the scan's other finding (the profiles the changes touch) before its
first profile. Measured gain: benchmarks/README.md ("simulate: the time scan in a child process").
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from idsync_tui import children
from idsync_tui.simulator.profiles import TimeScan, scan_times

# Below this the scan costs less than starting a Python child (~40 ms; 1 MiB of profiles scans in ~10 ms).
MIN_BYTES = 4 * 1024 * 1024


class ScanAhead:
    """A child process running `scan_times` on one file; `poll` / `wait` give its answer (or scan in-process)."""

    def __init__(self, path: Path, process: subprocess.Popen[bytes]) -> None:
        self._path = path
        self._process = process

    @classmethod
    def start(cls, path: Path) -> ScanAhead | None:
        """Starts scanning `path` in a child when it is a file of MIN_BYTES or more; None otherwise."""
        process = children.start_module(__name__, path, MIN_BYTES)
        return cls(path, process) if process is not None else None

    def poll(self) -> TimeScan | None:
        """The scan when the child has finished (or, when it failed, the scan made here); None while it runs."""
        if self._process.poll() is None:
            return None
        return self.wait()

    def wait(self) -> TimeScan:
        """The scan: the child's answer, or `scan_times` here when it has none (which may raise OSError)."""
        try:
            output, _ = self._process.communicate()
            answer = _answer(output) if self._process.returncode == 0 else None
        except (OSError, ValueError):
            answer = None
        return answer if answer is not None else scan_times(self._path)

    def close(self) -> None:
        """Stops the child if it still runs (the command ended early: a broken pipe, an error)."""
        children.stop(self._process)


def _answer(output: bytes) -> TimeScan | None:
    """The child's line read back; None unless it is exactly what `main` writes. The profiles the changes touch
    are not sent: only the timeline needs them, and it does not scan ahead."""
    try:
        found = json.loads(output)
    except ValueError:
        return None
    if not isinstance(found, dict) or set(found) != {"latest_added", "earliest_change"}:
        return None
    latest, earliest = found["latest_added"], found["earliest_change"]
    if not all(value is None or isinstance(value, str) for value in (latest, earliest)):
        return None
    scan = TimeScan(latest, earliest, frozenset())
    try:
        scan.first_sync()  # times as the scan writes them, or the answer is not the child's
    except (ValueError, OverflowError):
        return None
    return scan


def main(argv: list[str]) -> int:
    """The child: `python -m idsync_tui.simulator.scan_ahead FILE`; one JSON line on stdout, exit 1 for none."""
    try:
        scan = scan_times(Path(argv[0]))
    except (IndexError, ValueError, OSError):  # a bad call, or a file it cannot read: the parent will say why
        return 1
    sys.stdout.write(json.dumps({"latest_added": scan.latest_added, "earliest_change": scan.earliest_change}))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
