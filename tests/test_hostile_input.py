"""Issue 10: hostile and broken input through the loader and the CLI (validate, simulate): no terminal injection,
no traceback, no hang, a line >= 1 for every problem, special files refused saying what they are."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import socket
import sys

import pytest

from idsync_tui.cli import main
from idsync_tui.space import files
from idsync_tui.space.loader import MAX_FILE_BYTES, SpaceReadError, load_space, parse_text
from idsync_tui.text import inert

# Raw characters a terminal acts on: C0 except tab and newline, DEL, C1 (ESC is in C0).
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")

HEAD = 'version = 1\n[space]\nkey = "a"\nname = "b"\n'

SPACE = """version = 1
[space]
key = "a"
name = "b"
profiles = "people.jsonl"

[[destinations]]
key = "fb"
type = "facebook_custom_audiences"
name = "FB"

[[audiences]]
key = "all"
name = "All"

[[audiences.conditions]]
trait = "plan"
op = "exists"

[[audiences.connections]]
destination = "fb"
"""


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


# -- one sanitising function --------------------------------------------------------------------------------------
def test_inert_escapes_every_control_character_and_keeps_text():
    assert inert("a\x1b]2;title\x07b") == "a\\x1b]2;title\\x07b"
    assert inert("\x9b2J\x7f\x00") == "\\x9b2J\\x7f\\x00"
    assert inert("lone \ud800 half") == "lone \\ud800 half"
    assert inert("abc\u202edef") == "abc\\u202edef"  # a bidi override reorders what is shown
    assert inert("tab\tand\nnewline") == "tab\tand\nnewline"
    assert inert("tab\tand\nnewline\r", one_line=True) == "tab\\tand\\nnewline\\r"
    assert inert("plain café ✓") == "plain café ✓"
    for point in [*range(0x20), 0x7F, *range(0x80, 0xA0)]:
        assert RAW_CONTROL.search(inert(chr(point), one_line=True)) is None


HOSTILE_KEYS = [
    '"\\u001b]2;pwned\\u0007" = 1',  # retitles the terminal
    '"\\u001b]52;c;aGVsbG8=\\u0007" = 1',  # writes the clipboard
    '"\\u001b[2J" = 1',  # clears the screen
    '"\\u009b2J" = 1',  # C1 CSI
    '"a\\nb" = 1',  # breaks the one-line format
]


@pytest.mark.parametrize("line", HOSTILE_KEYS)
def test_validate_text_and_json_never_print_raw_control_characters(tmp_path, line):
    space = tmp_path / "s.toml"
    space.write_text(HEAD + line + "\n", encoding="utf-8")
    code, out, err = run("validate", str(space))
    assert code == 1
    assert RAW_CONTROL.search(out + err) is None
    assert "\\x1b" in out or "\\x9b" in out or "\\n" in out
    assert out.count("\n") == 2  # one problem line, one summary line: the key's newline did not split it
    code, out, _ = run("validate", "--format", "json", str(space))
    assert RAW_CONTROL.search(out) is None
    assert json.loads(out)["files"][0]["problems"][0]["line"] == 5


def test_a_file_name_with_control_characters_is_shown_escaped_on_stderr(tmp_path):
    missing = tmp_path / "x\x1b[2Jy.toml"
    code, out, err = run("validate", str(missing))
    assert code == 2 and RAW_CONTROL.search(out + err) is None and "\\x1b[2J" in err


def _simulate_case(tmp_path, profile_lines, name="All"):
    (tmp_path / "space.toml").write_text(SPACE.replace('name = "All"', f'name = "{name}"'), encoding="utf-8")
    (tmp_path / "people.jsonl").write_text("\n".join(profile_lines) + "\n", encoding="utf-8", errors="surrogatepass")
    return str(tmp_path / "space.toml")


def _profile(pid: str, added: str = "2024-01-01T10:00:00Z", value: str = "a@b.c", plan: str = "pro") -> str:
    return json.dumps(
        {"id": pid, "traits": {"plan": plan}, "identifiers": [{"type": "email", "value": value, "added_at": added}]}
    )


def test_simulate_text_and_stderr_escape_ids_values_and_bad_lines(tmp_path):
    space = _simulate_case(
        tmp_path,
        [
            _profile("p\x1b]2;pwned\x07", value="x\x1b]52;c;aGk=\x07@b.c"),
            _profile("q\x9b2J"),
            '{"id": "\x1b[2J", "traits": 5}',  # a bad line whose message quotes the id
            "not json \x1b[2J",
        ],
    )
    for fmt in ("text", "jsonl"):
        code, out, err = run("simulate", space, "--format", fmt)
        assert code == 0
        assert RAW_CONTROL.search(out + err) is None, (fmt, out, err)
        assert "people.jsonl:3:" in err and "people.jsonl:4:" in err
    code, out, _ = run("simulate", space, "--format", "text")
    assert "p\\x1b]2;pwned\\x07" in out


# -- bad profile lines ---------------------------------------------------------------------------------------------
BAD_PROFILE_LINES = {
    "impossible day": _profile("p2", added="2024-02-30T10:00:00Z"),
    "hour 24": _profile("p2", added="2024-02-03T24:00:00Z"),
    "garbage in date shape": _profile("p2", added="abcd-ef-ghTij:kl:mnZ"),
    "year 1 at +01:00": _profile("p2", added="0001-01-01T00:00:00+01:00"),
    "year 9999 at -01:00": _profile("p2", added="9999-12-31T23:59:59-01:00"),
    "change at out of range": '{"profile": "p1", "at": "9999-12-31T23:59:59-01:00", "traits": {"plan": "x"}}',
    "change at impossible": '{"profile": "p1", "at": "2023-02-29T10:00:00Z", "traits": {"plan": "x"}}',
    "nested 10,000 deep": '{"id": "p2", "traits": {"t": ' + "[" * 10_000 + "]" * 10_000 + "}}",
    "nested 500 deep": '{"id": "p2", "traits": {"t": ' + "[" * 500 + "]" * 500 + "}}",
    "lone surrogate id": _profile("p\ud800"),
    "lone surrogate escape": '{"id": "p\\udc00", "identifiers": []}',
    "5,000 digits": '{"id": "p2", "traits": {"n": ' + "9" * 5000 + "}}",
}


@pytest.mark.parametrize("case", list(BAD_PROFILE_LINES))
def test_each_bad_profile_line_is_reported_with_its_line_and_skipped(tmp_path, case):
    space = _simulate_case(tmp_path, [_profile("p1"), BAD_PROFILE_LINES[case], _profile("p3")])
    for fmt in ("jsonl", "text"):
        code, out, err = run("simulate", space, "--format", fmt, "--timeline")
        assert code == 0, err
        assert "people.jsonl:2:" in err
        assert "Traceback" not in err and RAW_CONTROL.search(out + err) is None
        assert "p1" in out and "p3" in out
    if case == "5,000 digits":
        assert "more than" in err and "digits" in err and "UTF-8" not in err


def test_a_bom_before_a_comment_is_a_comment(tmp_path):
    (tmp_path / "space.toml").write_text(SPACE)
    (tmp_path / "people.jsonl").write_bytes(b"\xef\xbb\xbf// generated\n" + _profile("p1").encode() + b"\n")
    code, out, err = run("simulate", str(tmp_path / "space.toml"))
    assert code == 0 and "people.jsonl:" not in err and '"profile":"p1"' in out


def test_a_repeated_profile_id_is_a_bad_line_and_changes_refer_to_the_first(tmp_path):
    space = _simulate_case(
        tmp_path,
        [
            _profile("p1", value="first@b.c"),
            _profile("p1", value="second@b.c", added="2024-01-01T11:00:00Z"),
            '{"profile": "p1", "at": "2024-01-02T10:00:00Z", "traits": {"plan": null}}',
        ],
    )
    code, out, err = run("simulate", space, "--format", "text", "--timeline")
    assert code == 0
    assert 'people.jsonl:2: profile "p1" again' in err
    events = out.strip().splitlines()
    assert len(events) == 2 and "add" in events[0] and "remove" in events[1]
    assert "second" not in out


def _times(out: str) -> list[str]:
    return [json.loads(line)["at"] for line in out.splitlines()]


def test_commented_out_and_bad_lines_leave_every_event_time_unchanged(tmp_path):
    """Issue 9 point 5: the clock comes from lines the reader uses; a `//` line, a bad line or a repeated id with a
    later added_at (or earlier change) moves no event."""
    good = [
        _profile("p1", added="2024-01-01T10:00:00Z"),
        _profile("p2", added="2024-01-03T12:30:00Z"),
        '{"profile": "p1", "at": "2024-01-05T10:00:00Z", "traits": {"plan": null}}',
    ]
    clean_code, clean_out, _ = run("simulate", _simulate_case(tmp_path, good), "--timeline")
    assert clean_code == 0 and _times(clean_out)
    noisy = [
        "// " + _profile("p9", added="2030-01-01T10:00:00Z"),
        "// " + '{"profile": "p1", "at": "2020-01-01T10:00:00Z", "traits": {"plan": null}}',
        good[0],
        _profile("p3", added="2031-01-01T10:00:00Z").replace('"value": "a@b.c"', '"value": 7'),  # bad: value
        _profile("p4", added="2032-01-01T10:00:00Z").replace('{"plan": "pro"}', "1"),  # bad: traits
        '{"profile": "p1", "at": "2019-01-01T10:00:00Z", "traits": 5}',  # a bad change line
        good[1],
        _profile("p1", added="2033-01-01T10:00:00Z"),  # a repeated id: bad
        good[2],
    ]
    noisy_dir = tmp_path / "noisy"
    noisy_dir.mkdir()
    code, out, err = run("simulate", _simulate_case(noisy_dir, noisy), "--timeline")
    assert code == 0 and err.count("people.jsonl:") == 4
    assert _times(out) == _times(clean_out)
    # without change lines the first sync is the latest added_at: still only from good lines
    code, plain, _ = run("simulate", _simulate_case(tmp_path / "noisy", noisy[:-1]))
    _, clean_plain, _ = run("simulate", _simulate_case(tmp_path, good[:2]))
    assert _times(plain) == _times(clean_plain) == ["2024-01-03T12:30:00Z"] * 2


# -- extreme TOML, lines >= 1 ----------------------------------------------------------------------------------------
EXTREME_TOML = {
    "integer past the digit limit": (HEAD + "x = " + "9" * 5000 + "\n", 5),
    "arrays 1,000 deep": (HEAD + "x = " + "[" * 1000 + "]" * 1000 + "\n", 5),
    "arrays 40 deep": (HEAD + "x = " + "[" * 40 + "]" * 40 + "\n", 5),
    "syntax error at the end": (HEAD + 'profiles = "p.jsonl\n', 5),
    "unclosed array at the end": (HEAD + "x = [1,\n\n", 5),
}


@pytest.mark.parametrize("case", list(EXTREME_TOML))
def test_extreme_toml_is_one_problem_with_its_line(tmp_path, case):
    text, line = EXTREME_TOML[case]
    result = parse_text(text, "s.toml")
    assert result.space is None
    (problem,) = result.problems
    assert problem.code == "IDS001" and problem.line == line
    path = tmp_path / "s.toml"
    path.write_text(text)
    code, out, err = run("validate", "--format", "json", str(path))
    assert code == 1 and json.loads(out)["files"][0]["problems"][0]["line"] == line
    code, out, err = run("validate", str(path))
    assert f"s.toml:{line}: IDS001" in out and "Traceback" not in err


def test_a_bom_at_the_start_of_a_valid_file_is_valid(tmp_path):
    path = tmp_path / "s.toml"
    path.write_bytes(b"\xef\xbb\xbf" + HEAD.encode())
    result = load_space(path)
    assert result.problems == [] and result.space is not None
    assert run("validate", str(path))[0] == 0


UNKNOWN_KEYS = {
    "header only": (HEAD + "\n[extra.sub]\nx = 1\n", 6),
    "dotted key": ("version = 1\nextra.sub = 1\n" + HEAD[12:], 2),
    "array of tables for a table": ('version = 1\n\n[[space]]\nkey = "a"\nname = "b"\n', 3),
    "steps without a journey": (HEAD + "\n[journeys.steps]\nkey = 1\n", 6),
    "tool table": (HEAD + "\n[tool.x]\ny = 1\n", 6),
    "quoted key with escapes": (HEAD + '"a\\u0041\\t" = 1\n', 5),
    "quoted dotted header": (HEAD + '\n["ex\\u0074ra"."s"]\ny = 1\n', 6),
}


@pytest.mark.parametrize("case", list(UNKNOWN_KEYS))
def test_a_key_without_a_line_of_its_own_is_reported_where_it_is_brought_in(case):
    text, line = UNKNOWN_KEYS[case]
    problems = parse_text(text, "s.toml").problems
    assert problems and all(p.line is not None and p.line >= 1 for p in problems)
    assert problems[0].line == line, problems


# -- special and huge files ---------------------------------------------------------------------------------------
@pytest.fixture
def special_paths(tmp_path):
    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)
    sock_path = tmp_path / "s.sock"
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(sock_path))
    folder = tmp_path / "folder.toml"
    folder.mkdir()
    loop = tmp_path / "loop.toml"
    loop.symlink_to(loop)
    paths = {
        "a FIFO": fifo,
        "a socket": sock_path,
        "a folder": folder,
        "a character device": "/dev/zero",
        "symbolic link loop": loop,
    }
    yield paths
    sock.close()


def _hang(signum, frame):
    raise TimeoutError("reading a special file hung")


def test_special_files_are_refused_saying_what_they_are(special_paths, tmp_path):
    signal.signal(signal.SIGALRM, _hang)  # a FIFO opened for reading waits for a writer: fail, never hang
    signal.alarm(30)
    try:
        _check_special_files(special_paths, tmp_path)
    finally:
        signal.alarm(0)


def _check_special_files(special_paths, tmp_path):
    for what, path in special_paths.items():
        with pytest.raises(SpaceReadError, match=what):
            load_space(path)
        code, out, err = run("validate", str(path))
        assert code == 2 and what in err, (what, err)
        (tmp_path / "space.toml").write_text(SPACE)
        code, out, err = run("simulate", str(tmp_path / "space.toml"), "--profiles", str(path))
        assert code == 2 and what in err and "does not exist" not in err, (what, err)


def test_reads_are_bounded_whatever_stat_says(tmp_path, monkeypatch):
    """A regular file that grows past the limit after stat (or reports 0, like /proc files) still stops."""
    monkeypatch.setattr("idsync_tui.space.loader.MAX_FILE_BYTES", 1000)
    path = tmp_path / "big.toml"
    path.write_bytes(b"#" * 1001)
    with pytest.raises(SpaceReadError, match="larger than"):
        load_space(path)
    assert files.read_bounded(path, 1001) == b"#" * 1001
    assert MAX_FILE_BYTES == 64 * 1024 * 1024


def test_a_profiles_value_too_long_for_the_file_system_is_ids208(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(HEAD + f'profiles = "{"x" * 5000}.jsonl"\n')
    code, out, err = run("validate", str(path))
    assert code == 0 and "IDS208" in out and "too long" in out and "Traceback" not in err
    code, out, err = run("simulate", str(path))
    assert code == 2 and "too long" in err


def test_a_profiles_line_longer_than_the_limit_is_one_bad_line(tmp_path, monkeypatch):
    from idsync_tui.simulator import profiles as reader

    monkeypatch.setattr(reader, "MAX_LINE_BYTES", 4096)
    monkeypatch.setattr(reader, "_CHUNK", 1024)
    huge = '{"id": "big", "traits": {"pad": "' + "x" * 20_000 + '"}}'
    space = _simulate_case(tmp_path, [_profile("p1"), huge, _profile("p3")])
    code, out, err = run("simulate", space, "--format", "text")
    assert code == 0 and "people.jsonl:2: longer than" in err and "p1" in out and "p3" in out
    # no newline at all: one bad line
    (tmp_path / "people.jsonl").write_text("x" * 50_000)
    code, out, err = run("simulate", space)
    assert code == 0 and err.count("people.jsonl:1: longer than") == 1 and out == ""


def test_no_newline_400_mb_profiles_file_is_one_bad_line_in_bounded_memory(tmp_path):
    """Sparse file (no disk used): 400 MB of NUL bytes and no newline, read in a child whose memory is measured."""
    path = tmp_path / "people.jsonl"
    with open(path, "wb") as stream:
        stream.truncate(400 * 1000 * 1000)
    (tmp_path / "space.toml").write_text(SPACE)
    import subprocess

    code = (
        "import io, sys\n"
        "from idsync_tui.cli import main\n"
        "out, err = io.StringIO(), io.StringIO()\n"
        f"code = main(['simulate', {str(tmp_path / 'space.toml')!r}], out, err)\n"
        # VmHWM: this process's own peak (ru_maxrss keeps the parent's peak across exec on Linux)
        "rss = [int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM')][0] // 1024\n"
        "print(code, rss, err.getvalue().count('people.jsonl:1: longer than'), repr(out.getvalue()))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    status, rss, bad, out = done.stdout.split(maxsplit=3)
    assert (status, bad, out.strip()) == ("0", "1", "''"), done.stderr
    assert int(rss) < 150, f"{rss} MiB"


# -- linear cost ---------------------------------------------------------------------------------------------------
class CountingStr(str):
    compared = 0

    def __eq__(self, other):
        CountingStr.compared += 1
        return str.__eq__(self, other)

    __hash__ = str.__hash__


def test_one_profile_with_n_values_of_a_type_costs_n_log_n_comparisons_not_n_squared():
    """Counted, not timed: reading N values of one type compares values O(N) times (a map), not N²/2 (a list
    scan: 10,000 emails took 3 s, 20,000 took 11 s). benchmarks/bench_identity.py has the times."""
    from idsync_tui.simulator.profiles import build_profile

    n = 4000
    items = [
        {
            "type": "email",
            "value": CountingStr(f"v{i}@x.io"),
            "added_at": f"2024-01-01T00:{i // 60 % 60:02d}:{i % 60:02d}Z",
        }
        for i in range(n)
    ]
    items.append({"type": "email", "value": CountingStr("v7@x.io"), "added_at": "2023-01-01T00:00:00Z"})  # a repeat
    CountingStr.compared = 0
    profile = build_profile({"id": "p", "identifiers": items}, 1, {"email": n})
    assert CountingStr.compared < 20 * n
    assert len(profile.ids["email"]) == n
    assert profile.ids["email"][0] == ("v7@x.io", "2023-01-01T00:00:00")  # the repeat kept its earliest time
