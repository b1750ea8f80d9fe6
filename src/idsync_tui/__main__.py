"""`python -m idsync_tui`: the same entry point as the `idsync-tui` console script."""

from idsync_tui.cli import main

raise SystemExit(main())
