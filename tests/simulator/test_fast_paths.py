"""The simulator's fast paths give exactly what the plain ones would: JSON, hashes, notes reused across profiles."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

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
