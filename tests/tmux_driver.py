"""Drives a real terminal program in tmux: start it at a size, type keys, read the screen.

Used by the end-to-end tests and by benchmarks/bench_startup.py. Each driver runs its own tmux server (-L) with
no user config, so tests never touch a developer's tmux sessions.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import time
import uuid
from collections.abc import Mapping, Sequence


def tmux_available() -> bool:
    return shutil.which("tmux") is not None


class Tmux:
    def __init__(
        self,
        command: Sequence[str],
        width: int = 80,
        height: int = 24,
        env: Mapping[str, str] | None = None,
        cwd: str | None = None,
    ) -> None:
        self.socket = f"idsync-{uuid.uuid4().hex[:10]}"
        self.command = list(command)
        self.width, self.height = width, height
        self.env = dict(env or {})
        self.cwd = cwd

    def _tmux(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["tmux", "-L", self.socket, "-f", "/dev/null", *args], capture_output=True, text=True, check=check
        )

    def start(self) -> float:
        """Starts the program; returns the monotonic time just before tmux launched it."""
        exports = " ".join(f"{key}={shlex.quote(value)}" for key, value in self.env.items())
        shell = f"{exports} exec {shlex.join(self.command)}" if exports else f"exec {shlex.join(self.command)}"
        environment = {**os.environ, "TERM": os.environ.get("TERM_FOR_TESTS", "xterm-256color")}
        started = time.monotonic()
        subprocess.run(
            [
                "tmux",
                "-L",
                self.socket,
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-s",
                "main",
                "-x",
                str(self.width),
                "-y",
                str(self.height),
                *(["-c", self.cwd] if self.cwd else []),
                shell,
            ],
            check=True,
            env=environment,
        )
        self._tmux("set-option", "-t", "main", "remain-on-exit", "on", check=False)
        return started

    def send(self, *keys: str) -> None:
        """Keys in tmux's names: "Enter", "Escape", "Down", "C-s", or literal text."""
        for key in keys:
            self._tmux("send-keys", "-t", "main", key)
            time.sleep(0.05)

    def type(self, text: str) -> None:
        self._tmux("send-keys", "-t", "main", "-l", text)

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-J", "-t", "main").stdout  # -J: wrapped lines joined

    def styled_screen(self) -> str:
        """The screen with its escape sequences (colours, bold, reverse...), as tmux holds each cell."""
        return self._tmux("capture-pane", "-p", "-e", "-t", "main").stdout

    def wait_for(self, *texts: str | tuple[str, ...], timeout: float = 10.0, poll: float = 0.02) -> str:
        """Waits until the screen shows every one of `texts` at once (a tuple counts as its texts); returns it.

        Wait for everything a test goes on to assert: a screen is drawn in several writes, so one text being there
        says nothing about the others yet.
        """
        wanted = tuple(t for text in texts for t in ((text,) if isinstance(text, str) else text))
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if all(t in screen for t in wanted):
                return screen
            time.sleep(poll)
        raise TimeoutError(f"{wanted!r} did not all appear within {timeout}s; the screen was:\n{screen}")

    def exited(self) -> bool:
        result = self._tmux("display-message", "-p", "-t", "main", "#{pane_dead}", check=False)
        return result.stdout.strip() == "1"

    def wait_exit(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.exited():
                return
            time.sleep(0.05)
        raise TimeoutError(f"the program did not exit within {timeout}s; the screen was:\n{self.screen()}")

    def close(self) -> None:
        self._tmux("kill-server", check=False)

    def __enter__(self) -> Tmux:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
