"""Child process for tests/test_store.py: saves a space file over and over until it is killed.

Usage: python _save_child.py TARGET OLD NEW loop   -- saves NEW, OLD, NEW, ... with write_atomic, forever
       python _save_child.py TARGET OLD NEW pause  -- saves NEW once, stopping just before the replace
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from idsync_tui.space.store import write_atomic


def main() -> None:
    target, old_file, new_file, mode = sys.argv[1:5]
    versions = [Path(new_file).read_bytes(), Path(old_file).read_bytes()]
    if mode == "pause":

        def stop_here(temp: Path) -> None:
            print(f"paused {temp}", flush=True)
            time.sleep(60)

        write_atomic(target, versions[0], force=True, before_replace=stop_here)
        return
    print("saving", flush=True)
    turn = 0
    while True:
        write_atomic(target, versions[turn % 2], force=True)
        turn += 1


if __name__ == "__main__":
    main()
