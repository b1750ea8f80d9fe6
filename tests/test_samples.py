"""The bundled demo: acme.toml validates clean and acme.profiles.jsonl has the variety the demo promises."""

from __future__ import annotations

import json
import re
import stat
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from idsync_tui import catalog
from idsync_tui.space.loader import load_space

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "sample_spaces"
ACME = SAMPLES / "acme.toml"
PROFILES = SAMPLES / "acme.profiles.jsonl"
PACKAGED_DEMO = REPO / "src" / "idsync_tui" / "demo"


def read_lines() -> list[tuple[int, dict[str, Any]]]:
    """(line number, object) for every JSON line; blank and `//` lines skipped, as the format says."""
    rows = []
    for number, raw in enumerate(PROFILES.read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith("//"):
            continue
        rows.append((number, json.loads(raw)))
    return rows


@pytest.fixture(scope="module")
def profiles() -> list[dict[str, Any]]:
    return [row for _, row in read_lines() if "id" in row]


@pytest.fixture(scope="module")
def changes() -> list[dict[str, Any]]:
    return [row for _, row in read_lines() if "at" in row]


def values(profile: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [item for item in profile["identifiers"] if item["type"] == kind]


# -- the space file -------------------------------------------------------------------------------------------


def test_acme_loads_without_loader_problems_and_names_its_profiles_file() -> None:
    result = load_space(ACME)
    assert [p.as_text() for p in result.problems] == []
    assert result.space is not None and result.space.profiles == PROFILES.name


def test_acme_validates_with_no_errors_and_no_warnings() -> None:
    from idsync_tui import rules

    assert [p.as_text() for p in rules.validate(load_space(ACME))] == []


def test_acme_shows_every_destination_type_each_strategy_and_both_setups() -> None:
    space = load_space(ACME).space
    assert {d.type for d in space.destinations} == set(catalog.DESTINATION_TYPES)
    connections = [ref.connection for ref in space.connections()]
    assert {row.strategy for c in connections for row in c.identifiers} == set(catalog.STRATEGIES)
    assert {c.setup for c in connections} == set(catalog.SETUPS)
    assert any(c.send_mobile_ids for c in connections)
    mapped = {row.segment for c in connections for row in c.identifiers}
    declared = {i.key for i in space.identifiers}
    assert {"phone", "crm_id", "first_name", "country", "gender"} <= declared <= mapped


def test_acme_has_four_audiences_and_two_journeys_with_filter_and_send_steps() -> None:
    space = load_space(ACME).space
    assert len(space.audiences) >= 4
    ops = {c.op for a in space.audiences for c in a.conditions}
    assert {">=", "=", "in", "exists"} <= ops
    assert len(space.journeys) >= 2
    for journey in space.journeys:
        assert {step.type for step in journey.steps} == {"filter", "send"}


def test_acme_explains_itself_in_comments() -> None:
    comments = [line for line in ACME.read_text(encoding="utf-8").splitlines() if line.lstrip().startswith("#")]
    assert len(comments) >= 40


# -- the profiles file ----------------------------------------------------------------------------------------


def test_every_profiles_line_is_json_a_comment_or_blank() -> None:
    for number, raw in enumerate(PROFILES.read_text(encoding="utf-8").splitlines(), start=1):
        if raw.strip() and not raw.lstrip().startswith("//"):
            assert isinstance(json.loads(raw), dict), f"line {number} is not a JSON object"


def test_there_are_fifty_or_more_profiles_with_unique_ids(profiles: list[dict[str, Any]]) -> None:
    ids = [p["id"] for p in profiles]
    assert len(ids) >= 50
    assert len(set(ids)) == len(ids)


def test_profiles_have_the_identifier_types_the_demo_maps(profiles: list[dict[str, Any]]) -> None:
    kinds = Counter(item["type"] for p in profiles for item in p["identifiers"])
    for kind in ("user_id", "email", "ios.idfa", "android.idfa", "phone", "crm_id", "anonymous_id"):
        assert kinds[kind] >= 2, kind


def test_some_profile_has_two_or_more_emails(profiles: list[dict[str, Any]]) -> None:
    assert any(len(values(p, "email")) >= 2 for p in profiles)


def test_some_profile_has_two_values_of_one_type_added_at_the_same_instant(profiles: list[dict[str, Any]]) -> None:
    def has_tie(profile: dict[str, Any]) -> bool:
        stamps = Counter((item["type"], item["added_at"]) for item in profile["identifiers"])
        return any(count >= 2 for count in stamps.values())

    assert any(has_tie(p) for p in profiles)


def test_some_profile_holds_more_values_of_a_type_than_its_limit(profiles: list[dict[str, Any]]) -> None:
    limits = dict(catalog.DEFAULT_IDENTIFIER_LIMITS)
    limits.update({i.key: i.limit for i in load_space(ACME).space.identifiers})
    assert any(
        count > limits.get(kind, catalog.DEFAULT_LIMIT)
        for p in profiles
        for kind, count in Counter(item["type"] for item in p["identifiers"]).items()
    )


def test_some_phones_carry_formatting_that_must_be_normalised(profiles: list[dict[str, Any]]) -> None:
    phones = [item["value"] for p in profiles for item in values(p, "phone")]
    assert any(re.search(r"[ ()\-.]", phone) for phone in phones)


def test_there_are_anonymous_only_profiles_and_profiles_without_identifiers(profiles: list[dict[str, Any]]) -> None:
    assert any(p["identifiers"] and {i["type"] for i in p["identifiers"]} == {"anonymous_id"} for p in profiles)
    assert any(not p["identifiers"] for p in profiles)
    assert any(p["identifiers"] and not values(p, "email") and not values(p, "user_id") for p in profiles)


def test_every_email_uses_a_reserved_example_domain(
    profiles: list[dict[str, Any]], changes: list[dict[str, Any]]
) -> None:
    emails = [item["value"] for p in profiles for item in values(p, "email")]
    emails += [c["add_identifier"]["value"] for c in changes if c.get("add_identifier", {}).get("type") == "email"]
    # A value with no @ (a malformed address, a pre-hashed one) reaches nobody; every address uses a reserved domain.
    addresses = [email for email in emails if "@" in email]
    assert addresses and all(re.search(r"@([\w-]+\.)*example\.(com|net)\s*$", email) for email in addresses)


def test_every_added_at_is_an_iso_utc_time(profiles: list[dict[str, Any]]) -> None:
    stamps = [item["added_at"] for p in profiles for item in p["identifiers"]]
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", s) for s in stamps)


# -- the timeline ---------------------------------------------------------------------------------------------


def test_eight_to_fifteen_changes_follow_the_profiles_and_name_known_profiles(
    profiles: list[dict[str, Any]], changes: list[dict[str, Any]]
) -> None:
    assert 8 <= len(changes) <= 15
    lines = read_lines()
    last_profile_line = max(n for n, row in lines if "id" in row)
    assert all(n > last_profile_line for n, row in lines if "at" in row)
    known = {p["id"] for p in profiles}
    assert all(c["profile"] in known for c in changes)
    assert any("traits" in c for c in changes) and any("add_identifier" in c for c in changes)


def test_the_timeline_adds_an_email_to_someone(changes: list[dict[str, Any]]) -> None:
    assert any(c.get("add_identifier", {}).get("type") == "email" for c in changes)


def test_each_audience_has_members_and_non_members_and_the_timeline_moves_people_both_ways(
    profiles: list[dict[str, Any]], changes: list[dict[str, Any]]
) -> None:
    from idsync_tui.simulator import membership

    space = load_space(ACME).space
    before = {p["id"]: dict(p["traits"]) for p in profiles}
    after = {key: dict(traits) for key, traits in before.items()}
    for change in sorted(changes, key=lambda c: c["at"]):
        after[change["profile"]].update(change.get("traits", {}))
    entered = exited = 0
    for audience in space.audiences:
        holds = membership.compile_conditions(audience.conditions)
        members = {key for key, traits in before.items() if holds(traits)}
        assert 0 < len(members) < len(before), audience.key
        members_after = {key for key, traits in after.items() if holds(traits)}
        entered += len(members_after - members)
        exited += len(members - members_after)
    assert entered >= 1 and exited >= 1


# -- packaging ------------------------------------------------------------------------------------------------


def test_the_package_demo_folder_is_a_link_to_sample_spaces() -> None:
    # A link in the repository; an sdist holds copies (setuptools follows the link), checked to be the same bytes.
    if (REPO / ".git").exists():
        assert PACKAGED_DEMO.is_symlink()
    for name in (ACME.name, PROFILES.name, "space-file.schema.json"):
        assert (PACKAGED_DEMO / name).read_bytes() == (ACME.parent / name).read_bytes()


def test_the_demo_ships_in_the_wheel_as_real_files(built_wheel: Path) -> None:
    wheel = built_wheel
    with zipfile.ZipFile(wheel) as archive:
        for source in (ACME, PROFILES):
            info = archive.getinfo(f"idsync_tui/demo/{source.name}")
            assert not stat.S_ISLNK(info.external_attr >> 16)
            assert archive.read(info) == source.read_bytes()


def test_the_broken_samples_do_not_ship_in_the_wheel(built_wheel: Path) -> None:
    names = zipfile.ZipFile(built_wheel).namelist()
    assert not [name for name in names if "broken" in name]


# -- the demo shows every platform normalisation and every value a platform cannot match -----------------------------


def test_acme_simulated_sends_every_facebook_and_google_key_and_each_not_matchable_case() -> None:
    import io
    from argparse import Namespace

    from idsync_tui.simulator.command import run_simulate

    out, err = io.StringIO(), io.StringIO()
    args = Namespace(space=str(ACME), profiles=None, audience=None, journey=None, format="jsonl", timeline=True)
    assert run_simulate(args, out, err) == 0
    events = [json.loads(line) for line in out.getvalue().splitlines()]
    destinations = {d.key: d.type for d in load_space(ACME).space.destinations}
    sent_keys = {(destinations[e["destination"]], key) for e in events if e["call"] == "list" for key in e["payload"]}
    every_key = {(kind, key) for kind, table in catalog.NORMALISATION.items() for key in table}
    assert every_key <= sent_keys, every_key - sent_keys
    notes = "\n".join(note for e in events for note in e["notes"])
    for shown in (
        "has no country code and the space sets no default_phone_country_code",
        "is not an email address",
        "is an all-zero IDFA",
        "already looks hashed (64 hex digits): hashed again",
        "is not a gender Facebook reads",
        "is not a 2-letter ISO 3166-1 country code",
        '"O\'Brien-Okafor" -> "obrienokafor"',
        '"New York" -> "newyork"',
        '"California" -> "ca"',
        '"94107-1234" -> "94107"',
        '"Female" -> "f"',
        '"3" -> "03"',
        "the most recently added",
    ):
        assert shown in notes, shown
    assert "match readiness" in err.getvalue()
