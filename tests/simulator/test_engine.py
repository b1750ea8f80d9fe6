"""The engine: strategies, products, default vs customized, mobile IDs, exits, placement and hashing."""

from __future__ import annotations

import hashlib

from idsync_tui.simulator.engine import EXIT, SyncContext, build_plan, connection_events
from idsync_tui.simulator.profiles import build_profile
from tests.simulator.simhelpers import (
    START,
    events_of,
    identifier,
    notices_of,
    profile_line,
    run_lines,
    simulate,
    space_from,
)

ABC_SHA256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"  # sha256("abc"), FIPS 180-2
DIGITS_123_SHA256 = "a665a45920422f9d417e4867efdc4fb8a04a1f3fff1fa07e998e86f7f7a27ae3"  # sha256("123")


def braze_audience(rows: str, settings: str = "", setup: str = "customized") -> str:
    return f"""
[[audiences]]
key = "vip"
name = "VIP"

[[audiences.connections]]
destination = "braze"
setup = "{setup}"
{settings}
{rows}
"""


def row(segment: str, destination: str, strategy: str = "last_added") -> str:
    return f"""
[[audiences.connections.identifiers]]
segment = "{segment}"
destination = "{destination}"
strategy = "{strategy}"
"""


TWO_EMAILS = [
    identifier("email", "old@x.example", "2024-01-01T00:00:00Z"),
    identifier("email", "new@x.example", "2024-03-01T00:00:00Z"),
]


def sent_emails(events):
    return [e["payload"]["context"]["traits"]["email"] for e in events]


def test_last_added_sends_the_value_added_latest():
    events = simulate(braze_audience(row("email", "email")), [profile_line("p1", TWO_EMAILS[::-1])])
    assert sent_emails(events) == ["new@x.example"]


def test_first_added_sends_the_value_added_earliest():
    events = simulate(braze_audience(row("email", "email", "first_added")), [profile_line("p1", TWO_EMAILS)])
    assert sent_emails(events) == ["old@x.example"]


def test_ties_on_added_at_are_broken_by_file_order():
    same_time = [identifier("email", "listed-first@x.example"), identifier("email", "listed-second@x.example")]
    first = simulate(braze_audience(row("email", "email", "first_added")), [profile_line("p1", same_time)])
    last = simulate(braze_audience(row("email", "email", "last_added")), [profile_line("p1", same_time)])
    assert sent_emails(first) == ["listed-first@x.example"]
    assert sent_emails(last) == ["listed-second@x.example"]


def test_all_sends_every_value_ordered_by_added_at_then_file_order():
    ids = [
        identifier("email", "c@x.example", "2024-05-01T00:00:00Z"),
        identifier("email", "a@x.example", "2024-01-01T00:00:00Z"),
        identifier("email", "b@x.example", "2024-01-01T00:00:00Z"),
    ]
    events = simulate(braze_audience(row("email", "email", "all")), [profile_line("p1", ids)])
    assert sent_emails(events) == ["a@x.example", "b@x.example", "c@x.example"]


def test_two_emails_times_three_idfas_both_all_gives_six_events():
    idfas = [identifier("ios.idfa", f"IDFA-{n}", f"2024-02-0{n}T00:00:00Z") for n in (1, 2, 3)]
    rows = row("email", "email", "all") + row("ios.idfa", "idfa", "all")
    events = simulate(braze_audience(rows, "send_mobile_ids = true"), [profile_line("p1", TWO_EMAILS + idfas)])
    pairs = [(e["payload"]["context"]["traits"]["email"], e["payload"]["properties"]["idfa"]) for e in events]
    assert len(events) == 6
    assert len(set(pairs)) == 6
    assert "ios.idfa: 3 values, strategy all -> 3 events" in events[0]["notes"]


def test_single_value_rows_ride_on_every_event_of_the_product():
    ids = [*TWO_EMAILS, identifier("crm_id", "CRM-1"), identifier("phone", "555")]
    rows = row("email", "email", "all") + row("crm_id", "crm") + row("phone", "phone", "first_added")
    events = simulate(braze_audience(rows), [profile_line("p1", ids)])
    assert len(events) == 2
    assert all(e["payload"]["properties"]["crm"] == "CRM-1" for e in events)
    assert all(e["payload"]["properties"]["phone"] == "555" for e in events)


def test_a_row_without_a_value_is_left_out_and_a_profile_without_any_value_gets_a_notice():
    rows = row("email", "email") + row("crm_id", "crm")
    events = simulate(braze_audience(rows), [profile_line("p1", [identifier("email", "a@x.example")])])
    assert "crm" not in events[0]["payload"]["properties"]
    assert "crm_id: no value on the profile, so no crm" in events[0]["notes"]
    outputs = run_lines(space_from(braze_audience(rows)), [profile_line("p2", [identifier("user_id", "u2")])])
    assert events_of(outputs) == []
    assert "no value for email, crm_id" in notices_of(outputs)[0].message


def test_default_setup_sends_one_event_per_value_of_each_default_identifier():
    ids = [identifier("user_id", "u1"), *TWO_EMAILS, identifier("phone", "555"), identifier("crm_id", "C")]
    events = simulate(braze_audience("", setup="default"), [profile_line("p1", ids)])
    sent = [{k: v for k, v in e["payload"]["properties"].items() if k not in ("audience_key", "vip")} for e in events]
    sent = [s or {"email": e["payload"]["context"]["traits"]["email"]} for s, e in zip(sent, events, strict=True)]
    assert sent == [{"user_id": "u1"}, {"email": "old@x.example"}, {"email": "new@x.example"}]


def test_custom_identifiers_are_never_sent_under_default_setup_and_the_notes_say_why():
    ids = [identifier("email", "a@x.example"), identifier("phone", "555")]
    events = simulate(braze_audience("", setup="default"), [profile_line("p1", ids)])
    assert "555" not in str([e["payload"] for e in events])
    assert "phone: custom identifier, never sent under default setup" in events[0]["notes"]


def test_rows_present_under_default_setup_are_not_used():
    ids = [identifier("email", "a@x.example"), identifier("crm_id", "CRM-1")]
    events = simulate(braze_audience(row("crm_id", "crm"), setup="default"), [profile_line("p1", ids)])
    assert [e["payload"]["context"]["traits"]["email"] for e in events] == ["a@x.example"]


def test_mobile_ids_are_sent_under_default_setup_only_with_send_mobile_ids():
    ids = [identifier("ios.idfa", "IDFA-1"), identifier("android.idfa", "AAID-1")]
    off = simulate(braze_audience("", setup="default"), [profile_line("p1", [*ids, identifier("user_id", "u")])])
    on = simulate(braze_audience("", "send_mobile_ids = true", setup="default"), [profile_line("p1", ids)])
    assert [list(e["payload"]["properties"])[2:] for e in off] == [["user_id"]]
    assert "ios.idfa: dropped, send_mobile_ids is off" in off[0]["notes"]
    assert [e["payload"]["properties"].get("ios.idfa") or e["payload"]["properties"]["android.idfa"] for e in on] == [
        "IDFA-1",
        "AAID-1",
    ]


def test_anonymous_id_is_sent_under_default_setup_only_when_the_space_includes_anonymous():
    ids = [identifier("anonymous_id", "anon-1"), identifier("user_id", "u1")]
    off = simulate(braze_audience("", setup="default"), [profile_line("p1", ids)])
    on = simulate(braze_audience("", setup="default"), [profile_line("p1", ids)], "include_anonymous = true")
    assert len(off) == 1 and "anonymous_id" not in off[0]["payload"]["properties"]
    assert sorted(str(e["payload"]["properties"].get("anonymous_id")) for e in on) == ["None", "anon-1"]


def test_a_profile_with_only_anonymous_id_qualifies_only_with_include_anonymous():
    line = profile_line("p1", [identifier("anonymous_id", "anon-1")])
    assert simulate(braze_audience("", setup="default"), [line]) == []
    events = simulate(braze_audience("", setup="default"), [line], "include_anonymous = true")
    assert [e["payload"]["properties"]["anonymous_id"] for e in events] == ["anon-1"]


def _exit_events(body: str, ids: list[dict[str, str]]):
    space = space_from(body)
    audience = space.audiences[0]
    plan = build_plan(space, audience.connections[0], {"kind": "audience", "key": "vip"}, "vip", "audience")
    profile = build_profile({"id": "p1", "identifiers": ids}, 1, space.identifier_limits())
    return [
        e for e in connection_events(plan, profile, EXIT, SyncContext("2024-06-01T10:05:00Z", 1)) if type(e) is dict
    ]


def test_exits_ignore_strategies_and_send_every_combination_of_every_rows_values():
    ids = [*TWO_EMAILS, identifier("crm_id", "C1"), identifier("crm_id", "C2", "2024-02-01T00:00:00Z")]
    events = _exit_events(braze_audience(row("email", "email") + row("crm_id", "crm", "first_added")), ids)
    assert len(events) == 4
    assert {(e["payload"]["context"]["traits"]["email"], e["payload"]["properties"]["crm"]) for e in events} == {
        ("old@x.example", "C1"),
        ("old@x.example", "C2"),
        ("new@x.example", "C1"),
        ("new@x.example", "C2"),
    }
    assert all(e["action"] == "exit" and e["payload"]["event"] == "Audience Exited" for e in events)
    assert all(e["payload"]["properties"]["vip"] is False for e in events)


def test_identify_puts_identifiers_and_the_audience_flag_in_traits_with_user_id_on_the_envelope():
    ids = [identifier("user_id", "u-9"), identifier("crm_id", "CRM-1"), identifier("email", "a@x.example")]
    rows = row("crm_id", "crm") + row("email", "email_address")
    events = simulate(braze_audience(rows, "send_identify = true\nsend_track = false"), [profile_line("p1", ids)])
    assert [e["call"] for e in events] == ["identify"]
    payload = events[0]["payload"]
    assert payload["userId"] == "u-9"
    assert payload["traits"] == {"vip": True, "crm": "CRM-1", "email_address": "a@x.example"}
    assert payload["context"]["personas"] == {
        "computation_class": "audience",
        "computation_key": "vip",
        "space_id": "test-space",
    }


def test_track_puts_identifiers_in_properties_except_email_which_goes_to_context_traits():
    ids = [identifier("crm_id", "CRM-1"), identifier("email", "a@x.example")]
    events = simulate(braze_audience(row("crm_id", "crm") + row("email", "EMAIL")), [profile_line("p1", ids)])
    payload = events[0]["payload"]
    assert payload["type"] == "track" and payload["event"] == "Audience Entered"
    assert "userId" not in payload
    assert payload["context"]["traits"] == {"email": "a@x.example"}
    assert payload["properties"] == {"audience_key": "vip", "vip": True, "crm": "CRM-1"}


def test_identify_and_track_both_on_send_two_calls_per_combination():
    events = simulate(
        braze_audience(row("email", "email", "all"), "send_identify = true"), [profile_line("p", TWO_EMAILS)]
    )
    assert [e["call"] for e in events] == ["identify", "track", "identify", "track"]


def test_custom_event_names_come_from_the_connection():
    settings = 'enter_event = "Joined VIP"'
    events = simulate(braze_audience(row("email", "email"), settings), [profile_line("p1", TWO_EMAILS)])
    assert events[0]["payload"]["event"] == "Joined VIP"


FB_AUDIENCE = """
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

[[audiences.connections.identifiers]]
segment = "phone"
destination = "PHONE"

[[audiences.connections.identifiers]]
segment = "ios.idfa"
destination = "MADID"

[[audiences.connections.identifiers]]
segment = "crm_id"
destination = "FN"
"""


def test_facebook_rows_are_normalised_per_key_and_sha256_hashed_except_madid():
    ids = [
        identifier("email", "  ABC "),
        identifier("phone", "+1-2-3"),
        identifier("ios.idfa", "6D92078A-8246"),
        identifier("crm_id", " AbC"),
        identifier("user_id", "u1"),
    ]
    events = simulate(FB_AUDIENCE, [profile_line("p1", ids)])
    assert events[0]["call"] == "list" and events[0]["action"] == "add"
    assert events[0]["payload"] == {
        "EMAIL": ABC_SHA256,
        "PHONE": DIGITS_123_SHA256,
        "MADID": "6d92078a-8246",
        "FN": ABC_SHA256,
    }
    notes = events[0]["notes"]
    assert "EMAIL: email trimmed and lower-cased, then SHA-256 hashed for Facebook Custom Audiences" in notes
    assert (
        "PHONE: phone reduced to country code and number, digits only, no leading zeros, then SHA-256 hashed for "
        "Facebook Custom Audiences"
    ) in notes
    assert (
        "MADID: ios.idfa lower-cased (hyphens kept), sent unhashed (Facebook Custom Audiences takes MADID unhashed)"
    ) in notes


def test_google_default_setup_sends_its_matcher_hashed_and_nothing_else():
    body = """
[[audiences]]
key = "vip"
name = "VIP"

[[audiences.connections]]
destination = "gads"
"""
    ids = [identifier("user_id", "u1"), identifier("email", "ABC"), identifier("crm_id", "C")]
    events = simulate(body, [profile_line("p1", ids)])
    assert [e["payload"] for e in events] == [{"email": ABC_SHA256}]


def test_event_destinations_get_raw_values():
    events = simulate(braze_audience(row("email", "email")), [profile_line("p1", [identifier("email", " ABC ")])])
    assert events[0]["payload"]["context"]["traits"]["email"] == " ABC "
    assert hashlib.sha256(b"abc").hexdigest() not in str(events)


def test_every_event_has_the_spec_record_keys_in_order():
    events = simulate(braze_audience(row("email", "email")), [profile_line("p1", TWO_EMAILS)])
    assert list(events[0]) == [
        "seq",
        "at",
        "source",
        "destination",
        "profile",
        "action",
        "call",
        "config_version",
        "payload",
        "notes",
    ]
    assert events[0]["at"] == START.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert events[0]["source"] == {"kind": "audience", "key": "vip"}
