"""Starts the Textual app on an opened space document (the CLI calls `run`)."""

from __future__ import annotations

from idsync_tui.space.document import SpaceDocument


def run(document: SpaceDocument, theme: str | None = None, demo: bool = False) -> int:
    from idsync_tui.session import Session
    from idsync_tui.ui.app import IdSyncApp

    app = IdSyncApp(Session(document, demo=demo), theme=theme)
    app.run()
    return app.return_code or 0
