"""The editing document: edits change only the lines they must, comments survive, undo gives the bytes back."""

from __future__ import annotations

import contextlib
import difflib
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from idsync_tui.space.document import (
    DestinationInUse,
    EditError,
    SaveConflict,
    SaveVerifyError,
    SpaceDocument,
)
from idsync_tui.space.loader import SpaceReadError

# The format's example (docs/space-file.md), as users will copy it.
SPEC = """\
# Acme's production space.
version = 1

[space]
key = "acme-prod"                     # required; [a-z0-9][a-z0-9_-]*
name = "Acme (production)"            # required
profiles = "acme.profiles.jsonl"      # optional: sample profiles for the simulator
include_anonymous = false             # optional (default false): anonymous_id alone qualifies a profile

# Custom identifiers. Default identifiers (user_id, email, ios.idfa, ...) are built in.
[[identifiers]]
key = "phone"                         # required; lower-case
limit = 5                             # optional (default 5): values kept per profile

[[destinations]]
key = "fb"                            # required, unique in the space
type = "facebook_custom_audiences"    # facebook_custom_audiences | google_ads_remarketing_lists | actions
name = "Facebook Custom Audiences"    # required

[[destinations]]
key = "gads"
type = "google_ads_remarketing_lists"
name = "Google Ads"
external_id_type = "email"            # google only: email | mobile_id

[[audiences]]
key = "high_value"                    # required, unique; also the trait / property name sent downstream
name = "High value customers"         # required

[[audiences.conditions]]              # all must hold for a profile to be a member (none: everyone)
trait = "lifetime_value"
op = ">="                             # = != > >= < <= in not_in exists
value = 500

[[audiences.connections]]
destination = "fb"                    # required: a destinations.key
setup = "customized"                  # default | customized   (default: "default")
send_identify = false                 # default false
send_track = true                     # default true
send_mobile_ids = true                # default false
enter_event = "Audience Entered"      # optional, default shown
exit_event = "Audience Exited"        # optional, default shown
live = true                           # optional: already syncing in production (warns IDS207)

[[audiences.connections.identifiers]]
segment = "email"                     # a default or custom identifier
destination = "EMAIL"                 # the destination's identifier
strategy = "last_added"               # last_added | first_added | all   (default: "last_added")

[[audiences.connections.identifiers]]
segment = "ios.idfa"
destination = "MADID"
strategy = "all"

[[journeys]]
key = "onboarding"
name = "New user onboarding"

[[journeys.steps]]
key = "is_pro"
type = "filter"                       # filter: profiles that fail the conditions leave the journey

[[journeys.steps.conditions]]
trait = "plan"
op = "="
value = "pro"

[[journeys.steps]]
key = "welcome_ad"
type = "send"                         # send: its connections receive the profiles that reach it

[[journeys.steps.connections]]        # same keys as audiences.connections
destination = "fb"
setup = "default"
"""

# Hand-edited: comments above, beside and below tables and keys, uneven blank lines, literal strings.
COMMENTED = """\
# Acme, hand-edited.
version = 1

[space]
key = "acme"
name = 'Acme'

# --- destinations ---
[[destinations]]
key = "fb"   # facebook
type = "facebook_custom_audiences"
name = "FB"

[[destinations]]
key = "braze"
type = "actions"
name = "Braze"
# end of destinations

# --- audiences ---
[[audiences]]
key = "a1"
name = "A one"

[[audiences.connections]]
destination = "fb"
setup = "customized"  # ID Sync on

# the email row
[[audiences.connections.identifiers]]
segment = "email"
destination = "EMAIL"   # hashed
# below email

# the phone row
[[audiences.connections.identifiers]]
segment = "phone"
destination = "PHONE"
strategy = "all"

# introduces a2
[[audiences]]
key = "a2"
name = 'A two'
[[audiences.connections]]
destination = "braze"
[[audiences.connections.identifiers]]
segment = "email"
destination = "email"
# last line comment
"""

A1_FB = ("audiences", 0, "connections", 0)
A2_BRAZE = ("audiences", 1, "connections", 0)
SPEC_FB = ("audiences", 0, "connections", 0)
SPEC_STEP_FB = ("journeys", 0, "steps", 1, "connections", 0)


def changed(before: str, after: str) -> tuple[list[str], list[str]]:
    """(lines removed, lines added), in order."""
    removed, added = [], []
    for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0):
        if line.startswith(("---", "+++", "@@")):
            continue
        (removed if line[0] == "-" else added).append(line[1:])
    return removed, added


def reads_back(document: SpaceDocument) -> None:
    assert tomllib.loads(document.text) == document.data


# -- opening and saving untouched --------------------------------------------------------------------------


@pytest.mark.parametrize("text", [SPEC, COMMENTED, COMMENTED.replace("\n", "\r\n")], ids=["spec", "commented", "crlf"])
def test_an_unedited_load_and_save_is_byte_identical(tmp_path: Path, text: str) -> None:
    path = tmp_path / "acme.toml"
    path.write_bytes(text.encode())
    document = SpaceDocument.open(path)
    document.save()
    assert path.read_bytes() == text.encode()
    assert not document.dirty


def test_opening_reads_with_tomllib_and_leaves_the_tomlkit_parse_for_the_first_edit(tmp_path: Path) -> None:
    path = tmp_path / "acme.toml"
    path.write_text(SPEC)
    document = SpaceDocument.open(path)
    assert not document.parsed
    assert document.result().space is not None and document.result().space.key == "acme-prod"
    assert not document.parsed
    document.set_row(SPEC_FB, 0, strategy="first_added")
    assert document.parsed


def test_opening_a_missing_file_raises_space_read_error(tmp_path: Path) -> None:
    with pytest.raises(SpaceReadError, match="no such file"):
        SpaceDocument.open(tmp_path / "nope.toml")


def test_a_file_that_is_not_utf8_cannot_be_opened_for_editing(tmp_path: Path) -> None:
    path = tmp_path / "latin.toml"
    path.write_bytes(b'version = 1\n[space]\nkey = "a"\nname = "Caf\xe9"\n')
    with pytest.raises(SpaceReadError, match="not UTF-8.*line 4"):
        SpaceDocument.open(path)


def test_a_file_with_a_toml_syntax_error_opens_but_edits_are_refused_with_the_reason() -> None:
    document = SpaceDocument.from_text('version = 1\n[space\nkey = "a"\n')
    assert document.result().problems[0].code == "IDS001"
    with pytest.raises(EditError, match="not valid TOML.*fix it in a text editor"):
        document.add_audience("a", "A")


# -- scalar edits --------------------------------------------------------------------------------------------


def test_setting_a_strategy_changes_that_one_line_and_keeps_its_comment_in_its_column() -> None:
    document = SpaceDocument.from_text(SPEC)
    document.set_row(SPEC_FB, 0, strategy="all")
    removed, added = changed(SPEC, document.text)
    assert removed == [
        'strategy = "last_added"               # last_added | first_added | all   (default: "last_added")'
    ]
    assert added == ['strategy = "all"                      # last_added | first_added | all   (default: "last_added")']
    assert document.undo_label == "set strategy of audiences[high_value].connections[fb].identifiers[1] to all"
    reads_back(document)


def test_setting_a_row_keeps_a_literal_string_literal_and_the_comment_beside_it() -> None:
    document = SpaceDocument.from_text(COMMENTED)
    document.set_row(A1_FB, 0, destination="PHONE")
    assert changed(COMMENTED, document.text) == (
        ['destination = "EMAIL"   # hashed'],
        ['destination = "PHONE"   # hashed'],
    )
    document.rename_audience("a2", name="Second")
    assert changed(COMMENTED, document.text)[1][-1] == "name = 'Second'"


def test_switching_setup_adds_the_key_after_the_connections_keys_before_its_rows() -> None:
    document = SpaceDocument.from_text(COMMENTED)
    document.set_connection(A2_BRAZE, "setup", "customized")
    assert changed(COMMENTED, document.text) == ([], ['setup = "customized"'])
    lines = document.text.splitlines()
    at = lines.index('setup = "customized"')
    assert lines[at - 1 : at + 2] == [
        'destination = "braze"',
        'setup = "customized"',
        "[[audiences.connections.identifiers]]",
    ]
    reads_back(document)


def test_a_new_key_goes_after_the_last_key_and_before_the_comment_that_introduces_the_rows() -> None:
    document = SpaceDocument.from_text(COMMENTED)
    document.set_connection(A1_FB, "send_mobile_ids", True)
    lines = document.text.splitlines()
    at = lines.index("send_mobile_ids = true")
    assert lines[at - 1 : at + 3] == [
        'setup = "customized"  # ID Sync on',
        "send_mobile_ids = true",
        "",
        "# the email row",
    ]


def test_setting_a_value_back_to_its_default_still_writes_it() -> None:
    document = SpaceDocument.from_text(SPEC)
    document.set_connection(SPEC_STEP_FB, "send_track", True)
    assert changed(SPEC, document.text) == ([], ["send_track = true"])
    document.set_connection(SPEC_FB, "live", False)
    assert "live = false                          # optional" in document.text


def test_setting_the_value_a_key_already_has_is_not_an_edit() -> None:
    document = SpaceDocument.from_text(SPEC)
    document.set_connection(SPEC_FB, "setup", "customized")
    assert not document.can_undo and document.text == SPEC


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("setup", "custom", 'setup is "default" or "customized"'),
        ("send_track", "yes", "send_track is true or false"),
        ("sendtrack", True, 'no setting "sendtrack". Did you mean "send_track"'),
        ("enter_event", " ", "needs an event name"),
    ],
)
def test_a_bad_connection_setting_is_refused_and_nothing_changes(key: str, value: object, message: str) -> None:
    document = SpaceDocument.from_text(SPEC)
    with pytest.raises(EditError, match=message):
        document.set_connection(SPEC_FB, key, value)
    assert document.text == SPEC and not document.can_undo


# -- identifier rows --------------------------------------------------------------------------------------------


def test_a_new_row_goes_after_the_connections_last_row_with_the_files_spacing() -> None:
    document = SpaceDocument.from_text(SPEC)
    document.add_row(SPEC_FB, "phone", "PHONE")
    removed, added = changed(SPEC, document.text)
    assert removed == []
    assert added == [
        "[[audiences.connections.identifiers]]",
        'segment = "phone"',
        'destination = "PHONE"',
        'strategy = "last_added"',
        "",
    ]
    assert '"all"\n\n[[audiences.connections.identifiers]]\nsegment = "phone"' in document.text
    assert document.data["audiences"][0]["connections"][0]["identifiers"][2]["segment"] == "phone"
    reads_back(document)


def test_a_new_row_goes_above_the_comment_that_introduces_the_next_audience() -> None:
    document = SpaceDocument.from_text(COMMENTED)
    document.add_row(A1_FB, "ios.idfa", "MADID", "all")
    text = document.text
    assert text.index('segment = "ios.idfa"') < text.index("# introduces a2") < text.index('key = "a2"')
    assert changed(COMMENTED, text)[0] == []


def test_a_row_inserted_at_an_index_goes_above_the_comment_of_the_row_it_pushes_down() -> None:
    document = SpaceDocument.from_text(COMMENTED)
    document.add_row(A1_FB, "ios.idfa", "MADID", index=1)
    text = document.text
    assert text.index("# below email") < text.index('segment = "ios.idfa"') < text.index("# the phone row")
    assert [r["segment"] for r in document.data["audiences"][0]["connections"][0]["identifiers"]] == [
        "email",
        "ios.idfa",
        "phone",
    ]
    reads_back(document)


def test_removing_a_row_deletes_only_its_lines_and_keeps_the_comment_of_the_next_one() -> None:
    document = SpaceDocument.from_text(COMMENTED)
    document.remove_row(A1_FB, 0)
    removed, added = changed(COMMENTED, document.text)
    assert removed == [
        "[[audiences.connections.identifiers]]",
        'segment = "email"',
        'destination = "EMAIL"   # hashed',
        "# below email",
    ]
    assert added == []
    assert '# the phone row\n[[audiences.connections.identifiers]]\nsegment = "phone"' in document.text
    reads_back(document)


def test_removing_a_connections_only_row_removes_the_rows_table_entirely() -> None:
    document = SpaceDocument.from_text(COMMENTED)
    document.remove_row(A2_BRAZE, 0)
    assert "identifiers" not in document.data["audiences"][1]["connections"][0]
    assert document.text.count("[[audiences.connections.identifiers]]") == 2
    reads_back(document)


def test_moving_a_row_carries_the_comment_above_it() -> None:
    document = SpaceDocument.from_text(COMMENTED)
    document.move_row(A1_FB, 1, 0)
    text = document.text
    assert text.index("# the phone row") < text.index('segment = "phone"') < text.index("# the email row")
    assert text.index("# the email row") < text.index('segment = "email"') < text.index("# below email")
    assert sorted(document.text.splitlines()) == sorted(COMMENTED.splitlines())
    assert document.undo_label == "move row 2 of audiences[a1].connections[fb] to 1"
    reads_back(document)


def test_a_row_index_out_of_range_is_refused_with_the_connection_named() -> None:
    document = SpaceDocument.from_text(SPEC)
    with pytest.raises(EditError, match=r"audiences\[high_value\]\.connections\[fb\] has no identifier row 3"):
        document.remove_row(SPEC_FB, 2)
    with pytest.raises(EditError, match='strategy is one of last_added, first_added, all.*Did you mean "all"'):
        document.set_row(SPEC_FB, 0, strategy="al")


# -- connections --------------------------------------------------------------------------------------------


def test_a_new_connection_goes_after_the_audiences_last_connection_and_its_rows() -> None:
    document = SpaceDocument.from_text(SPEC)
    document.add_connection(("audiences", 0), "gads", setup="customized", send_identify=True)
    assert changed(SPEC, document.text) == (
        [],
        ["[[audiences.connections]]", 'destination = "gads"', 'setup = "customized"', "send_identify = true", ""],
    )
    assert document.text.index('destination = "gads"') < document.text.index("[[journeys]]")
    reads_back(document)


def test_a_connection_on_a_journey_send_step_at_the_end_of_the_file_is_spaced_like_the_rest() -> None:
    document = SpaceDocument.from_text(SPEC)
    document.remove_connection(SPEC_STEP_FB)
    assert document.text.endswith("reach it\n")
    document.add_connection(("journeys", 0, "steps", 1), "gads")
    assert document.text.endswith('reach it\n\n[[journeys.steps.connections]]\ndestination = "gads"\n')
    reads_back(document)


def test_connecting_a_filter_step_or_an_unknown_destination_is_refused() -> None:
    document = SpaceDocument.from_text(SPEC)
    with pytest.raises(EditError, match="is a filter step: connect destinations to send steps"):
        document.add_connection(("journeys", 0, "steps", 0), "fb")
    with pytest.raises(EditError, match='no destination "snap" is added to the space; add it first'):
        document.add_connection(("audiences", 0), "snap")
    with pytest.raises(EditError, match="already connected to fb"):
        document.add_connection(("audiences", 0), "fb")


# -- destinations -------------------------------------------------------------------------------------------


def test_removing_a_destination_in_use_is_refused_with_the_connections_that_use_it() -> None:
    document = SpaceDocument.from_text(SPEC)
    with pytest.raises(DestinationInUse) as caught:
        document.remove_destination("fb")
    assert caught.value.users == [
        "audiences[high_value].connections[fb]",
        "journeys[onboarding].steps[welcome_ad].connections[fb]",
    ]
    assert document.text == SPEC


def test_removing_a_destination_with_cascade_is_one_edit_that_one_undo_reverses() -> None:
    document = SpaceDocument.from_text(SPEC)
    document.remove_destination("fb", cascade=True)
    assert 'destination = "fb"' not in document.text and 'key = "fb"' not in document.text
    assert document.undo_label == "remove destination fb and its 2 connections"
    assert document.last_changed == ()
    reads_back(document)
    assert document.undo() == "remove destination fb and its 2 connections"
    assert document.text == SPEC


def test_renaming_a_destination_key_renames_it_in_every_connection_in_one_edit() -> None:
    document = SpaceDocument.from_text(SPEC)
    document.rename_destination("fb", new_key="facebook")
    removed, added = changed(SPEC, document.text)
    assert [line.split("#")[0].strip() for line in added] == [
        'key = "facebook"',
        'destination = "facebook"',
        'destination = "facebook"',
    ]
    assert len(removed) == 3
    document.undo()
    assert document.text == SPEC


def test_an_unused_destination_is_removed_with_its_lines_only() -> None:
    document = SpaceDocument.from_text(SPEC)
    document.remove_destination("gads")
    block = '[[destinations]]\nkey = "gads"\ntype = "google_ads_remarketing_lists"\nname = "Google Ads"\n'
    block += 'external_id_type = "email"            # google only: email | mobile_id\n\n'
    assert block in SPEC
    assert document.text == SPEC.replace(block, "")
    reads_back(document)


def test_a_new_destination_goes_after_the_last_destination() -> None:
    document = SpaceDocument.from_text(COMMENTED)
    document.add_destination("gads", "google_ads_remarketing_lists", "Google Ads", external_id_type="mobile_id")
    text = document.text
    assert text.index('name = "Braze"') < text.index('key = "gads"') < text.index("# --- audiences ---")
    assert 'external_id_type = "mobile_id"' in text
    reads_back(document)


def test_bad_destinations_are_refused() -> None:
    document = SpaceDocument.from_text(SPEC)
    with pytest.raises(EditError, match='destinations already has "fb"'):
        document.add_destination("fb", "actions", "Again")
    with pytest.raises(EditError, match='Did you mean "actions"'):
        document.add_destination("snap", "action", "Snap")
    with pytest.raises(EditError, match="applies only to google"):
        document.add_destination("snap", "actions", "Snap", external_id_type="email")


# -- audiences, journeys, steps -----------------------------------------------------------------------------


def test_a_new_audience_goes_after_the_last_audience_and_its_sub_tables() -> None:
    document = SpaceDocument.from_text(SPEC)
    document.add_audience("churned", "Churned")
    text = document.text
    assert text.index('strategy = "all"') < text.index('key = "churned"') < text.index("[[journeys]]")
    assert changed(SPEC, text) == ([], ["[[audiences]]", 'key = "churned"', 'name = "Churned"', ""])
    assert document.last_changed == ("audiences", 1)


def test_the_first_journey_of_a_space_goes_at_the_end_after_the_audiences() -> None:
    document = SpaceDocument.from_text(COMMENTED)
    document.add_journey("welcome", "Welcome")
    document.add_step("welcome", "send_it", "send")
    document.add_connection(("journeys", 0, "steps", 0), "fb")
    assert document.text.startswith(COMMENTED)
    assert document.text.endswith('[[journeys.steps.connections]]\ndestination = "fb"\n')
    reads_back(document)


def test_renaming_and_removing_audiences_journeys_and_steps() -> None:
    document = SpaceDocument.from_text(SPEC)
    document.rename_audience("high_value", new_key="vip")
    assert changed(SPEC, document.text)[1] == [
        'key = "vip"                           # required, unique; also the trait / property name sent downstream'
    ]
    document.rename_journey("onboarding", name="Onboarding")
    document.rename_step("onboarding", "is_pro", "pro_only")
    document.add_step("onboarding", "middle", "filter", index=1)
    assert [s["key"] for s in document.data["journeys"][0]["steps"]] == ["pro_only", "middle", "welcome_ad"]
    document.remove_step("onboarding", "middle")
    document.remove_audience("vip")
    assert "audiences" not in document.data
    document.remove_journey("onboarding")
    reads_back(document)
    while document.can_undo:
        document.undo()
    assert document.text == SPEC


def test_duplicate_and_missing_keys_are_refused_with_a_suggestion() -> None:
    document = SpaceDocument.from_text(SPEC)
    with pytest.raises(EditError, match='audiences already has "high_value"'):
        document.add_audience("high_value", "Again")
    with pytest.raises(EditError, match='audiences has no "high_valu". Did you mean "high_value"'):
        document.remove_audience("high_valu")
    with pytest.raises(EditError, match="must not be empty or contain spaces"):
        document.add_audience("two words", "X")


# -- undo, redo, labels -------------------------------------------------------------------------------------


def test_undo_and_redo_walk_the_history_and_a_new_edit_clears_redo() -> None:
    document = SpaceDocument.from_text(SPEC)
    document.set_row(SPEC_FB, 1, strategy="first_added")
    after_first = document.text
    document.add_audience("b", "B")
    assert document.undo() == "add audience b"
    assert document.text == after_first and document.can_redo
    assert document.redo() == "add audience b"
    document.undo()
    document.set_connection(SPEC_FB, "live", False)
    assert not document.can_redo and document.redo() is None
    document.undo()
    document.undo()
    assert document.text == SPEC and document.undo() is None
    assert not document.dirty


def test_last_changed_names_the_edited_audience_for_edits_and_their_undo() -> None:
    document = SpaceDocument.from_text(SPEC)
    document.set_connection(SPEC_STEP_FB, "setup", "customized")
    assert document.last_changed == ("journeys", 0)
    document.add_audience("b", "B")
    assert document.last_changed == ("audiences", 1)
    document.undo()
    assert document.last_changed == ("audiences", 1)
    document.remove_audience("high_value")
    assert document.last_changed == ()


def test_an_edit_does_not_render_the_text_until_something_asks_for_it() -> None:
    document = SpaceDocument.from_text(COMMENTED)
    renders = []
    render = document._render
    document._render = lambda: renders.append(1) or render()  # type: ignore[method-assign]
    document.add_row(A1_FB, "ios.idfa", "MADID")
    document.set_connection(A1_FB, "live", True)
    assert renders == [] and document.dirty
    assert "live = true" in document.text and renders == [1]
    assert document.text and renders == [1]  # rendered once, then kept until the next edit
    document.undo()  # the text before this edit was never rendered: nothing to check the tree against
    document.undo()  # this one was (the file as opened): the tree is checked against it
    assert renders == [1, 1] and document.text == COMMENTED and not document.dirty


def test_a_tree_that_renders_unlike_a_recorded_text_loses_to_the_text_and_unreplayable_history_goes() -> None:
    document = SpaceDocument.from_text(COMMENTED)
    document.add_row(A1_FB, "ios.idfa", "MADID")
    document.set_connection(A1_FB, "live", True)
    document.undo()
    render = document._render
    document._render = lambda: render() + "# tomlkit surprised us\n"  # type: ignore[method-assign]
    document.undo()  # checked against the text as opened, which wins
    document._render = render  # type: ignore[method-assign]
    assert document.text == COMMENTED and document.data == tomllib.loads(COMMENTED)
    assert not document.can_redo  # the edits' later states were never rendered: nothing to replay them from
    document.add_audience("a3", "A3")  # re-parses the tree from the text
    reads_back(document)


def test_undo_after_the_tree_was_dropped_still_gives_the_exact_text() -> None:
    document = SpaceDocument.from_text(COMMENTED)
    document.add_row(A1_FB, "ios.idfa", "MADID")
    assert document.text  # rendered (as a save or a diff would): history keeps it
    document.set_connection(A1_FB, "live", True)
    assert document.text
    document._drop_doc()  # as after tomlkit surprised us: history falls back to the recorded texts
    document.undo()
    document.add_audience("a3", "A3")  # re-parses lazily
    document.undo()
    document.undo()
    assert document.text == COMMENTED
    reads_back(document)


def test_crlf_files_stay_crlf_after_edits_that_add_lines() -> None:
    text = COMMENTED.replace("\n", "\r\n")
    document = SpaceDocument.from_text(text)
    document.add_row(A1_FB, "ios.idfa", "MADID")
    document.set_connection(A2_BRAZE, "live", True)
    document.add_audience("a3", "A3")
    document.add_connection(("audiences", 2), "fb")
    assert "\n" not in document.text.replace("\r\n", "")
    assert document.text.count("\r\n") == COMMENTED.count("\n") + 5 + 1 + 4 + 3
    reads_back(document)
    while document.can_undo:
        document.undo()
    assert document.text == text


# -- saving -------------------------------------------------------------------------------------------------


def test_save_writes_the_edit_and_diff_shows_it_until_then(tmp_path: Path) -> None:
    path = tmp_path / "acme.toml"
    path.write_text(SPEC)
    document = SpaceDocument.open(path)
    document.set_row(SPEC_FB, 0, strategy="first_added")
    assert document.dirty
    diff = document.diff()
    assert diff.startswith("--- acme.toml (saved)\n+++ acme.toml (edited)\n")
    assert '+strategy = "first_added"' in diff
    document.save()
    assert path.read_text() == document.text and not document.dirty and document.diff() == ""
    document.set_row(SPEC_FB, 0, strategy="all")
    document.save()  # the hash of our own save is the new baseline: no conflict
    assert 'strategy = "all"' in path.read_text()


def test_save_refuses_when_the_file_changed_on_disk_and_force_overwrites(tmp_path: Path) -> None:
    path = tmp_path / "acme.toml"
    path.write_text(SPEC)
    document = SpaceDocument.open(path)
    document.add_audience("b", "B")
    path.write_text(SPEC + "\n# edited elsewhere\n")
    with pytest.raises(SaveConflict, match="changed on disk"):
        document.save()
    assert path.read_text().endswith("# edited elsewhere\n")
    document.save(force=True)
    assert path.read_text() == document.text


def test_save_refuses_text_that_does_not_read_back_as_the_intended_data(tmp_path: Path) -> None:
    path = tmp_path / "acme.toml"
    path.write_text(SPEC)
    document = SpaceDocument.open(path)
    document.set_row(SPEC_FB, 0, strategy="all")
    document.data["space"]["name"] = "Not what the text says"  # a bug in an edit would look like this
    with pytest.raises(SaveVerifyError, match=r"not saved.*at space\.name: meant 'Not what the text says'"):
        document.save()
    assert path.read_text() == SPEC


def test_reload_reads_the_disk_again_and_drops_the_history(tmp_path: Path) -> None:
    path = tmp_path / "acme.toml"
    path.write_text(SPEC)
    document = SpaceDocument.open(path)
    document.add_audience("b", "B")
    path.write_text(COMMENTED)
    document.reload()
    assert document.text == COMMENTED and not document.can_undo and not document.dirty
    document.add_audience("c", "C")
    document.save()
    assert 'key = "c"' in path.read_text()


def test_result_is_the_model_of_the_current_text() -> None:
    document = SpaceDocument.from_text(SPEC)
    document.add_row(SPEC_FB, "phone", "PHONE")
    rows = document.result().space.audiences[0].connections[0].identifiers
    assert [row.segment for row in rows] == ["email", "ios.idfa", "phone"]
    assert rows[2].line == document.text.splitlines().index('segment = "phone"')


# -- properties ---------------------------------------------------------------------------------------------


def _random_edit(document: SpaceDocument, draw: st.DrawFn) -> None:
    data = document.data
    audiences = data.get("audiences", [])
    connections = [
        ("audiences", a, "connections", c)
        for a, audience in enumerate(audiences)
        for c in range(len(audience.get("connections", [])))
    ]
    destinations = [d["key"] for d in data.get("destinations", [])]
    name = draw(
        st.sampled_from(
            [
                "set_row",
                "add_row",
                "remove_row",
                "move_row",
                "set_connection",
                "add_connection",
                "remove_connection",
                "add_audience",
                "remove_audience",
                "rename_audience",
                "add_destination",
                "rename_destination",
                "remove_destination",
                "add_journey",
            ]
        )
    )
    word = draw(st.text(alphabet="abcxyz_", min_size=1, max_size=6))
    if name in ("set_row", "add_row", "remove_row", "move_row", "set_connection", "remove_connection"):
        if not connections:
            return
        conn = draw(st.sampled_from(connections))
        rows = len(document._rows(conn))
        if name == "add_row":
            document.add_row(
                conn,
                word,
                word.upper(),
                draw(st.sampled_from(["all", "first_added", "last_added"])),
                draw(st.none() | st.integers(0, rows)),
            )
        elif name == "set_connection":
            key = draw(st.sampled_from(["setup", "send_identify", "live", "enter_event"]))
            value = {"setup": draw(st.sampled_from(["default", "customized"])), "enter_event": f"Entered {word}"}.get(
                key, draw(st.booleans())
            )
            document.set_connection(conn, key, value)
        elif name == "remove_connection":
            document.remove_connection(conn)
        elif rows:
            index = draw(st.integers(0, rows - 1))
            if name == "set_row":
                document.set_row(conn, index, segment=word, strategy=draw(st.sampled_from(["all", "last_added"])))
            elif name == "remove_row":
                document.remove_row(conn, index)
            else:
                document.move_row(conn, index, draw(st.integers(0, rows - 1)))
    elif name == "add_connection" and audiences and destinations:
        document.add_connection(
            ("audiences", draw(st.integers(0, len(audiences) - 1))), draw(st.sampled_from(destinations))
        )
    elif name == "add_audience":
        document.add_audience(word, word.title())
    elif name == "remove_audience" and audiences:
        document.remove_audience(draw(st.sampled_from([a["key"] for a in audiences])))
    elif name == "rename_audience" and audiences:
        document.rename_audience(draw(st.sampled_from([a["key"] for a in audiences])), new_key=word)
    elif name == "add_destination":
        document.add_destination(word, "actions", word.title())
    elif name == "rename_destination" and destinations:
        document.rename_destination(draw(st.sampled_from(destinations)), new_key=word)
    elif name == "remove_destination" and destinations:
        document.remove_destination(draw(st.sampled_from(destinations)), cascade=True)
    elif name == "add_journey":
        document.add_journey(word, word.title())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([SPEC, COMMENTED, COMMENTED.replace("\n", "\r\n")]), st.data())
def test_random_edits_read_back_as_intended_and_undoing_them_all_restores_the_exact_text(
    original: str, data: st.DataObject
) -> None:
    document = SpaceDocument.from_text(original)
    texts = [original]
    for _ in range(data.draw(st.integers(1, 12))):
        before = document.text
        try:
            _random_edit(document, data.draw)
        except EditError:
            assert document.text == before  # a refused edit changes nothing
            continue
        reads_back(document)
        if document.text != before:
            texts.append(document.text)
    for expected in reversed(texts[:-1]):
        document.undo()
        assert document.text == expected
    assert document.text == original and not document.can_undo
    while document.can_redo:
        document.redo()
    assert document.text == texts[-1]
    reads_back(document)


def _same_random_edit(first: SpaceDocument, second: SpaceDocument, data: st.DataObject) -> None:
    """One random edit, the same on both documents (the second replays the values drawn for the first)."""
    drawn: list[object] = []

    def recording(strategy: st.SearchStrategy[object]) -> object:
        drawn.append(data.draw(strategy))
        return drawn[-1]

    replay = iter(drawn)
    for document, draw in ((first, recording), (second, lambda _strategy: next(replay))):
        with contextlib.suppress(EditError):
            _random_edit(document, draw)


@given(st.sampled_from([SPEC, COMMENTED, COMMENTED.replace("\n", "\r\n")]), st.data())
@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
def test_texts_rendered_only_when_asked_for_are_the_texts_rendered_at_every_step(
    original: str, data: st.DataObject
) -> None:
    lazy = SpaceDocument.from_text(original)  # its text looked at now and then, as the app does
    eager = SpaceDocument.from_text(original)  # its text rendered after every step
    for _ in range(data.draw(st.integers(1, 10))):
        _same_random_edit(lazy, eager, data)
        assert eager.text and lazy.dirty == eager.dirty
        if data.draw(st.booleans()):
            assert lazy.text == eager.text
    assert lazy.text == eager.text
    while eager.can_undo:
        assert lazy.undo() == eager.undo()
        if data.draw(st.booleans()):
            assert lazy.text == eager.text
    assert lazy.text == eager.text == original and not lazy.dirty
    while eager.can_redo:
        assert lazy.redo() == eager.redo()
        if data.draw(st.booleans()):
            assert lazy.text == eager.text
    assert lazy.text == eager.text
    reads_back(lazy)


# -- [space] default_phone_country_code -----------------------------------------------------------------------------


def test_setting_the_phone_country_code_adds_one_line_to_space_and_undo_gives_the_bytes_back() -> None:
    doc = SpaceDocument.from_text(SPEC)
    doc.set_phone_country_code("44")
    assert doc.data["space"]["default_phone_country_code"] == "44"
    added = [line for line in difflib.ndiff(SPEC.splitlines(), doc.text.splitlines()) if line[:2] in ("+ ", "- ")]
    assert added == ['+ default_phone_country_code = "44"']
    assert doc.result().space.default_phone_country_code == "44"
    doc.set_phone_country_code("1")
    assert 'default_phone_country_code = "1"' in doc.text and '"44"' not in doc.text
    doc.undo()
    doc.undo()
    assert doc.text == SPEC


def test_clearing_the_phone_country_code_removes_its_line_and_undo_brings_it_back() -> None:
    line = next(line for line in SPEC.splitlines() if line.startswith("include_anonymous"))
    text = SPEC.replace(line, line + '\ndefault_phone_country_code = "44"  # the UK')
    doc = SpaceDocument.from_text(text)
    doc.set_phone_country_code(None)
    assert doc.text == SPEC
    assert doc.result().space.default_phone_country_code is None
    doc.undo()
    assert doc.text == text


@pytest.mark.parametrize("bad", ["+44", "0044", "uk", "1234"])
def test_a_bad_phone_country_code_is_refused_and_nothing_changes(bad: str) -> None:
    doc = SpaceDocument.from_text(SPEC)
    with pytest.raises(EditError, match="1 to 3 digits without \\+ or leading zeros"):
        doc.set_phone_country_code(bad)
    assert doc.text == SPEC and not doc.can_undo
