"""`idsync-tui simulate`: exit codes, streams, formats and byte-for-byte determinism."""

from __future__ import annotations

import argparse
import io
import json

from idsync_tui.simulator.command import run_simulate
from tests.simulator.simhelpers import HEAD, identifier, profile_line

BODY = """
[[audiences]]
key = "vip"
name = "VIP"

[[audiences.connections]]
destination = "braze"
send_identify = true
"""


def write_space(tmp_path, body=BODY, profiles='profiles = "people.jsonl"'):
    path = tmp_path / "space.toml"
    path.write_text(HEAD.format(space_extra=profiles) + body)
    return path


def write_profiles(tmp_path, lines, name="people.jsonl"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def run(space, **options):
    args = argparse.Namespace(
        space=str(space), profiles=None, audience=None, journey=None, format="jsonl", timeline=False
    )
    for key, value in options.items():
        setattr(args, key, value)
    out, err = io.StringIO(), io.StringIO()
    code = run_simulate(args, out, err)
    return code, out.getvalue(), err.getvalue()


PEOPLE = [
    profile_line("p1", [identifier("user_id", "u1"), identifier("email", "a@x.example")]),
    "{broken",
    profile_line("p2", [identifier("email", "b@x.example")]),
    '{"at": "2024-06-01T10:03:00Z", "profile": "p2", "add_identifier": {"type": "email", "value": "c@x.example"}}',
]


def test_events_go_to_stdout_as_json_lines_and_bad_lines_to_stderr_with_their_number(tmp_path):
    space = write_space(tmp_path)
    profiles = write_profiles(tmp_path, PEOPLE)
    code, out, err = run(space)
    assert code == 0
    events = [json.loads(line) for line in out.splitlines()]
    assert [(e["profile"], e["call"]) for e in events] == [
        ("p1", "identify"),
        ("p1", "track"),
        ("p1", "identify"),
        ("p1", "track"),
        ("p2", "identify"),
        ("p2", "track"),
    ]
    assert f"{profiles}:2: not valid JSON" in err


def test_the_same_input_gives_the_same_output_byte_for_byte(tmp_path):
    space = write_space(tmp_path)
    write_profiles(tmp_path, PEOPLE)
    first = run(space, timeline=True)
    second = run(space, timeline=True)
    assert first == second
    # 6 first-sync events + 2 for the new email of p2 (identify and track; the first email is not sent again)
    assert first[1].count("\n") == 8


def test_text_format_prints_one_readable_line_per_event(tmp_path):
    space = write_space(tmp_path)
    write_profiles(tmp_path, PEOPLE)
    code, out, _ = run(space, format="text", timeline=True)
    event_lines = [line for line in out.splitlines() if line.startswith("#")]
    assert code == 0 and len(event_lines) == 8
    assert event_lines[0] == (
        "#1 2024-06-01T10:00:00Z audience vip -> braze p1 (userId u1) enter identify: user_id=u1 (v1)"
    )
    assert "context.traits.email=c@x.example" in event_lines[-1]


def test_profiles_option_overrides_the_space_and_a_missing_file_exits_2(tmp_path):
    space = write_space(tmp_path)
    other = write_profiles(tmp_path, PEOPLE[:1], "other.jsonl")
    code, out, _ = run(space, profiles=str(other))
    assert code == 0 and out.count("\n") == 4
    code, _, err = run(space)
    assert code == 2 and "people.jsonl does not exist" in err


def test_without_any_profiles_file_it_exits_2_and_says_how_to_give_one(tmp_path):
    code, _, err = run(write_space(tmp_path, profiles=""))
    assert code == 2
    assert "--profiles" in err and "[space]" in err


def test_an_unknown_audience_exits_2_and_lists_the_keys(tmp_path):
    write_profiles(tmp_path, PEOPLE)
    code, _, err = run(write_space(tmp_path), audience="vpi")
    assert code == 2 and 'no audience "vpi"' in err and "vip" in err


def test_a_space_with_errors_exits_1_and_prints_them_like_a_compiler(tmp_path):
    write_profiles(tmp_path, PEOPLE)
    broken = BODY.replace('destination = "braze"', 'destination = "nowhere"')
    code, out, err = run(write_space(tmp_path, broken))
    assert code == 1 and out == ""
    assert "space.toml:" in err and "IDS101" in err


def test_an_unreadable_space_exits_2(tmp_path):
    code, _, err = run(tmp_path / "missing.toml")
    assert code == 2 and "no such file" in err


def test_only_the_named_audience_is_simulated(tmp_path):
    body = BODY + BODY.replace('"vip"', '"other"').replace('"VIP"', '"Other"')
    write_profiles(tmp_path, PEOPLE[:1])
    code, out, _ = run(write_space(tmp_path, body), audience="other")
    assert code == 0
    assert {json.loads(line)["source"]["key"] for line in out.splitlines()} == {"other"}


READINESS_BODY = """
[[audiences]]
key = "vip"
name = "VIP"

[[audiences.connections]]
destination = "fb"
setup = "customized"
send_mobile_ids = true

[[audiences.connections.identifiers]]
segment = "email"
destination = "EMAIL"
strategy = "all"

[[audiences.connections.identifiers]]
segment = "phone"
destination = "PHONE"

[[audiences.connections]]
destination = "braze"
send_identify = true
"""


def test_the_summary_on_stderr_gives_each_list_connection_s_match_readiness_per_identifier(tmp_path):
    space = write_space(tmp_path, READINESS_BODY)
    write_profiles(
        tmp_path,
        [
            profile_line("p1", [identifier("email", "a@x.example"), identifier("email", "no-at-sign")]),
            profile_line("p2", [identifier("email", "b@x.example"), identifier("phone", "415 555 0100")]),
            profile_line("p3", [identifier("email", "c@x.example"), identifier("phone", "+1 415 555 0101")]),
        ],
    )
    code, _, err = run(space)
    assert code == 0
    assert err.splitlines()[-2:] == [
        "match readiness (values sent to Facebook / Google that the platform can match; the notes say why not):",
        "  audience vip -> fb: email 75% (3/4), phone 50% (1/2)",
    ]


def test_the_readiness_summary_counts_only_what_a_change_line_actually_sends(tmp_path):
    space = write_space(tmp_path, READINESS_BODY)
    write_profiles(
        tmp_path,
        [
            profile_line("p1", [identifier("email", "a@x.example")]),
            '{"at": "2024-06-01T10:03:00Z", "profile": "p1", "add_identifier": {"type": "email", "value": "bad"}}',
        ],
    )
    _, _, err = run(space, timeline=True)
    assert err.splitlines()[-1] == "  audience vip -> fb: email 50% (1/2), phone (no values sent)"


NOTED = [
    profile_line("p1", [identifier("user_id", "u1")]),
    profile_line("p2", []),
    profile_line("p3", []),
    profile_line("p4", [identifier("anonymous_id", "a4")]),
]


def test_jsonl_notes_are_summed_up_on_stderr_and_notes_prints_each_one(tmp_path):
    space = write_space(tmp_path)
    write_profiles(tmp_path, NOTED)
    code, out, err = run(space, timeline=True)
    assert code == 0 and out.count("\n") == 2  # p1's identify and track
    lines = err.splitlines()
    assert lines[0].startswith("notes: 3 (--notes prints each one")
    assert lines[1:] == [
        "  2 × the profile has no identifiers",
        "  1 × the profile has only anonymous_id and the space's include_anonymous is off",
    ]
    assert not any(line.startswith("note: ") for line in lines)
    code, out_all, err_all = run(space, timeline=True, notes=True)
    assert out_all == out
    noted = [line for line in err_all.splitlines() if line.startswith("note: ")]
    assert len(noted) == 3 and "p2: the profile has no identifiers" in noted[0]
    assert "notes: " not in err_all


def test_no_notes_no_summary(tmp_path):
    space = write_space(tmp_path)
    write_profiles(tmp_path, NOTED[:1])
    assert run(space, timeline=True)[2] == ""
