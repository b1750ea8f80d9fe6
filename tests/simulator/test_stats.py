"""Connection stats over a tiny profiles file (numbers worked out by hand) and the marks of each strategy."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from idsync_tui.simulator.profiles import build_profile
from idsync_tui.simulator.stats import (
    identity_graph,
    index_profiles,
    read_line_at,
    stats_for_file,
    strategy_picks,
)
from idsync_tui.space.model import Space
from tests.simulator.simhelpers import identifier, profile_line, space_from


def vip_space(email_strategy: str = "last_added", setup: str = "customized") -> Space:
    return space_from(f"""
[[audiences]]
key = "vip"
name = "VIP"

[[audiences.conditions]]
trait = "ltv"
op = ">="
value = 100

[[audiences.connections]]
destination = "braze"
setup = "{setup}"
send_mobile_ids = true

[[audiences.connections.identifiers]]
segment = "email"
destination = "email"
strategy = "{email_strategy}"

[[audiences.connections.identifiers]]
segment = "ios.idfa"
destination = "idfa"
strategy = "all"

[[audiences.connections.identifiers]]
segment = "phone"
destination = "phone"
strategy = "first_added"

[[journeys]]
key = "trip"
name = "Trip"

[[journeys.steps]]
key = "big"
type = "filter"

[[journeys.steps.conditions]]
trait = "ltv"
op = ">="
value = 300

[[journeys.steps]]
key = "send"
type = "send"

[[journeys.steps.connections]]
destination = "fb"
setup = "default"
send_mobile_ids = true
""")


T1, T2, T3 = "2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z", "2024-03-01T00:00:00Z"

# Members of vip (ltv >= 100 and an identifier other than anonymous_id): a, b, e, f.
#   a: 2 emails (one sent), 2 IDFAs (all: 2), 1 phone          -> 1 x 2 x 1 = 2 events
#   b: 1 email, 1 phone                                         -> 1 event
#   e: only a user_id, which the connection does not map        -> 0 events (a member sending nothing)
#   f: 3 IDFAs, 2 phones (first_added: 1)                       -> 3 events
# c has only an anonymous_id (include_anonymous is off); d has ltv 50.
LINES = [
    profile_line(
        "a",
        [
            identifier("email", "a-old@x.example", T1),
            identifier("email", "a-new@x.example", T2),
            identifier("ios.idfa", "IDFA-A1", T1),
            identifier("ios.idfa", "IDFA-A2", T2),
            identifier("phone", "+1 555 0101", T1),
        ],
        {"ltv": 200},
    ),
    profile_line("b", [identifier("email", "b@x.example"), identifier("phone", "+1 555 0102")], {"ltv": 150}),
    profile_line("c", [identifier("anonymous_id", "anon-c")], {"ltv": 300}),
    "{this line is not JSON",
    profile_line("d", [identifier("email", "d@x.example")], {"ltv": 50}),
    profile_line("e", [identifier("user_id", "u-e")], {"ltv": 120}),
    profile_line(
        "f",
        [
            identifier("ios.idfa", "IDFA-F1", T1),
            identifier("ios.idfa", "IDFA-F2", T2),
            identifier("ios.idfa", "IDFA-F3", T3),
            identifier("phone", "+1 555 0106", T2),
            identifier("phone", "+1 555 0107", T1),
        ],
        {"ltv": 500},
    ),
    json.dumps({"at": "2024-06-01T10:03:00Z", "profile": "a", "traits": {"ltv": 1}}),
]


@pytest.fixture
def profiles(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.profiles.jsonl"
    path.write_text("\n".join(LINES) + "\n")
    return path


def test_stats_of_a_customized_connection_match_the_hand_count(profiles: Path) -> None:
    space = vip_space()
    ref = next(space.connections())
    stats = stats_for_file(space, ref, profiles)
    assert stats.profiles == 6
    assert stats.bad_lines == 1
    assert stats.members == 4
    assert stats.events == 6
    assert stats.mean_events == 1.5
    assert (stats.max_events, stats.max_profile) == (3, "f")
    assert stats.silent == 1
    assert dict(stats.identifiers) == {"email": 2, "ios.idfa": 2, "phone": 3}
    assert stats.share(3) == 0.75


def test_switching_email_to_all_raises_the_fan_out(profiles: Path) -> None:
    space = vip_space(email_strategy="all")
    stats = stats_for_file(space, next(space.connections()), profiles)
    # a now sends 2 emails x 2 IDFAs = 4 events; b 1, e 0, f 3.
    assert (stats.events, stats.max_events, stats.max_profile) == (8, 4, "a")
    assert stats.mean_events == 2.0


def test_default_setup_counts_one_event_per_default_value_and_shares_the_default_identifiers(profiles: Path) -> None:
    space = vip_space(setup="default")
    stats = stats_for_file(space, next(space.connections()), profiles)
    # Default setup on an event destination: every default identifier value is one event; phone is custom.
    # a: 2 emails + 2 IDFAs = 4; b: 1 email; e: 1 user_id; f: 3 IDFAs.
    assert (stats.members, stats.events, stats.max_events, stats.silent) == (4, 9, 4, 0)
    shares = dict(stats.identifiers)
    assert "phone" not in shares
    assert (shares["email"], shares["ios.idfa"], shares["user_id"]) == (2, 2, 1)


def test_a_journey_send_step_counts_the_profiles_that_pass_its_filters(profiles: Path) -> None:
    space = vip_space()
    journey_ref = list(space.connections())[1]
    assert journey_ref.step is not None and journey_ref.step.key == "send"
    stats = stats_for_file(space, journey_ref, profiles)
    # ltv >= 300 with a real identifier: only f (c is anonymous). Facebook default: IDFAs go to MADID, 3 rows.
    assert (stats.members, stats.events, stats.max_events) == (1, 3, 3)


def test_strategy_picks_follow_added_at_and_break_ties_by_file_order() -> None:
    profile = build_profile(
        {
            "id": "p",
            "identifiers": [
                identifier("email", "late@x.example", T3),
                identifier("email", "early@x.example", T1),
                identifier("phone", "tie-1", T2),
                identifier("phone", "tie-2", T2),
            ],
        },
        1,
        {},
    )
    picks = strategy_picks(profile)
    assert picks["email"] == {
        "first_added": ["early@x.example"],
        "last_added": ["late@x.example"],
        "all": ["early@x.example", "late@x.example"],
    }
    assert picks["phone"] == {"first_added": ["tie-1"], "last_added": ["tie-2"], "all": ["tie-1", "tie-2"]}


def test_identity_graph_orders_by_added_at_marks_picks_and_shows_values_over_the_limit(tmp_path: Path) -> None:
    emails = [identifier("email", f"e{n}@x.example", f"2024-01-0{n}T00:00:00Z") for n in range(1, 5)]
    path = tmp_path / "p.jsonl"
    path.write_text("// a comment\n" + profile_line("p", [identifier("user_id", "u-1", T2), *emails]) + "\n")
    limits = {"email": 3, "user_id": 1}
    index = index_profiles(path, limits)
    profile = index.profiles[0]
    graph = identity_graph(profile, read_line_at(path, index.offsets[0]), limits)
    assert [(g.type, g.value, g.marks, g.dropped) for g in graph] == [
        ("email", "e1@x.example", ("first_added", "all"), False),
        ("email", "e2@x.example", ("all",), False),
        ("email", "e3@x.example", ("last_added", "all"), False),
        ("email", "e4@x.example", (), True),  # the 4th email is over the limit of 3: never sent
        ("user_id", "u-1", ("first_added", "last_added", "all"), False),
    ]
    assert graph[3].added_at == "2024-01-04T00:00:00"


def test_index_profiles_caps_the_list_and_counts_changes_and_bad_lines(profiles: Path) -> None:
    index = index_profiles(profiles, {}, cap=3)
    assert [p.id for p in index.profiles] == ["a", "b", "c"]
    assert index.more is True
    full = index_profiles(profiles, {})
    assert (len(full.profiles), full.more, full.changes, [b.line for b in full.bad_lines]) == (6, False, 1, [4])
    assert "ltv=200" in full.haystacks[0] and "a-new@x.example" in full.haystacks[0]


def test_the_stats_module_does_not_import_textual() -> None:
    code = "import sys, idsync_tui.simulator.stats; print('textual' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_stats_of_a_list_connection_give_the_share_of_sent_values_each_platform_can_match(tmp_path: Path) -> None:
    space = vip_space()
    ref = [r for r in space.connections() if r.connection.destination == "fb"][0]
    path = tmp_path / "readiness.jsonl"
    lines = [
        profile_line(
            "g",
            [
                identifier("email", "g@x.example"),
                identifier("email", "not-an-email"),
                identifier("ios.idfa", "00000000-0000-0000-0000-000000000000"),
                identifier("ios.idfa", "6D92078A-8246-4BA4-AE5B-76104861E7DC"),
            ],
            {"ltv": 400},
        ),
        profile_line("h", [identifier("email", "h@x.example")], {"ltv": 400}),
    ]
    path.write_text("\n".join(lines) + "\n")
    stats = stats_for_file(space, ref, path)
    assert stats.readiness == (("email", 3, 2), ("ios.idfa", 2, 1), ("android.idfa", 0, 0))


def test_stats_of_an_event_destination_have_no_readiness(profiles: Path) -> None:
    space = vip_space()
    assert stats_for_file(space, next(space.connections()), profiles).readiness == ()
