"""The simulator's fast paths give exactly what the plain ones would: JSON, hashes, notes reused across profiles."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from idsync_tui.simulator import profiles
from idsync_tui.simulator.profiles import _decode
from idsync_tui.simulator.render import event_json
from tests.simulator.simhelpers import events_of, identifier, profile_line, run_lines, space_from

STANDARD = json.JSONEncoder(separators=(",", ":")).encode  # what event_json used to be

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@given(json_values)
def test_event_json_writes_the_same_bytes_as_the_standard_compact_encoder(value):
    assert event_json(value) == STANDARD(value)


def test_event_json_refuses_what_json_cannot_write_with_the_standard_message():
    try:
        event_json({"at": object()})
    except TypeError as error:
        assert "is not JSON serializable" in str(error)
    else:
        raise AssertionError("an object that is not JSON went through")


def test_notes_worked_out_once_per_plan_still_count_each_profile_s_own_values():
    """The plan keeps the notes that depend only on a count; a profile with 3 IDFAs after one with 2 says 3."""
    space = space_from(
        """
[[audiences]]
key = "vip"
name = "VIP"

[[audiences.connections]]
destination = "fb"
setup = "customized"
send_mobile_ids = true

[[audiences.connections.identifiers]]
segment = "ios.idfa"
destination = "MADID"
strategy = "all"
"""
    )
    two = [identifier("ios.idfa", f"A-{i}") for i in range(2)]
    three = [identifier("ios.idfa", f"B-{i}") for i in range(3)]
    one = [identifier("ios.idfa", "C-0")]
    outputs = run_lines(space, [profile_line("p2", two), profile_line("p3", three), profile_line("p1", one)])
    notes = {e["profile"]: e["notes"] for e in events_of(outputs)}
    assert "ios.idfa: 2 values, strategy all -> 2 events" in notes["p2"]
    assert "ios.idfa: 3 values, strategy all -> 3 events" in notes["p3"]
    assert "ios.idfa: 1 value, strategy all -> 1 event" in notes["p1"]
    # MADID is lower-cased
    assert [e["payload"]["MADID"] for e in events_of(outputs) if e["profile"] == "p3"] == ["b-0", "b-1", "b-2"]


@given(st.one_of(st.binary(max_size=24).map(lambda b: b"{" + b), json_values.map(lambda v: json.dumps(v).encode())))
def test_a_profile_line_is_decoded_exactly_as_json_loads_would_or_fails_with_its_message(raw):
    def outcome(decode):
        try:
            return "ok", repr(decode(raw))
        except ValueError as error:
            return type(error).__name__, getattr(error, "msg", str(error))

    assert outcome(_decode) == outcome(json.loads)


# -- the profiles reader's fast paths ------------------------------------------------------------------------

times = st.one_of(
    st.sampled_from(
        [
            "2024-03-02T08:30:00Z",
            "2024-03-02T08:30:00Z",  # ties are common: the order they keep is part of the contract
            "2024-02-29T23:59:59Z",
            "2023-02-29T10:00:00Z",  # no such day
            "2024-03-02T24:00:00Z",  # no such hour
            "2024-03-02T08:60:00Z",
            "2024-03-02T08:30:00+01:00",  # good, not canonical
            "2024-03-02 08:30:00Z",
            "2024-W09-6T08:30:00Z",
            "２024-03-02T08:30:00Z",
            "2024-03-02T08:30:00z",
            "2024-03-02T08:30:00ZZ",
            "",
        ]
    ),
    st.integers(0, 3).map(lambda n: f"2024-01-0{n + 1}T0{n}:00:00Z"),
)
identifier_items = st.one_of(
    st.fixed_dictionaries(
        {"type": st.sampled_from(["email", "phone", "user_id"]), "value": st.sampled_from(["a", "b", "c"])},
        optional={"added_at": times},
    ),
    st.fixed_dictionaries({"type": st.sampled_from(["", 7, None]), "value": st.just("a"), "added_at": times}),
    st.fixed_dictionaries({"type": st.just("email"), "value": st.sampled_from(["", 3, ["a"]]), "added_at": times}),
    st.sampled_from([None, "email", ["email", "a"], 5]),
)


def _checked_profile(data, limits):
    """build_profile with its fast path turned off: every identifier read by the explaining path."""
    original = profiles._well_formed_ids
    profiles._well_formed_ids = lambda items: None
    try:
        return _outcome(lambda: profiles.build_profile(data, 1, limits))
    finally:
        profiles._well_formed_ids = original


def _outcome(build):
    try:
        built = build()
    except profiles.ProfileLineError as error:
        return "bad", str(error)
    return "ok", built.ids, built.dropped


@given(st.lists(identifier_items, max_size=12), st.integers(1, 4))
def test_the_fast_identifier_path_builds_what_the_explaining_path_builds(items, limit):
    """Same values, same order (ties in file order, a repeated value at its first place with its earliest time),
    same dropped values, and the same first problem, word for word."""
    data = {"id": "p1", "identifiers": items}
    limits = {"email": limit, "phone": limit, "user_id": limit}
    assert _outcome(lambda: profiles.build_profile(data, 1, limits)) == _checked_profile(data, limits)


def test_a_repeated_value_keeps_its_first_place_and_its_earliest_time():
    items = [
        identifier("email", "v", "2024-01-05T00:00:00Z"),
        identifier("email", "w", "2024-01-03T00:00:00Z"),
        identifier("email", "v", "2024-01-03T00:00:00Z"),
    ]
    built = profiles.build_profile({"id": "p1", "identifiers": items}, 1, {})
    assert built.ids["email"] == [("v", "2024-01-03T00:00:00"), ("w", "2024-01-03T00:00:00")]


profile_file_lines = st.one_of(
    st.builds(
        lambda pid, items, trait: json.dumps({"id": pid, "traits": {"added_at": trait}, "identifiers": items}),
        st.sampled_from(["p1", "p2", "p3", "p\\u0031"]),
        st.lists(identifier_items, max_size=3),
        times,
    ),
    st.builds(
        lambda pid, at, added: json.dumps(
            {"profile": pid, "at": at, "add_identifier": {"type": "email", "value": "x", "added_at": added}}
        ),
        st.sampled_from(["p1", "p2"]),
        times,
        times,
    ),
    st.builds(lambda line: "// " + line, st.sampled_from(['{"id": "p9", "identifiers": []}', "note"])),
    st.sampled_from(["", "{not json", "[1]", '{"id": "p1", "identifiers": 3}']),
)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(profile_file_lines, max_size=14), st.sampled_from([64, 256, 1 << 20]))
@example(  # the chunk's highest added_at is a trait's, on a line whose identifiers are older than the next line's
    [
        json.dumps(
            {
                "id": "p1",
                "traits": {"added_at": "2024-12-01T00:00:00Z"},
                "identifiers": [identifier("email", "a", "2024-01-01T00:00:00Z")],
            }
        ),
        json.dumps({"id": "p2", "identifiers": [identifier("email", "b", "2024-06-01T00:00:00Z")]}),
    ],
    1 << 20,
)
def test_the_quick_time_scan_finds_what_reading_every_line_finds(tmp_path, monkeypatch, lines, chunk):
    """scan_times reads raw bytes and decodes only the lines that could hold the answer; reading every line with
    the reader (the exact scan) must give the same first sync, whatever the chunk size."""
    monkeypatch.setattr(profiles, "_CHUNK", chunk)
    path = tmp_path / "people.jsonl"
    path.write_text("\n".join(line.replace("p\\\\u0031", "p\\u0031") for line in lines) + "\n", encoding="utf-8")
    quick = profiles.scan_times(path)
    exact = profiles._exact_scan(path, quick.earliest_change, quick.changed_profiles)
    assert quick.latest_added == exact.latest_added
