"""Fixtures for the browser tests: `idsync-tui serve` on a free loopback port, and a headless Chromium page on it.

The browser is Debian's `chromium` (`.ci/run` installs it), driven by the `playwright` package with
`executable_path`: Playwright's own browser download is not used. The page draws the terminal with xterm.js; the
tests turn WebGL off in the page (an init script), so xterm.js uses its DOM renderer and the screen's text can be
read from the page (`.xterm-rows`), waited for like any other text. Nothing sleeps: every step waits for a text.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

CHROMIUM = os.environ.get("IDSYNC_TUI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
COMMAND = str(Path(sys.executable).parent / "idsync-tui")
WAIT_MS = 30_000  # the longest any one text may take to appear (a loaded 2-core machine starting Chromium)

# WebGL off: xterm.js then draws rows as DOM text instead of on a canvas.
DOM_RENDERER = """(() => {
  const getContext = HTMLCanvasElement.prototype.getContext;
  HTMLCanvasElement.prototype.getContext = function (kind, ...rest) {
    if (kind === "webgl" || kind === "webgl2") return null;
    return getContext.call(this, kind, ...rest);
  };
})();"""
SCREEN_TEXT = """() => {
  const rows = document.querySelector(".xterm-rows");
  return rows ? Array.from(rows.children, (row) => row.textContent.replace(/\\u00a0/g, " ")).join("\\n") : "";
}"""


def browser_available() -> bool:
    return Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is not None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def start_serve(args: list[str], log: Path, env: dict[str, str] | None = None) -> Served:
    """`idsync-tui serve ARGS --port P` in the background; returns once it answers HTTP (or fails with its log)."""
    port = free_port()
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [COMMAND, "serve", *args, "--port", str(port)],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
        )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + WAIT_MS / 1000
    while True:
        if process.poll() is not None:
            raise AssertionError(f"idsync-tui serve exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return Served(process, url, log)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError(f"idsync-tui serve did not answer on {url}:\n{log.read_text()}")
        time.sleep(0.1)  # polling for the port to open, bounded by the deadline


def stop_serve(served: Served) -> None:
    if served.process.poll() is None:
        served.process.send_signal(signal.SIGINT)  # textual-serve's graceful exit: every app gets "quit"
        try:
            served.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            served.process.kill()
            served.process.wait()


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., Served]]:
    started: list[Served] = []

    def start(*args: str, env: dict[str, str] | None = None) -> Served:
        served = start_serve(list(args), tmp_path / f"serve-{len(started)}.log", env)
        started.append(served)
        return served

    yield start
    for served in started:
        stop_serve(served)


@pytest.fixture(scope="module")  # not the session: Playwright's loop must be gone before other modules' asyncio tests
def chromium() -> Iterator[Browser]:
    if not browser_available():
        message = f"{CHROMIUM} is not installed (.ci/run installs Debian's chromium)"
        if os.environ.get("CI"):  # CI must run these: a skip there would hide a missing install step
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


class Terminal:
    """The app in one browser tab: type keys, wait for texts, read the screen."""

    def __init__(self, page: Page) -> None:
        self.page = page

    def screen(self) -> str:
        return str(self.page.evaluate(SCREEN_TEXT))

    def wait_for(self, *texts: str) -> str:
        """Wait until every text is on the screen; returns the screen. Fails with the screen when one never is."""
        try:
            self.page.wait_for_function(
                f"(texts) => {{ const screen = ({SCREEN_TEXT})(); return texts.every((t) => screen.includes(t)); }}",
                arg=list(texts),
                timeout=WAIT_MS,
            )
        except Exception as error:
            raise AssertionError(f"never saw {texts!r}; the screen was:\n{self.screen()}") from error
        return self.screen()

    def wait_for_absent(self, text: str) -> str:
        """Wait until `text` is no longer on the screen; returns the screen."""
        try:
            self.page.wait_for_function(f"(text) => !({SCREEN_TEXT})().includes(text)", arg=text, timeout=WAIT_MS)
        except Exception as error:
            raise AssertionError(f"{text!r} never went away; the screen was:\n{self.screen()}") from error
        return self.screen()

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)

    def press(self, *keys: str) -> None:
        for key in keys:
            self.page.keyboard.press(key)


@pytest.fixture
def open_tab(chromium: Browser) -> Iterator[Callable[..., Terminal]]:
    contexts: list[BrowserContext] = []

    def open_(url: str, width: int = 800, height: int = 450) -> Terminal:
        context = chromium.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        context.add_init_script(DOM_RENDERER)
        page = context.new_page()
        page.goto(url)
        page.wait_for_selector(".xterm-helper-textarea", state="attached", timeout=WAIT_MS)
        page.focus(".xterm-helper-textarea")
        return Terminal(page)

    yield open_
    for context in contexts:
        context.close()
