"""Per-platform normalisation and hashing (docs/space-file.md, "Normalisation and hashing"): every row of the table, a
value that needs normalising with its exact payload (the hash computed here from the normalised text, written out),
and a value the platform cannot match with its note. Also Google Ads Remarketing Lists under Default setup: the most
recent value only."""

from __future__ import annotations

import hashlib

import pytest

from tests.simulator.simhelpers import events_of, identifier, notices_of, profile_line, run_lines, simulate, space_from


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def one_row(destination: str, key: str) -> str:
    """An audience with one customized connection mapping the custom identifier crm_id to `key`."""
    return f"""
[[audiences]]
key = "vip"
name = "VIP"

[[audiences.connections]]
destination = "{destination}"
setup = "customized"
send_mobile_ids = true

[[audiences.connections.identifiers]]
segment = "crm_id"
destination = "{key}"
"""


def send(destination: str, key: str, value: str, country: str | None = None) -> tuple[str, list[str]]:
    """What `key` of `destination` receives for one profile whose crm_id is `value`, and the event's notes."""
    extra = f'default_phone_country_code = "{country}"' if country else ""
    [event] = simulate(one_row(destination, key), [profile_line("p1", [identifier("crm_id", value)])], extra)
    return event["payload"][key], event["notes"]


def facebook(key: str, value: str, country: str | None = None) -> tuple[str, list[str]]:
    return send("fb", key, value, country)


def google(key: str, value: str, country: str | None = None) -> tuple[str, list[str]]:
    return send("gads", key, value, country)


def not_matchable(notes: list[str]) -> list[str]:
    return [note for note in notes if note.endswith("not matchable")]


# -- Facebook ---------------------------------------------------------------------------------------------------


def test_facebook_email_is_trimmed_lower_cased_and_hashed():
    payload, notes = facebook("EMAIL", "  Ann.Lee@Example.COM ")
    assert payload == sha256("ann.lee@example.com")
    assert not_matchable(notes) == []


@pytest.mark.parametrize("value", ["ann.example.com", "ann@", "ann@example", "@example.com"])
def test_facebook_email_without_at_and_domain_is_sent_but_not_matchable(value):
    payload, notes = facebook("EMAIL", value)
    assert payload == sha256(value)
    assert not_matchable(notes) == [
        f'EMAIL: "{value}" is not an email address (it needs an @ and a domain): not matchable'
    ]


@pytest.mark.parametrize(
    ("value", "normalised"),
    [
        ("+1 (415) 555-0100", "14155550100"),
        ("0044 20 7946 0958", "442079460958"),  # 00 is an international prefix, like +
        ("+44 020 7946 0958", "44020" + "79460958"),  # written with +: its digits, as written
    ],
)
def test_facebook_phone_with_a_country_code_keeps_digits_without_leading_zeros(value, normalised):
    payload, notes = facebook("PHONE", value)
    assert payload == sha256(normalised)
    assert not_matchable(notes) == []


def test_facebook_phone_without_a_country_code_drops_its_zeros_and_takes_the_space_default():
    payload, notes = facebook("PHONE", "020 7946 0958", country="44")
    assert payload == sha256("442079460958")
    assert (
        'PHONE: "020 7946 0958" has no country code: 44 (the space\'s default_phone_country_code) put in front'
    ) in notes
    assert not_matchable(notes) == []


def test_facebook_phone_without_a_country_code_and_no_default_is_sent_as_is_and_not_matchable():
    payload, notes = facebook("PHONE", "020 7946 0958")
    assert payload == sha256("020 7946 0958")
    assert not_matchable(notes) == [
        'PHONE: "020 7946 0958" has no country code and the space sets no default_phone_country_code (write the '
        "number with + and its country code, or set one in [space]); sent as is: not matchable"
    ]


@pytest.mark.parametrize(
    ("key", "value", "normalised"),
    [
        ("FN", "O'Brien", "obrien"),
        ("FN", " Zoë-Ann ", "zoëann"),  # Unicode letters are kept, hashed as UTF-8
        ("LN", "Van der Berg 3rd", "vanderbergrd"),
        ("FI", "  ann", "a"),
        ("FI", "Émile", "é"),
        ("CT", "New York", "newyork"),
        ("CT", "St. Louis", "stlouis"),
        ("ST", "California", "ca"),
        ("ST", "New York", "ny"),
        ("ST", " NY ", "ny"),
        ("ST", "District of Columbia", "dc"),
        ("ST", "New South Wales", "newsouthwales"),  # not a US state: lower-case, no spaces
        ("ZIP", "94107-1234", "94107"),
        ("ZIP", "SW1A 1AA", "sw1a1aa"),
        ("COUNTRY", " US", "us"),
        ("COUNTRY", "gb", "gb"),
        ("GEN", "Female", "f"),
        ("GEN", " M ", "m"),
        ("GEN", "male", "m"),
        ("DOBY", " 1985 ", "1985"),
        ("DOBM", "3", "03"),
        ("DOBM", "12", "12"),
        ("DOBD", "7", "07"),
        ("DOBD", "007", "07"),
    ],
)
def test_facebook_pii_keys_follow_meta_s_rules_then_sha256(key, value, normalised):
    payload, notes = facebook(key, value)
    assert payload == sha256(normalised)
    assert not_matchable(notes) == []


@pytest.mark.parametrize(
    ("key", "value", "normalised", "why"),
    [
        ("FN", "123", "", '"123" has no letters left once spaces, digits and punctuation are removed'),
        ("FI", "42", "", '"42" has no letter to take the initial from'),
        ("COUNTRY", "United States", "united states", '"United States" is not a 2-letter ISO 3166-1 country code'),
        ("GEN", "x", "x", '"x" is not a gender Facebook reads (m or f; male and female are accepted)'),
        ("DOBM", "13", "13", '"13" is not a month (01-12)'),
        ("DOBD", "32", "32", '"32" is not a day of the month (01-31)'),
        ("DOBY", "nineteen", "nineteen", '"nineteen" is not a year (YYYY)'),
    ],
)
def test_facebook_values_the_rules_cannot_match_are_sent_normalised_and_noted(key, value, normalised, why):
    payload, notes = facebook(key, value)
    assert payload == sha256(normalised)
    [note] = not_matchable(notes)
    assert note.startswith(f"{key}: {why}")


def test_facebook_madid_is_lower_cased_hyphens_kept_and_not_hashed():
    payload, notes = facebook("MADID", "6D92078A-8246-4BA4-AE5B-76104861E7DC")
    assert payload == "6d92078a-8246-4ba4-ae5b-76104861e7dc"
    assert not_matchable(notes) == []


def test_an_all_zero_idfa_is_sent_but_not_matchable():
    payload, notes = facebook("MADID", "00000000-0000-0000-0000-000000000000")
    assert payload == "00000000-0000-0000-0000-000000000000"
    assert not_matchable(notes) == [
        "MADID: 00000000-0000-0000-0000-000000000000 is an all-zero IDFA (the device limits ad tracking): not matchable"
    ]


def test_facebook_extern_id_goes_exactly_as_it_is():
    payload, notes = facebook("EXTERN_ID", " U-1001 ")
    assert payload == " U-1001 "
    assert not_matchable(notes) == []


def test_a_value_that_already_looks_hashed_is_hashed_again_and_noted():
    hashed = sha256("ann@example.com")
    payload, notes = facebook("EMAIL", hashed.upper())
    assert payload == sha256(hashed)  # trimmed and lower-cased like any email, then hashed again
    [note] = not_matchable(notes)
    assert note.startswith(f"EMAIL: {hashed.upper()} already looks hashed (64 hex digits): hashed again")
    assert "will not match a double-hashed value" in note


# -- Google -----------------------------------------------------------------------------------------------------


def test_google_email_is_trimmed_lower_cased_and_hashed():
    payload, notes = google("email", " Ann@Example.com")
    assert payload == sha256("ann@example.com")
    assert not_matchable(notes) == []


def test_google_email_without_a_domain_is_not_matchable():
    payload, notes = google("email", "ann")
    assert payload == sha256("ann")
    assert not_matchable(notes) == ['email: "ann" is not an email address (it needs an @ and a domain): not matchable']


@pytest.mark.parametrize(
    ("value", "country", "e164"),
    [
        ("+1 (415) 555-0100", None, "+14155550100"),
        ("00 44 20 7946 0958", None, "+442079460958"),
        ("020 7946 0958", "44", "+442079460958"),
        ("(415) 555-0100", "1", "+14155550100"),
    ],
)
def test_google_phone_is_hashed_in_e164_with_the_plus(value, country, e164):
    payload, notes = google("phone", value, country)
    assert payload == sha256(e164)
    assert not_matchable(notes) == []


def test_google_phone_without_a_country_code_and_no_default_is_sent_as_is_and_not_matchable():
    payload, notes = google("phone", "020 7946 0958")
    assert payload == sha256("020 7946 0958")
    [note] = not_matchable(notes)
    assert note.startswith('phone: "020 7946 0958" has no country code')


def test_google_mobile_advertising_id_goes_as_it_is_unhashed():
    payload, notes = google("mobile_advertising_id", "6D92078A-8246-4BA4-AE5B-76104861E7DC")
    assert payload == "6D92078A-8246-4BA4-AE5B-76104861E7DC"
    assert not_matchable(notes) == []
    payload, notes = google("mobile_advertising_id", "00000000-0000-0000-0000-000000000000")
    assert payload == "00000000-0000-0000-0000-000000000000"
    assert len(not_matchable(notes)) == 1


def test_google_crm_id_is_trimmed_and_sent_unhashed():
    payload, notes = google("crm_id", "  CRM-004211 ")
    assert payload == "CRM-004211"
    assert "crm_id: crm_id trimmed, sent unhashed (Google Ads Remarketing Lists takes crm_id unhashed)" in notes


def test_event_destinations_still_get_raw_values():
    [event] = simulate(one_row("braze", "FN"), [profile_line("p1", [identifier("crm_id", " O'Brien ")])])
    assert event["payload"]["properties"]["FN"] == " O'Brien "


# -- Google Ads Remarketing Lists under Default setup: the most recent matcher value, one row per member ----------

GOOGLE_DEFAULT = """
[[destinations]]
key = "gads_mobile"
type = "google_ads_remarketing_lists"
name = "Google (mobile)"
external_id_type = "mobile_id"

[[audiences]]
key = "vip"
name = "VIP"

[[audiences.connections]]
destination = "{destination}"
send_mobile_ids = {mobile}
"""


def google_default(destination: str = "gads", mobile: str = "true") -> str:
    return GOOGLE_DEFAULT.format(destination=destination, mobile=mobile)


def test_google_default_with_three_emails_sends_one_row_with_the_latest_added():
    emails = [
        identifier("email", "second@x.example", "2024-02-01T00:00:00Z"),
        identifier("email", "Latest@X.example", "2024-03-01T00:00:00Z"),
        identifier("email", "first@x.example", "2024-01-01T00:00:00Z"),
    ]
    events = simulate(google_default(), [profile_line("p1", [identifier("user_id", "u1"), *emails])])
    assert [e["payload"] for e in events] == [{"email": sha256("latest@x.example")}]
    assert (
        "email: the most recently added (Latest@X.example, added 2024-03-01T00:00:00Z) is sent; 2 older values not sent"
        in events[0]["notes"]
    )


def test_google_default_exit_removes_the_latest_email_only():
    space = space_from(google_default())
    emails = [identifier("email", "a@x.example", "2024-01-01T00:00:00Z"), identifier("email", "b@x.example")]
    from idsync_tui.simulator.engine import EXIT, SyncContext, build_plan, connection_events
    from idsync_tui.simulator.profiles import build_profile

    audience = space.audiences[0]
    plan = build_plan(space, audience.connections[0], {"kind": "audience", "key": "vip"}, "vip", "audience")
    profile = build_profile({"id": "p1", "identifiers": emails}, 1, space.identifier_limits())
    [event] = connection_events(plan, profile, EXIT, SyncContext("2024-06-01T10:00:00Z"))
    assert event["action"] == "remove" and event["payload"] == {"email": sha256("b@x.example")}


def test_google_default_mobile_id_list_sends_the_latest_idfa_across_ios_and_android():
    ids = [
        identifier("ios.idfa", "IOS-OLD", "2024-01-01T00:00:00Z"),
        identifier("android.idfa", "ANDROID-NEW", "2024-04-01T00:00:00Z"),
        identifier("ios.idfa", "IOS-MID", "2024-03-01T00:00:00Z"),
        identifier("email", "a@x.example", "2024-05-01T00:00:00Z"),
    ]
    events = simulate(google_default("gads_mobile"), [profile_line("p1", ids)])
    assert [e["payload"] for e in events] == [{"mobile_advertising_id": "ANDROID-NEW"}]


def test_google_default_mobile_id_list_sends_nothing_while_send_mobile_ids_is_off():
    ids = [identifier("ios.idfa", "IOS-1"), identifier("email", "a@x.example")]
    outputs = run_lines(space_from(google_default("gads_mobile", "false")), [profile_line("p1", ids)])
    assert events_of(outputs) == []
    assert "no event" in notices_of(outputs)[0].message


def test_a_hashed_value_that_normalising_changed_says_what_was_hashed():
    _, notes = facebook("ST", "California")
    assert 'ST: "California" -> "ca" before hashing' in notes
    _, notes = facebook("ST", "ca")
    assert not [note for note in notes if note.endswith("before hashing")]
