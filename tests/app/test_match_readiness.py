"""Issue 9 in the app: the default phone country code is edited from the Destinations screen (undoable, saved as
one line), and the ID Sync editor's stats show how much of what a Facebook / Google connection sends can match."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from idsync_tui.ui.screens.destinations import DestinationsScreen
from idsync_tui.ui.screens.dialogs import FormDialog
from idsync_tui.ui.widgets.stats import ConnectionStats
from tests.app.apphelpers import changed_lines, make_app, open_connection

DEMO = Path(__file__).parents[2] / "sample_spaces"


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("acme.toml", "acme.profiles.jsonl"):
        shutil.copyfile(DEMO / name, tmp_path / name)
    return Path("acme.toml")


async def test_p_on_destinations_sets_the_phone_country_code_and_u_undoes_it(demo: Path) -> None:
    before = demo.read_text()
    app = make_app(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        assert isinstance(app.screen, DestinationsScreen)
        assert "sent as is, not matchable (P sets a default country code)" in str(
            app.screen.query_one("#detail").render()
        )
        await pilot.press("P")
        assert isinstance(app.screen, FormDialog)
        await pilot.press(*"0044", "enter")  # refused in the dialog: leading zeros
        assert isinstance(app.screen, FormDialog)
        assert "1 to 3 digits" in str(app.screen.query_one("#message").render())
        await pilot.press(*["backspace"] * 4, *"44", "enter")
        await pilot.pause()
        assert isinstance(app.screen, DestinationsScreen)
        assert app.session.space.default_phone_country_code == "44"
        assert "+44 put in front" in str(app.screen.query_one("#detail").render())
        await pilot.press("u")
        await pilot.pause()
        assert app.session.space.default_phone_country_code is None
        await pilot.press("U", "w")
        await pilot.pause()
    assert changed_lines(before, demo.read_text()) == ['+ default_phone_country_code = "44"']


async def test_an_empty_phone_country_code_removes_the_line(demo: Path) -> None:
    demo.write_text(
        demo.read_text().replace(
            "include_anonymous = false\n", 'include_anonymous = false\ndefault_phone_country_code = "1"\n', 1
        )
    )
    app = make_app(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3", "P")
        await pilot.press("backspace", "enter")
        await pilot.pause()
        assert app.session.space.default_phone_country_code is None
        assert '\ndefault_phone_country_code = "1"' not in app.session.document.text


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_the_editor_stats_show_the_share_of_sent_values_each_platform_can_match(
    demo: Path, size: tuple[int, int]
) -> None:
    app = make_app(demo)
    async with app.run_test(size=size) as pilot:
        await open_connection(pilot, 0, 0)  # high_value -> fb
        await app.workers.wait_for_complete()
        await pilot.pause()
        stats = app.screen.query_one(ConnectionStats)
        assert stats.result is not None
        readiness = dict((kind, (sent, ok)) for kind, sent, ok in stats.result.readiness)
        assert readiness["phone"][1] < readiness["phone"][0]  # phones without a country code cannot match
        shown = str(stats.render())
        sent, ok = readiness["phone"]
        assert f"phone {ok * 100 // sent}%" in shown.replace("  ", " ") or f"{ok:>4}/{sent}" in shown
        assert "Matchable" in shown
