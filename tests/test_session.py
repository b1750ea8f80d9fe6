"""The editing session: refusals come from the rules table, and the incremental refresh agrees with a full reload."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from idsync_tui import rules
from idsync_tui.session import Session
from idsync_tui.space.loader import parse_text
from idsync_tui.space.model import IdRow

ROOT = Path(__file__).parents[1]
APP_SPACE = ROOT / "tests" / "app" / "space.toml"
DEMO = ROOT / "sample_spaces" / "acme.toml"


def session_for(tmp_path: Path, source: Path = APP_SPACE) -> Session:
    target = tmp_path / source.name
    shutil.copyfile(source, target)
    return Session.open(target)


LINE_MENTION = re.compile(r" \(first at line \d+\)")


def placeless(problems) -> set[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    """Problems without line numbers (in the field or the message): an incrementally rebuilt entry has no lines
    until the text is read again."""
    return {(p.code, p.where, LINE_MENTION.sub("", p.message)) for p in problems}


def full_reload(session: Session) -> set[tuple[str, str, str]]:
    return placeless(rules.validate(parse_text(session.document.text, str(session.path))))


def test_a_fourth_all_is_refused_with_the_rule_s_message(tmp_path: Path) -> None:
    session = session_for(tmp_path)
    ref = session.connection_ref(("audiences", 0, "connections", 0))
    assert ref is not None
    refused = session.strategy_allowed(ref, 3, "all")
    assert refused is not None and refused.code == "IDS103"
    assert refused.message == "4 identifiers use strategy all; at most 3 may"
    assert session.strategy_allowed(ref, 3, "first_added") is None


def test_a_second_extra_google_row_is_refused_but_a_flagged_rule_is_not(tmp_path: Path) -> None:
    session = session_for(tmp_path)
    google = session.connection_ref(("audiences", 1, "connections", 1))
    facebook = session.connection_ref(("audiences", 1, "connections", 0))
    assert google is not None and facebook is not None
    refused = session.row_allowed(google, None, IdRow("user_id", "crm_id"))
    assert refused is not None and refused.code == "IDS107"
    # IDS104 (an IDFA with Send Mobile IDs off) is flagged on the row, not refused.
    assert session.row_allowed(facebook, 0, IdRow("ios.idfa", "MADID")) is None
    # IDS105 (a key Facebook does not offer) is refused.
    refused = session.row_allowed(facebook, 0, IdRow("email", "E_MAIL"))
    assert refused is not None and refused.code == "IDS105"


def test_an_edit_rebuilds_only_the_entry_it_touched(tmp_path: Path) -> None:
    session = session_for(tmp_path, DEMO)
    before = session.space
    outcome = session.edit(lambda d: d.set_row(("audiences", 1, "connections", 0), 0, strategy="all"), "x")
    assert outcome.ok
    after = session.space
    assert after.audiences[1] is not before.audiences[1]
    assert all(after.audiences[i] is before.audiences[i] for i in range(len(before.audiences)) if i != 1)
    assert after.journeys is before.journeys
    assert placeless(session.problems) == full_reload(session)


EDITS = [
    lambda d: d.set_row(("audiences", 0, "connections", 0), 3, strategy="all"),
    lambda d: d.set_row(("audiences", 1, "connections", 0), 0, segment="ios.idfa"),
    lambda d: d.set_row(("audiences", 0, "connections", 1), 0, destination=" "),
    lambda d: d.set_connection(("audiences", 0, "connections", 0), "send_track", False),
    lambda d: d.set_connection(("audiences", 1, "connections", 0), "send_mobile_ids", True),
    lambda d: d.set_connection(("audiences", 2, "connections", 0), "setup", "customized"),
    lambda d: d.add_row(("audiences", 1, "connections", 1), "user_id", "crm_id"),
    lambda d: d.add_row(("audiences", 0, "connections", 1), "email", "email"),
    lambda d: d.remove_row(("audiences", 0, "connections", 0), 0),
    lambda d: d.move_row(("audiences", 1, "connections", 1), 0, 1),
    lambda d: d.rename_audience("defaults", new_key="lists"),
    lambda d: d.rename_audience("lists", name="Renamed"),
    lambda d: d.add_destination("extra", "actions", "Extra"),
    lambda d: d.rename_destination("braze", new_key="braze2"),
    lambda d: d.remove_connection(("audiences", 2, "connections", 0)),
    lambda d: d.add_audience("new_one", "New one"),
    lambda d: d.set_connection(("journeys", 0, "steps", 0, "connections", 0), "setup", "customized"),
]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, len(EDITS) - 1), st.sampled_from(["edit", "undo", "redo"])), max_size=12))
def test_incremental_refresh_always_agrees_with_a_full_reload(tmp_path: Path, steps) -> None:  # type: ignore[no-untyped-def]
    session = session_for(tmp_path)
    for index, action in steps:
        if action == "edit":
            session.edit(EDITS[index], "edit")
        elif action == "undo":
            session.undo()
        else:
            session.redo()
        assert placeless(session.problems) == full_reload(session)
        reread = parse_text(session.document.text).space
        assert reread is not None
        assert strip_lines(session.space.audiences) == strip_lines(reread.audiences)


def strip_lines(audiences):  # type: ignore[no-untyped-def]
    """Audiences with every line number cleared, to compare models built with and without text."""

    def clear(obj):  # type: ignore[no-untyped-def]
        changes = {"line": None}
        for name in ("conditions", "connections", "identifiers"):
            if hasattr(obj, name):
                changes[name] = tuple(clear(child) for child in getattr(obj, name))
        return obj._replace(**changes)

    return [clear(audience) for audience in audiences]


@pytest.mark.parametrize("source", [APP_SPACE, DEMO], ids=["app-space", "demo"])
def test_after_saving_lines_are_exact_again(tmp_path: Path, source: Path) -> None:
    session = session_for(tmp_path, source)
    session.edit(lambda d: d.set_connection(("audiences", 0, "connections", 0), "send_identify", True), "x")
    session.document.save()
    session.refresh()
    assert session.problems == rules.validate(parse_text(session.document.text, str(session.path)))


def test_find_returns_references_into_the_model_and_no_screen(tmp_path: Path) -> None:
    session = session_for(tmp_path)
    space = session.space
    audience = space.audiences[0]
    connection = audience.connections[0]
    row = connection.identifiers[1]

    found = session.find(row.where)
    assert found is not None
    assert (found.section, found.target, found.row) == ("audiences", row, 1)
    assert found.ref is not None and found.ref.connection is connection and found.ref.audience is audience

    found = session.find(connection.where)
    assert found is not None and found.target is connection and found.row is None

    destination = space.destinations[0]
    found = session.find(destination.where)
    assert found is not None and (found.section, found.target, found.ref) == ("destinations", destination, None)

    found = session.find(audience.where + ".conditions[1]")
    assert found is not None and found.target is audience

    found = session.find("identifiers[phone]")
    assert found is not None and (found.section, found.target) == ("identifiers", None)
    assert session.find("version") is None


def test_a_connection_is_named_the_same_way_everywhere(tmp_path: Path) -> None:
    """One home for the owner and connection labels (the editor's title, its row dialog, the Profiles screen)."""
    space = session_for(tmp_path).space
    refs = list(space.connections())
    audience_ref = next(r for r in refs if r.audience is not None)
    step_ref = next(r for r in refs if r.journey is not None)
    assert audience_ref.audience is not None
    assert audience_ref.owner_label == f"audience {audience_ref.audience.key}"
    assert audience_ref.label == f"audience {audience_ref.audience.key} → {audience_ref.connection.destination}"
    assert step_ref.journey is not None and step_ref.step is not None
    assert step_ref.label == (
        f"journey {step_ref.journey.key}, step {step_ref.step.key} → {step_ref.connection.destination}"
    )


# -- the connection rules' results worked out elsewhere (the parse child: space/parse_ahead.py) ----------------


def test_rule_results_given_at_open_are_used_for_the_owners_they_fit(tmp_path: Path) -> None:
    computed = session_for(tmp_path)
    checked = rules.check_owners(computed.space)
    assert any(checked.audiences) or any(checked.journeys)  # problems to compare
    given = Session(computed.document, checked=checked)
    assert given.problems == computed.problems
    # A result that was not computed here shows up: the session took it instead of checking that owner itself.
    marker = rules.Problem("IDS201", "given at open", computed.space.audiences[0].where, 1, None, checked.file)
    doctored = checked._replace(audiences=[[marker], *checked.audiences[1:]])
    seeded = Session(computed.document, checked=doctored)
    assert marker in seeded.problems
    # ... and an edit to that audience checks it again.
    outcome = seeded.edit(lambda d: d.set_connection(("audiences", 0, "connections", 0), "send_track", False), "x")
    assert outcome.ok and marker not in seeded.problems
    assert placeless(seeded.problems) == full_reload(seeded)


def test_rule_results_that_do_not_fit_the_space_are_ignored(tmp_path: Path) -> None:
    computed = session_for(tmp_path)
    checked = rules.check_owners(computed.space)
    marker = rules.Problem("IDS201", "given at open", computed.space.audiences[0].where, 1, None, checked.file)
    doctored = checked._replace(audiences=[[marker], *checked.audiences[1:]])
    for unfit in (
        doctored._replace(file=str(tmp_path / "other.toml")),  # another file's
        doctored._replace(audiences=doctored.audiences[:-1]),  # a space with fewer audiences
        doctored._replace(journeys=[*doctored.journeys, []]),  # ... or more journeys
    ):
        assert Session(computed.document, checked=unfit).problems == computed.problems
