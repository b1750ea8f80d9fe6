"""Makes the README's browser screenshots (docs/browser-*.png): `.venv/bin/python -m tests.browser.screenshots`.

Starts `idsync-tui serve` on the demo, opens it in headless Chromium (the same set-up as the browser tests) and
waits for each screen's text before taking its picture.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, DOM_RENDERER, Terminal, start_serve, stop_serve

DOCS = Path(__file__).parents[2] / "docs"


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        served = start_serve([], Path(scratch) / "serve.log")
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
                context = browser.new_context(viewport={"width": 960, "height": 560})
                context.add_init_script(DOM_RENDERER)
                page = context.new_page()
                page.goto(served.url)
                page.wait_for_selector(".xterm-helper-textarea", state="attached")
                page.focus(".xterm-helper-textarea")
                term = Terminal(page)
                term.wait_for("1 Audiences", "vip_app_users", "identify+track", "Opened", "palette")
                page.screenshot(path=DOCS / "browser-demo.png")
                term.press("Tab", "Enter")
                term.wait_for("ID Sync  audience high_value", "Has a value", "palette")
                page.screenshot(path=DOCS / "browser-editor.png")
                term.press("Escape")
                term.wait_for("Members when", "high_value")
                term.press("l")
                term.wait_for("high_value → fb", "v1 high_value", "change line(s) not played")
                page.screenshot(path=DOCS / "browser-sync-log.png")
                browser.close()
        finally:
            stop_serve(served)
    for name in ("browser-demo", "browser-editor", "browser-sync-log"):
        print(DOCS / f"{name}.png")


if __name__ == "__main__":
    main()
