"""The Profiles screen (4) and the editor's stats, driven by keys at 80x24 on a copy of the demo space."""

from __future__ import annotations

import argparse
import io
import json
import re
import shutil
from pathlib import Path

import pytest
from rich.console import Console
from textual.widgets import Select, Static

from idsync_tui.simulator.command import run_simulate
from idsync_tui.ui.screens.profiles import ProfilesScreen, ProfilesTable
from idsync_tui.ui.widgets.stats import ConnectionStats
from tests.app.apphelpers import make_app, open_connection

DEMO = Path(__file__).parents[2] / "sample_spaces"
SIZE = (80, 24)


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("acme.toml", "acme.profiles.jsonl"):
        shutil.copyfile(DEMO / name, tmp_path / name)
    return Path("acme.toml")


async def show_profiles(pilot) -> ProfilesScreen:  # type: ignore[no-untyped-def]
    await pilot.press("4")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, ProfilesScreen)
    return screen


def listed_ids(screen: ProfilesScreen) -> list[str]:
    table = screen.query_one(ProfilesTable)
    return [str(table.get_row_at(i)[0]) for i in range(table.row_count)]


def graph_lines(screen: ProfilesScreen) -> list[str]:
    """The profile pane as text, wide enough that no value folds."""
    console = Console(width=200, file=io.StringIO(), record=True, color_system=None)
    console.print(screen.query_one("#profile", Static).content)
    return [line.rstrip() for line in console.export_text().splitlines()]


def marks_of(lines: list[str], value: str) -> str:
    """What the graph shows after `value` on its row (its strategy marks, or the dropped note)."""
    row = next(line for line in lines if f" {value} " in line + " ")
    return re.sub(r"\s+", " ", row.split(value, 1)[1]).strip()


def simulated() -> tuple[list[dict], list[str]]:  # type: ignore[type-arg]
    """`idsync-tui simulate acme.toml` in both formats: the events (jsonl) and the text lines."""
    outputs = []
    for fmt in ("jsonl", "text"):
        out = io.StringIO()
        args = argparse.Namespace(space="acme.toml", profiles=None, audience=None, journey=None, format=fmt)
        assert run_simulate(args, out, io.StringIO()) == 0
        outputs.append(out.getvalue().splitlines())
    events = [json.loads(line) for line in outputs[0]]
    return events, outputs[1]


def without_seq(event: dict) -> dict:  # type: ignore[type-arg]
    return {k: v for k, v in event.items() if k != "seq"}


async def test_the_profiles_screen_lists_the_demo_profiles(demo: Path) -> None:
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await show_profiles(pilot)
        ids = listed_ids(screen)
        assert len(ids) == 60
        assert ids[:3] == ["p-0001", "p-0002", "p-0003"]
        assert "60 profiles" in str(screen.query_one("#count", Static).content)
        table = screen.query_one(ProfilesTable)
        # p-0003 is anonymous only: 2 identifiers, in no audience.
        assert [str(c) for c in table.get_row_at(2)] == ["p-0003", "2", "-"]


async def test_search_filters_by_id_identifier_value_and_trait_and_escape_clears_it(demo: Path) -> None:
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await show_profiles(pilot)
        await pilot.press("slash", *"cy+travel", "enter")
        await pilot.pause()
        assert listed_ids(screen) == ["p-0005"]  # an identifier value
        assert "1 of 60 match" in str(screen.query_one("#count", Static).content)
        await pilot.press("escape")
        await pilot.pause()
        assert len(listed_ids(screen)) == 60
        await pilot.press("slash", *"loyalty_tier=gold", "enter")  # a trait, as key=value
        await pilot.pause()
        ids = listed_ids(screen)
        assert "p-0001" in ids and all(
            "loyalty_tier=gold" in screen.index.haystacks[int(i[2:]) - 1]
            for i in ids  # type: ignore[union-attr]
        )
        await pilot.press("escape", "slash", *"p-0042", "enter")  # an id
        await pilot.pause()
        assert listed_ids(screen) == ["p-0042"]


async def test_the_identity_graph_marks_the_value_each_strategy_picks(demo: Path) -> None:
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await show_profiles(pilot)
        lines = graph_lines(screen)  # p-0001, Ann: two emails, two IDFAs, one user_id
        assert lines[0].startswith("p-0001")
        assert marks_of(lines, "ann.lee@old-employer.example.com") == "◀ first all"
        assert marks_of(lines, "Ann.Lee@example.net") == "◀ last all"  # added later: last_added
        assert marks_of(lines, "6D92078A-8246-4BA4-AE5B-76104861E7DC") == "◀ first all"
        assert marks_of(lines, "0C7A3B1E-55D4-4C1F-9A0E-3F2B7D8E9A10") == "◀ last all"
        assert marks_of(lines, "u-1001") == "◀ first last all"  # one value: every strategy sends it
        # Ordered by added_at: the old email (2023-11-02) before the IDFAs, the new email (2024-03-02) last.
        order = ("ann.lee@old-employer", "6D92078A", "0C7A3B1E", "Ann.Lee@example.net")
        positions = [next(i for i, line in enumerate(lines) if v in line) for v in order]
        assert positions == sorted(positions)

        await pilot.press("down")  # p-0002, Bo: two emails added at the same instant; file order breaks the tie
        await pilot.pause()
        lines = graph_lines(screen)
        assert marks_of(lines, "bo.nilsen@example.com") == "◀ first all"
        assert marks_of(lines, "bo@nilsen-family.example.net") == "◀ last all"

        await pilot.press("down", "down", "down")  # p-0005, Cy: seven emails, identity resolution keeps five
        await pilot.pause()
        lines = graph_lines(screen)
        assert marks_of(lines, "cy+shop@example.com") == "◀ first all"
        assert marks_of(lines, "cy+news@example.com") == "◀ all"
        assert marks_of(lines, "cy+travel@example.com") == "◀ last all"
        assert marks_of(lines, "cy+gear@example.com") == "dropped (limit 5)"
        assert marks_of(lines, "cy+old@example.com") == "dropped (limit 5)"


async def test_the_events_shown_for_a_connection_are_what_simulate_prints(demo: Path) -> None:
    events, text = simulated()
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await show_profiles(pilot)
        select = screen.query_one("#connection", Select)
        # p-0001 is in high_value first: its first connection (fb) is the default.
        assert screen.selected_ref().connection.where == "audiences[high_value].connections[fb]"  # type: ignore[union-attr]
        for where, source, destination in [
            ("audiences[high_value].connections[fb]", "audience high_value", "fb"),
            ("audiences[high_value].connections[gads]", "audience high_value", "gads"),
            ("audiences[high_value].connections[braze]", "audience high_value", "braze"),
        ]:
            assert screen.selected_ref().connection.where == where  # type: ignore[union-attr]
            expected = [
                e
                for e in events
                if e["profile"] == "p-0001" and e["source"]["key"] == "high_value" and e["destination"] == destination
            ]
            shown = [o for o in screen.shown_events if isinstance(o, dict)]
            assert expected and [without_seq(e) for e in shown] == [without_seq(e) for e in expected]
            # On screen: the same lines `simulate --format text` prints, numbered from 1 for this profile.
            on_screen = [
                line for line in str(screen.query_one("#events", Static).content).splitlines() if line.startswith("#")
            ]
            printed = [line for line in text if f"{source} -> {destination} p-0001 " in line]
            assert [re.sub(r"^#\d+ ", "", line) for line in on_screen] == [
                re.sub(r"^#\d+ ", "", line) for line in printed
            ]
            await pilot.press("n")
            await pilot.pause()
        assert select.value == 3  # n moved through the connections in file order


async def test_a_profile_outside_the_connections_audience_gets_no_events(demo: Path) -> None:
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await show_profiles(pilot)
        await pilot.press("down", "down")  # p-0003: anonymous only, in no audience
        await pilot.pause()
        assert "Member of: nothing" in "\n".join(graph_lines(screen))
        assert "is not a member of" in str(screen.query_one("#events", Static).content)
        assert screen.shown_events == []


async def test_a_space_without_profiles_says_how_to_set_them(space_file: Path) -> None:
    app = make_app(space_file)
    async with app.run_test(size=SIZE) as pilot:
        screen = await show_profiles(pilot)
        assert listed_ids(screen) == []
        message = str(screen.query_one("#profile", Static).content)
        assert 'profiles = "FILE.jsonl"' in message and "[space]" in message


async def test_the_editor_shows_connection_stats_and_all_raises_the_max_events_per_member(demo: Path) -> None:
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        await open_connection(pilot, 0, 0)  # high_value -> fb: email last_added, ios.idfa all, phone first_added
        await app.workers.wait_for_complete()
        stats = app.screen.query_one(ConnectionStats)
        shown = str(stats.render())
        assert "19 members · 19 events · per member: mean 1.00, max 2" in shown
        assert "email 63% · ios.idfa 42% · phone 53% · country 16%" in shown
        await pilot.press("A")  # row 1 (email) -> all: Ann's 2 emails x 2 IDFAs = 4 events
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen.query_one("#rows").get_row_at(0)[3].plain == "all"  # type: ignore[attr-defined]
        stats = app.screen.query_one(ConnectionStats)
        assert stats.result is not None and (stats.result.max_events, stats.result.max_profile) == (4, "p-0001")
        assert "max 4" in str(stats.render())
        await pilot.press("u")
        await pilot.pause()
        assert "max 2" in str(app.screen.query_one(ConnectionStats).render())
