"""Starts the Textual app on a space file (the CLI calls `run`)."""

from __future__ import annotations

from pathlib import Path


def run(path: Path, theme: str | None = None, demo: bool = False) -> int:
    from idsync_tui.session import Session
    from idsync_tui.ui.app import IdSyncApp

    app = IdSyncApp(Session.open(path, demo=demo), theme=theme)
    app.run()
    return app.return_code or 0
