"""`simulate` on two cores (simulator/split.py): every other part of a large file simulated by a helper process,
and the same bytes out as one process gives, whatever the parts hold."""

from __future__ import annotations

import json
import subprocess
import sys
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from idsync_tui.simulator import command, scan_ahead, split
from idsync_tui.simulator.profiles import scan_times
from idsync_tui.simulator.render import event_json
from idsync_tui.simulator.scope import run_scope, scope_of
from idsync_tui.simulator.split import Helper, Line, Part
from idsync_tui.space.loader import load_space
from tests.simulator.simhelpers import identifier, profile_line
from tests.simulator.test_command import run, write_profiles, write_space

BODY = """
[[audiences]]
key = "vip"
name = "VIP"

[[audiences.conditions]]
trait = "plan"
op = "="
value = "pro"

[[audiences.connections]]
destination = "braze"
send_identify = true

[[audiences.connections]]
destination = "fb"
setup = "customized"

[[audiences.connections.identifiers]]
segment = "email"
destination = "EMAIL"
strategy = "all"

[[audiences.connections.identifiers]]
segment = "phone"
destination = "PHONE"

[[audiences]]
key = "everyone"
name = "Everyone"

[[audiences.connections]]
destination = "gads"
"""


def person(i: int, pid: str | None = None) -> str:
    """A profile: about two thirds in `vip`; emails (one not matchable every fifth), a phone every other."""
    when = f"2024-0{1 + i % 9}-{1 + i % 28:02}T{i % 24:02}:{i % 60:02}:00Z"
    ids = [identifier("user_id", f"u{i}", when), identifier("email", f"Person{i}@X.example ", when)]
    if i % 5 == 0:
        ids.append(identifier("email", f"not-an-email-{i}", when))
    if i % 2:
        ids.append(identifier("phone", f"(415) 555-{i % 10000:04}", when))
    return profile_line(pid or f"p{i}", ids, {"plan": "pro" if i % 3 else "free"})


def people(count: int) -> list[str]:
    """Profiles, with what spans parts and what the helper must pass back: bad lines, a commented-out line, blank
    lines, profiles that send nothing, ids used twice (within the helper's parts: the first and the last), change
    lines (counted, not played, without --timeline)."""
    lines = [person(i) for i in range(count)]
    lines.insert(count // 2, "// " + person(-1, "p-commented"))
    lines.insert(count // 3, "{not json")
    lines.insert(count // 4, "")
    lines.insert(15, '{"at": "2024-09-01T10:00:00Z", "profile": "p3", "traits": {"plan": "free"}}')  # a helper's part
    lines.append(profile_line("p-anon", [identifier("anonymous_id", "a-1")], {"plan": "pro"}))
    lines.append(profile_line("p-none", [], {"plan": "pro"}))
    lines.append(person(7, "p1"))  # used twice: a bad line the second time
    lines.append('{"at": "2024-09-01T10:20:00Z", "profile": "p2", "add_identifier": {"type": "email", "value": "n@x"}}')
    return lines


def serial(monkeypatch, space, **options):
    with monkeypatch.context() as patch:
        patch.setattr(split, "MIN_BYTES", 1 << 60)
        return run(space, **options)


def with_helper(monkeypatch, space, part_bytes=4096, **options):
    """`simulate` with a real helper process and small parts; fails unless the helper answered parts."""
    answered = []
    real_receive = Helper.receive

    def receive(self):
        part = real_receive(self)
        answered.append(part)
        return part

    with monkeypatch.context() as patch:
        patch.setattr(split, "MIN_BYTES", 0)
        patch.setattr(split, "PART_BYTES", part_bytes)
        patch.setattr(split, "FIRST_PART_BYTES", part_bytes)
        patch.setattr(Helper, "receive", receive)
        result = run(space, **options)
    assert len(answered) >= 3 and all(part is not None for part in answered), "the helper did not answer"
    return result


@pytest.fixture
def space(tmp_path):
    path = write_space(tmp_path, BODY)
    write_profiles(tmp_path, people(300))
    return path


@pytest.mark.parametrize(
    "options", [{}, {"notes": True}, {"audience": "vip"}], ids=["jsonl", "every-note", "one-audience"]
)
def test_the_output_is_the_same_bytes_with_a_helper(space, monkeypatch, options):
    expected = serial(monkeypatch, space, **options)
    assert expected[0] == 0 and expected[1].count("\n") > 300
    assert "again" in expected[2] and "not applied" in expected[2] and "match readiness" in expected[2]
    assert with_helper(monkeypatch, space, **options) == expected


def test_the_same_bytes_with_the_scan_ahead_too(space, monkeypatch):
    # Both children: the helper's parts wait, like the command's own outputs, for the first sync time.
    expected = serial(monkeypatch, space)
    monkeypatch.setattr(scan_ahead, "MIN_BYTES", 0)
    monkeypatch.setattr(command, "HOLD", 64)  # reached with the first part: waited for there
    assert with_helper(monkeypatch, space) == expected


def test_a_helper_that_dies_leaves_the_rest_to_this_process(space, monkeypatch):
    expected = serial(monkeypatch, space)
    real_receive = Helper.receive
    answers = []

    def receive(self):
        if len(answers) == 1:  # gone after its first answer (one more may be in the pipe already)
            self._process.kill()
            self._process.wait()
        answers.append(real_receive(self))
        return answers[-1]

    monkeypatch.setattr(split, "MIN_BYTES", 0)
    monkeypatch.setattr(split, "PART_BYTES", 4096)
    monkeypatch.setattr(split, "FIRST_PART_BYTES", 4096)
    monkeypatch.setattr(Helper, "receive", receive)
    assert run(space) == expected
    assert answers[0] is not None and answers[-1] is None  # it answered, then did not: the rest was done here
    assert len(answers) <= 3


def test_a_file_that_fails_while_read_ends_the_run_and_the_helper(space, monkeypatch):
    made = []
    real_start = Helper.start

    def start(*args):
        made.append(real_start(*args))
        return made[-1]

    def lines(stream):  # the disk fails after the helper has a part in hand
        for number, line in enumerate(stream, 1):
            if number == 200:
                raise OSError(5, "Input/output error")
            yield number, 0, line.rstrip(b"\n")

    monkeypatch.setattr(split, "MIN_BYTES", 0)
    monkeypatch.setattr(split, "PART_BYTES", 4096)
    monkeypatch.setattr(split, "FIRST_PART_BYTES", 4096)
    monkeypatch.setattr(split, "numbered_lines", lines)
    monkeypatch.setattr(Helper, "start", staticmethod(start))
    code, _, err = run(space)
    assert code == 2 and "Input/output error" in err and "Traceback" not in err
    assert made and made[0] is not None and made[0]._process.poll() is not None  # stopped, not left running


@pytest.mark.parametrize("options", [{"format": "text"}, {"timeline": True}], ids=["text", "timeline"])
def test_no_helper_for_the_text_format_or_the_timeline(space, monkeypatch, options):
    monkeypatch.setattr(split, "MIN_BYTES", 0)
    started = []
    monkeypatch.setattr(Helper, "start", staticmethod(lambda *args: started.append(args)))
    code, out, _ = run(space, **options)
    assert code == 0 and out and started == []


def test_a_small_file_has_no_helper(space, monkeypatch):
    started = []
    monkeypatch.setattr(split.children, "start_helper", lambda module: started.append(module))
    assert run(space)[0] == 0
    assert started == []


# -- the merge, with the helper's side run here (same frames, no process) ------------------------------------------


class HelperHere:
    """`Helper` with its other side in this process: the same request and answer frames, read as the helper and
    the command read them; `fail_at` makes that answer (1-based) missing, as from a helper gone."""

    def __init__(self, space_path, fail_at=None):
        text = space_path.read_text()
        ready = split.setup(split.setup_request(text, str(space_path), None, None))
        assert ready is not None
        self.simulation, self.reader = ready
        self.requests: list[bytes] = []
        self.answers = 0
        self.fail_at = fail_at
        self.closed_after: int | None = None

    def send(self, lines: list[Line]) -> None:
        self.requests.append(split.part_request(lines))

    def receive(self) -> Part | None:
        self.answers += 1
        request = self.requests.pop(0)
        if self.answers == self.fail_at:
            return None
        return split.read_answer(split.answer_part(self.simulation, self.reader, request))

    def close(self) -> None:
        if self.closed_after is None:
            self.closed_after = self.answers


def run_here(monkeypatch, space, part_bytes, fail_at=None, first_part_bytes=None):
    made = []

    def start(profiles, text, path, audience, journey):
        made.append(HelperHere(space, fail_at))
        return made[-1]

    with monkeypatch.context() as patch:
        patch.setattr(split, "PART_BYTES", part_bytes)
        patch.setattr(split, "FIRST_PART_BYTES", first_part_bytes or part_bytes)
        patch.setattr(Helper, "start", staticmethod(start))
        result = run(space)
    return result, made[0]


def test_an_id_of_a_part_simulated_here_used_again_in_the_helpers_part(tmp_path, monkeypatch):
    # p-dup is in the first part (this process) and again in the second (the helper's), which the helper cannot
    # know: that part and the rest are simulated here, and the second p-dup is the bad line it always is.
    lines = [
        person(0, "p-dup"),
        *[person(i) for i in range(1, 40)],
        person(99, "p-dup"),
        *[person(i) for i in range(100, 140)],
    ]
    space = write_space(tmp_path, BODY)
    write_profiles(tmp_path, lines)
    first_part = len(("\n".join(lines[:40]) + "\n").encode())
    expected = serial(monkeypatch, space)
    got, helper = run_here(monkeypatch, space, part_bytes=first_part)
    assert got == expected
    assert 'profile "p-dup" again' in got[2]
    assert helper.closed_after == 1  # given up at its first answer


def test_a_missing_answer_leaves_that_part_and_the_rest_to_this_process(space, monkeypatch):
    expected = serial(monkeypatch, space)
    got, helper = run_here(monkeypatch, space, part_bytes=2048, fail_at=3)
    assert got == expected
    assert helper.closed_after == 3


profile_lines = st.one_of(
    st.integers(0, 40).map(person),  # ids repeat often: 41 ids for up to 60 lines
    st.sampled_from(["", "// a comment", "{broken", "[1, 2]", '{"id": "p-x"}']),
    st.builds(
        lambda i: f'{{"at": "2024-09-01T10:{i % 60:02}:00Z", "profile": "p{i}", "traits": {{"plan": "pro"}}}}',
        st.integers(0, 40),
    ),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    lines=st.lists(profile_lines, min_size=1, max_size=60),
    part_bytes=st.integers(1, 3000),
    first_part_bytes=st.integers(1, 6000),
)
def test_any_file_in_any_parts_gives_the_same_bytes(tmp_path, monkeypatch, lines, part_bytes, first_part_bytes):
    space = write_space(tmp_path, BODY)
    write_profiles(tmp_path, lines)
    expected = serial(monkeypatch, space)
    assert run_here(monkeypatch, space, part_bytes, first_part_bytes=first_part_bytes)[0] == expected


# -- the helper process and its answers ---------------------------------------------------------------------------


def frames(*payloads: bytes) -> bytes:
    return b"".join(len(p).to_bytes(8, "big") + p for p in payloads)


def helper_process(stdin: bytes) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-P", "-m", "idsync_tui.simulator.split"], input=stdin, capture_output=True, timeout=60
    )


def test_the_helper_answers_each_part_and_ends_with_its_input(space):
    lines: list[Line] = [(1, person(1).encode()), (2, b"{broken"), (3, None)]
    done = helper_process(
        frames(split.setup_request(space.read_text(), str(space), None, None), split.part_request(lines))
    )
    assert done.returncode == 0 and done.stderr == b""
    answer = split.read_answer(done.stdout[8:])
    assert answer.ids == ["p1"] and answer.events > 0
    assert [(r.line, r.message[:14]) for r in answer.records if isinstance(r, split.BadLine)] == [
        (2, "not valid JSON"),
        (3, "longer than 16"),
    ]


@pytest.mark.parametrize(
    "setup",
    [b"not json", b'{"text": "version = 1\\n[space]\\n", "path": "x.toml", "audience": null, "journey": null}'],
    ids=["not-a-setup", "space-with-errors"],
)
def test_the_helper_gives_no_answers_without_a_good_space(setup):
    done = helper_process(frames(setup, split.part_request([(1, person(1).encode())])))
    assert done.returncode == 1 and done.stdout == b""


@pytest.mark.parametrize(
    "payload",
    [
        b"",
        b"not json\n",
        b'{"ids": [], "events": 1, "readiness": {}, "ignored": 0}\n',  # an event short
        b'{"ids": [], "events": 0, "readiness": {}, "ignored": 0}\nX?',  # a record of no kind
        b'{"ids": [], "events": 0, "readiness": {}, "ignored": 0}\nN[1]',  # a notice without its fields
        b'{"events": 0, "readiness": {}, "ignored": 0}\n',
    ],
)
def test_an_answer_that_is_not_the_helpers_is_refused(payload):
    with pytest.raises((ValueError, TypeError, KeyError)):
        split.read_answer(payload)


def test_an_answer_written_in_place_reads_as_the_events_with_their_numbers(space):
    text = space.read_text()
    ready = split.setup(split.setup_request(text, str(space), None, None))
    assert ready is not None
    part = split.read_answer(split.answer_part(*ready, split.part_request([(5, person(5).encode())])))
    part.first_seq, part.at = 41, "2024-06-01T10:00:00Z"
    events = [json.loads(line) for line in part.outputs() if isinstance(line, str)]
    assert [(e["seq"], e["at"], e["profile"]) for e in events] == [
        (41 + i, "2024-06-01T10:00:00Z", "p5") for i in range(len(events))
    ]
    assert list(events[0])[:3] == ["seq", "at", "source"]


def test_the_sync_logs_run_of_the_whole_space_is_the_same_with_a_helper(space, monkeypatch):
    # The log's simulator process (simulator/child.py) runs a whole scope of a large file as simulate does.
    loaded = load_space(space).space
    assert loaded is not None
    profiles = loaded.profiles_path()
    start = scan_times(profiles).first_sync()

    def run_log(helper):
        outputs = run_scope(loaded, scope_of(loaded, None), profiles, start, helper=helper)
        return [event_json(o) if type(o) is dict else o for o in outputs]

    expected = run_log(None)
    answered = []
    real_receive = Helper.receive
    monkeypatch.setattr(Helper, "receive", lambda self: answered.append(real_receive(self)) or answered[-1])
    monkeypatch.setattr(split, "MIN_BYTES", 0)
    monkeypatch.setattr(split, "PART_BYTES", 4096)
    monkeypatch.setattr(split, "FIRST_PART_BYTES", 4096)
    helper = Helper.start(profiles, space.read_text(), str(space), None, None)
    try:
        assert run_log(helper) == expected
    finally:
        if helper is not None:
            helper.close()
    assert len(expected) > 300 and "change line(s) not played here" in expected[-1].message
    assert len(answered) >= 3 and None not in answered


def test_the_sync_logs_run_with_a_helper_ends_early_when_stopped(space, monkeypatch):
    loaded = load_space(space).space
    assert loaded is not None
    profiles = loaded.profiles_path()
    start = scan_times(profiles).first_sync()
    monkeypatch.setattr(split, "MIN_BYTES", 0)
    monkeypatch.setattr(split, "PART_BYTES", 4096)
    monkeypatch.setattr(split, "FIRST_PART_BYTES", 4096)
    whole = list(run_scope(loaded, scope_of(loaded, None), profiles, start))
    stop = threading.Event()
    stop.set()  # a new run replaced this one before it began: it reads 256 lines at most
    helper = Helper.start(profiles, space.read_text(), str(space), None, None)
    try:
        outputs = list(run_scope(loaded, scope_of(loaded, None), profiles, start, stop=stop, helper=helper))
    finally:
        if helper is not None:
            helper.close()
    events = [json.loads(o) if isinstance(o, str) else o for o in outputs if isinstance(o, str | dict)]
    assert any(isinstance(o, str) for o in outputs)  # the helper answered before the stop was seen
    sent_to = {event["profile"] for event in events}
    assert "p299" in {o["profile"] for o in whole if type(o) is dict}  # the whole run reaches the file's end
    assert "p0" in sent_to and "p299" not in sent_to  # the stopped one ended within its first 256 lines
    assert len(outputs) < len(whole)
