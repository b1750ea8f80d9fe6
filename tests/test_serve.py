"""`idsync-tui serve`: options, the missing-extra message, the host warning, the guards, the scratch demo copy."""

from __future__ import annotations

import io
import shlex
import sys
from pathlib import Path

import pytest

from idsync_tui import cli
from idsync_tui.serve import app_command, is_loopback, request_allowed

SPACE = Path(__file__).parent / "app" / "space.toml"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Servers `serve` would start, recorded instead of listening."""
    from idsync_tui import webserver

    started: list[object] = []
    monkeypatch.setattr(webserver.GuardedServer, "serve", lambda self, debug=False: started.append(self))
    return started


def test_without_the_web_extra_it_says_how_to_install_it_and_exits_2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "idsync_tui.webserver", None)  # what `import` sees without textual-serve
    code, out, err = run("serve")
    assert code == 2
    assert "pip install -e '.[web]'" in err and "textual-serve" in err
    assert "Traceback" not in err and out == ""


def test_loopback_by_default_and_no_warning(served: list[object]) -> None:
    code, out, err = run("serve", str(SPACE))
    assert code == 0
    (server,) = served
    assert server.host == "127.0.0.1" and server.port == 8000  # type: ignore[attr-defined]
    assert "warning" not in err
    assert f"serving {SPACE.resolve()} on http://127.0.0.1:8000/" in out


def test_any_other_host_warns_that_anyone_who_can_reach_the_port_can_edit(served: list[object]) -> None:
    code, _out, err = run("serve", str(SPACE), "--host", "0.0.0.0", "--port", "8123")
    assert code == 0
    assert "warning: serving on 0.0.0.0: anyone who can reach port 8123 can edit" in err
    assert "--read-only" in err
    code, _out, err = run("serve", "--host", "0.0.0.0", "--read-only")
    assert "anyone who can reach port 8000 can see the space" in err


def test_each_tab_runs_the_app_on_the_space_or_on_a_scratch_demo(served: list[object]) -> None:
    run("serve", str(SPACE), "--read-only", "--theme", "idsync-light")
    run("serve")
    with_space, demo = served
    assert shlex.split(with_space.command) == [  # type: ignore[attr-defined]
        sys.executable,
        "-P",  # the working folder's idsync_tui, if it has one, is not what runs
        "-m",
        "idsync_tui",
        str(SPACE.resolve()),
        "--read-only",
        "--theme",
        "idsync-light",
    ]
    assert shlex.split(demo.command) == [sys.executable, "-P", "-m", "idsync_tui", "--scratch-demo"]  # type: ignore[attr-defined]


def test_a_space_that_cannot_be_read_is_reported_before_serving(served: list[object], tmp_path: Path) -> None:
    code, _out, err = run("serve", str(tmp_path / "missing.toml"))
    assert code == 2 and "missing.toml" in err and "Traceback" not in err
    assert served == []


def test_a_bad_port_is_a_usage_error(served: list[object]) -> None:
    code, _out, err = run("serve", "--port", "70000")
    assert code == 2 and "--port 70000" in err
    code, _out, err = run("serve", "--port", "eight")
    assert code == 2 and "invalid int value" in err


def test_a_port_in_use_is_a_message_not_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    from idsync_tui import webserver

    def taken(self: object, debug: bool = False) -> None:
        raise OSError(98, "Address already in use")

    monkeypatch.setattr(webserver.GuardedServer, "serve", taken)
    code, _out, err = run("serve", "--port", "8001")
    assert code == 2 and "cannot listen on 127.0.0.1:8001: Address already in use" in err


def test_commands_with_odd_paths_are_quoted_for_the_shell(tmp_path: Path) -> None:
    odd = tmp_path / "it's a space; rm -rf ~.toml"
    assert shlex.split(app_command(odd, read_only=False, theme=None))[-1] == str(odd)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.9.9.9", True), ("::1", True), ("[::1]", True), ("localhost", True)]
    + [("0.0.0.0", False), ("192.168.1.4", False), ("example.com", False), ("::", False)],
)
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_pages_and_websockets_from_elsewhere_are_refused() -> None:
    assert request_allowed("127.0.0.1:8000", "http://127.0.0.1:8000", serving_loopback=True)
    assert request_allowed("localhost:8000", None, serving_loopback=True)
    assert not request_allowed("127.0.0.1:8000", "http://evil.example", serving_loopback=True)  # another site
    assert not request_allowed("evil.example:8000", "http://evil.example:8000", serving_loopback=True)  # rebinding
    assert request_allowed("demo-box:8000", "http://demo-box:8000", serving_loopback=False)
    assert not request_allowed("demo-box:8000", "http://elsewhere:8000", serving_loopback=False)
    assert not request_allowed("", None, serving_loopback=False)


def test_the_scratch_demo_is_a_copy_of_its_own_removed_at_the_end(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Path] = []

    def fake_open(path: Path, demo: bool, theme: str | None, err: object, read_only: bool = False) -> int:
        assert path.exists() and (path.parent / "acme.profiles.jsonl").exists()
        assert path.read_bytes() == (cli.bundled_demo_dir() / "acme.toml").read_bytes()
        seen.append(path)
        return 0

    monkeypatch.setattr(cli, "_open_and_run", fake_open)
    assert run("--scratch-demo")[0] == 0
    assert run("--scratch-demo")[0] == 0
    first, second = seen
    assert first.parent != second.parent  # two tabs never share a file
    assert not first.parent.exists() and not second.parent.exists()


def test_scratch_demo_with_a_space_is_a_usage_error() -> None:
    code, _out, err = run(str(SPACE), "--scratch-demo")
    assert code == 2 and "--scratch-demo" in err


def test_serve_help_lists_its_options() -> None:
    code, out, _err = run("serve", "--help")  # help goes to main's `out`, like every other output
    assert code == 0
    for option in ("--host", "--port", "--read-only", "SPACE"):
        assert option in out
