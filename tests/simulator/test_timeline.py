"""The timeline: trait changes move profiles in and out, added identifiers re-sync, config versions apply late."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from idsync_tui.simulator.timeline import ConfigVersion
from tests.simulator.simhelpers import (
    START,
    bad_lines_of,
    events_of,
    identifier,
    notices_of,
    profile_line,
    run_lines,
    space_from,
)

HIGH_VALUE = """
[[audiences]]
key = "high_value"
name = "High value"

[[audiences.conditions]]
trait = "ltv"
op = ">="
value = 500

[[audiences.connections]]
destination = "braze"
setup = "customized"

[[audiences.connections.identifiers]]
segment = "email"
destination = "email"
strategy = "{strategy}"

[[audiences.connections]]
destination = "fb"
setup = "customized"

[[audiences.connections.identifiers]]
segment = "email"
destination = "EMAIL"
strategy = "{strategy}"
"""


def change(at: str, pid: str, **what) -> str:
    return json.dumps({"at": f"2024-06-01T{at}:00Z", "profile": pid, **what})


ANN = profile_line("p1", [identifier("email", "ann@x.example")], {"ltv": 812})
BO = profile_line("p2", [identifier("email", "bo@x.example")], {"ltv": 100})


def test_a_trait_change_moves_a_profile_in_and_out_with_enter_and_exit_events():
    lines = [ANN, BO, change("10:03", "p1", traits={"ltv": 120}), change("10:04", "p2", traits={"ltv": 900})]
    events = events_of(run_lines(space_from(HIGH_VALUE.format(strategy="last_added")), lines, timeline=True))
    summary = [(e["at"][11:16], e["profile"], e["destination"], e["action"]) for e in events]
    assert summary == [
        ("10:00", "p1", "braze", "enter"),
        ("10:00", "p1", "fb", "add"),
        ("10:03", "p1", "braze", "exit"),
        ("10:03", "p1", "fb", "remove"),
        ("10:04", "p2", "braze", "enter"),
        ("10:04", "p2", "fb", "add"),
    ]
    assert [e["seq"] for e in events] == [1, 2, 3, 4, 5, 6]
    assert events[2]["payload"]["properties"]["high_value"] is False
    assert "exited: traits changed at 2024-06-01T10:03:00Z: ltv = 120" in events[2]["notes"]


def test_changes_apply_in_at_order_not_file_order():
    lines = [ANN, change("10:09", "p1", traits={"ltv": 900}), change("10:03", "p1", traits={"ltv": 120})]
    events = events_of(run_lines(space_from(HIGH_VALUE.format(strategy="all")), lines, timeline=True))
    assert [(e["at"][11:16], e["action"]) for e in events if e["destination"] == "braze"] == [
        ("10:00", "enter"),
        ("10:03", "exit"),
        ("10:09", "enter"),
    ]


def test_an_added_identifier_sends_a_member_the_new_value():
    lines = [ANN, change("10:04", "p1", add_identifier={"type": "email", "value": "ann@new.example"})]
    events = events_of(run_lines(space_from(HIGH_VALUE.format(strategy="last_added")), lines, timeline=True))
    resync = [e for e in events if e["at"].endswith("10:04:00Z")]
    assert [e["destination"] for e in resync] == ["braze", "fb"]
    assert resync[0]["payload"]["context"]["traits"]["email"] == "ann@new.example"
    assert resync[0]["notes"][0].startswith("new data on a member: identifier added")


def test_an_identifier_beyond_the_limit_is_dropped_with_a_notice_and_no_re_sync():
    ids = [identifier("user_id", "u1")]
    lines = [
        profile_line("p1", ids, {"ltv": 900}),
        change("10:04", "p1", add_identifier={"type": "user_id", "value": "u2"}),
    ]
    outputs = run_lines(space_from(HIGH_VALUE.format(strategy="all")), lines, timeline=True)
    assert not [e for e in events_of(outputs) if e["at"].endswith("10:04:00Z")]
    assert any("user_id u2 dropped" in n.message for n in notices_of(outputs))


def test_a_change_for_an_unknown_profile_is_reported_at_its_line():
    outputs = run_lines(
        space_from(HIGH_VALUE.format(strategy="all")), [ANN, change("10:04", "p9", traits={})], timeline=True
    )
    assert [(b.line, "p9" in b.message) for b in bad_lines_of(outputs)] == [(2, True)]


def test_without_timeline_change_lines_are_not_applied_and_a_notice_says_so():
    lines = [ANN, change("10:03", "p1", traits={"ltv": 120})]
    outputs = run_lines(space_from(HIGH_VALUE.format(strategy="all")), lines)
    assert [e["action"] for e in events_of(outputs)] == ["enter", "add"]
    assert "pass --timeline" in notices_of(outputs)[-1].message


def _history():
    v1 = space_from(HIGH_VALUE.format(strategy="first_added"))
    v2 = space_from(HIGH_VALUE.format(strategy="last_added"))
    # v2 saved at 10:01: effective at 10:06.
    return [ConfigVersion(1, START - timedelta(minutes=5), v1), ConfigVersion(2, START + timedelta(minutes=1), v2)]


TWO_EMAILS_LOW = profile_line(
    "p2",
    [identifier("email", "old@x.example", "2024-01-01T00:00:00Z"), identifier("email", "new@x.example")],
    {"ltv": 1},
)


def test_a_new_config_applies_only_five_minutes_after_it_is_saved():
    lines = [
        TWO_EMAILS_LOW,
        profile_line("p3", [identifier("email", "a@x", "2024-01-01T00:00:00Z"), identifier("email", "b@x")]),
        change("10:05", "p2", traits={"ltv": 900}),
        change("10:06", "p3", traits={"ltv": 900}),
    ]
    events = events_of(run_lines(_history(), lines, timeline=True))
    braze = [e for e in events if e["destination"] == "braze"]
    assert [(e["profile"], e["config_version"], e["payload"]["context"]["traits"]["email"]) for e in braze] == [
        ("p2", 1, "old@x.example"),  # 10:05 is inside the 5-minute window: still version 1 (first_added)
        ("p3", 2, "b@x"),  # 10:06: version 2 (last_added)
    ]


def test_a_new_config_does_not_re_send_members_already_sent():
    member = profile_line(
        "p1", [identifier("email", "a@x", "2024-01-01T00:00:00Z"), identifier("email", "b@x")], {"ltv": 900}
    )
    outputs = run_lines(_history(), [member, change("10:30", "p1", traits={"plan": "pro"})], timeline=True)
    events = events_of(outputs)
    assert [(e["config_version"], e["at"][11:16]) for e in events] == [(1, "10:00"), (1, "10:00")]
    assert any("version 2" in n.message and "not re-sent" in n.message for n in notices_of(outputs))


JOURNEY = """
[[journeys]]
key = "onboarding"
name = "Onboarding"

[[journeys.steps]]
key = "is_pro"
type = "filter"

[[journeys.steps.conditions]]
trait = "plan"
op = "="
value = "pro"

[[journeys.steps]]
key = "welcome"
type = "send"

[[journeys.steps.connections]]
destination = "fb"

[[journeys.steps.connections]]
destination = "braze"
"""


def test_journey_filter_steps_drop_profiles_and_send_steps_emit_to_their_connections():
    lines = [
        profile_line("p1", [identifier("email", "a@x")], {"plan": "pro"}),
        profile_line("p2", [identifier("email", "b@x")], {"plan": "basic"}),
    ]
    events = events_of(run_lines(space_from(JOURNEY), lines))
    assert [(e["profile"], e["destination"], e["call"]) for e in events] == [
        ("p1", "fb", "list"),
        ("p1", "braze", "track"),
    ]
    assert events[0]["source"] == {"kind": "journey", "key": "onboarding", "step": "welcome"}
    personas = events[1]["payload"]["context"]["personas"]
    assert personas["computation_class"] == "journey_step"
    assert personas["computation_key"] == "j_o_onboarding__welcome"


def test_list_destinations_never_get_removals_from_journeys():
    lines = [
        profile_line("p1", [identifier("email", "a@x")], {"plan": "pro"}),
        change("10:03", "p1", traits={"plan": "basic"}),
    ]
    outputs = run_lines(space_from(JOURNEY), lines, timeline=True)
    later = [e for e in events_of(outputs) if e["at"].endswith("10:03:00Z")]
    assert [(e["destination"], e["action"]) for e in later] == [("braze", "exit")]
    assert any("never remove profiles from list destinations" in n.message for n in notices_of(outputs))


# -- new data on a member: only what the connection has not sent the profile before ---------------------------------

TWO_EMAILS_MEMBER = profile_line(
    "p1",
    [identifier("user_id", "u1"), identifier("email", "a@x.example"), identifier("email", "b@x.example")],
    {"ltv": 900},
)
NEW_EMAIL = change("10:04", "p1", add_identifier={"type": "email", "value": "c@x.example"})


def at_change(outputs):
    return [o for o in outputs if (o["at"] if type(o) is dict else o.at).endswith("10:04:00Z")]


def test_a_new_email_under_all_sends_one_event_carrying_it_and_nothing_already_sent():
    outputs = run_lines(space_from(HIGH_VALUE.format(strategy="all")), [TWO_EMAILS_MEMBER, NEW_EMAIL], timeline=True)
    new = events_of(at_change(outputs))
    assert [(e["destination"], e["action"]) for e in new] == [("braze", "enter"), ("fb", "add")]
    assert new[0]["payload"]["context"]["traits"]["email"] == "c@x.example"
    assert "new data on a member: 2 events this connection already sent the profile not sent again" in new[0]["notes"]


def test_a_new_email_under_first_added_sends_nothing_and_says_why():
    outputs = run_lines(
        space_from(HIGH_VALUE.format(strategy="first_added")), [TWO_EMAILS_MEMBER, NEW_EMAIL], timeline=True
    )
    changed = at_change(outputs)
    assert events_of(changed) == []
    assert [n.destination for n in notices_of(changed)] == ["braze", "fb"]
    assert notices_of(changed)[0].message == (
        "new data on a member: nothing new for this connection; the event it would send was already sent to the profile"
    )


DEFAULT_BRAZE = """
[[audiences]]
key = "high_value"
name = "High value"

[[audiences.conditions]]
trait = "ltv"
op = ">="
value = 500

[[audiences.connections]]
destination = "braze"
send_identify = true
send_track = false
"""


def test_default_setup_sends_the_new_value_only_not_the_user_id_again():
    outputs = run_lines(space_from(DEFAULT_BRAZE), [TWO_EMAILS_MEMBER, NEW_EMAIL], timeline=True)
    new = events_of(at_change(outputs))
    assert [e["payload"]["traits"] for e in new] == [{"high_value": True, "email": "c@x.example"}]


@pytest.mark.parametrize(
    ("kind", "value"), [("phone", "+1 415 555 0100"), ("anonymous_id", "anon-2"), ("crm_id", "CRM-1")]
)
def test_a_value_the_connection_does_not_send_produces_no_event(kind, value):
    added = change("10:04", "p1", add_identifier={"type": kind, "value": value})
    outputs = run_lines(space_from(DEFAULT_BRAZE), [TWO_EMAILS_MEMBER, added], timeline=True)
    changed = at_change(outputs)
    assert events_of(changed) == []
    assert "nothing new for this connection" in notices_of(changed)[0].message


def test_after_an_exit_a_re_entry_sends_everything_again():
    lines = [
        TWO_EMAILS_MEMBER,
        change("10:01", "p1", traits={"ltv": 10}),
        change("10:02", "p1", traits={"ltv": 900}),
    ]
    events = events_of(run_lines(space_from(DEFAULT_BRAZE), lines, timeline=True))
    assert [e["action"] for e in events if e["at"].endswith("10:02:00Z")] == ["enter", "enter", "enter"]
