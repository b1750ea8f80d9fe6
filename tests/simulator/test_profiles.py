"""The profiles reader: streaming, tolerant of bad lines, identity resolution limits applied."""

from __future__ import annotations

import json

from idsync_tui.simulator.profiles import BadLine, Change, Profile, read_profiles, scan_times, time_key
from tests.simulator.simhelpers import identifier, profile_line

LIMITS = {"user_id": 1, "email": 5, "phone": 2}


def test_bad_lines_are_reported_with_their_line_number_and_reading_goes_on(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text(
        "\n".join(
            [
                "// a comment",
                profile_line("p1", [identifier("email", "a@x.example")]),
                "{not json",
                "[1, 2]",
                json.dumps({"id": "p2", "identifiers": [{"type": "email", "value": "b@x.example"}]}),
                json.dumps({"id": "p3", "identifiers": [identifier("email", "c@x.example", "yesterday")]}),
                "",
                profile_line("p4", [identifier("email", "d@x.example")]),
            ]
        )
    )
    items = list(read_profiles(path, LIMITS))
    assert [i.id for i in items if isinstance(i, Profile)] == ["p1", "p4"]
    bad = [i for i in items if isinstance(i, BadLine)]
    assert [b.line for b in bad] == [3, 4, 5, 6]
    assert "not valid JSON" in bad[0].message
    assert 'needs "added_at"' in bad[2].message
    assert '"yesterday" is not a time' in bad[3].message


def test_limits_keep_the_earliest_added_values_and_remember_the_dropped_ones(tmp_path):
    path = tmp_path / "p.jsonl"
    phones = [
        identifier("phone", "3", "2024-03-01T00:00:00Z"),
        identifier("phone", "1", "2024-01-01T00:00:00Z"),
        identifier("phone", "2", "2024-02-01T00:00:00Z"),
    ]
    path.write_text(profile_line("p1", phones + [identifier("user_id", "u1"), identifier("user_id", "u2")]))
    (profile,) = read_profiles(path, LIMITS)
    assert [v for v, _ in profile.ids["phone"]] == ["1", "2"]
    assert profile.dropped == {"phone": ["3"], "user_id": ["u2"]}
    assert profile.user_id == "u1"


def test_change_lines_are_read_as_changes(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text(
        '{"at": "2024-06-01T10:03:00Z", "profile": "p1", "traits": {"lifetime_value": 120}}\n'
        '{"at": "2024-06-01T10:04:00Z", "profile": "p2", "add_identifier": {"type": "email", "value": "b@x"}}\n'
        '{"at": "2024-06-01T10:04:00Z", "profile": "p2"}\n'
    )
    first, second, third = read_profiles(path, LIMITS)
    assert first == Change(1, "2024-06-01T10:03:00", "p1", traits={"lifetime_value": 120})
    assert second.add_identifier == ("email", "b@x", "2024-06-01T10:04:00")
    assert isinstance(third, BadLine) and "exactly one of" in third.message


def test_times_in_any_offset_are_ordered_in_utc():
    assert time_key("2024-06-01T12:00:00+02:00") == "2024-06-01T10:00:00"
    assert time_key("2024-06-01T10:00:00.500Z") > time_key("2024-06-01T10:00:00Z")


def test_the_first_sync_is_the_earliest_change_floored_to_the_hour_or_the_latest_added_at(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text(
        profile_line("p1", [identifier("email", "a", "2024-05-01T08:30:00Z")])
        + "\n"
        + '{"at": "2024-06-01T10:04:00Z", "profile": "p1", "traits": {}}\n'
        + '{"at": "2024-06-01T10:03:00Z", "profile": "p1", "traits": {}}\n'
    )
    scan = scan_times(path)
    assert scan.first_sync().isoformat() == "2024-06-01T10:00:00+00:00"
    assert scan.changed_profiles == frozenset({"p1"})
    path.write_text(profile_line("p1", [identifier("email", "a", "2024-05-01T08:30:00Z")]) + "\n")
    assert scan_times(path).first_sync().isoformat() == "2024-05-01T08:30:00+00:00"
