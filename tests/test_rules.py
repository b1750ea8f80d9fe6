"""The ID Sync rules: every code fires where it should, at the right line and place, and not on a near miss."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from idsync_tui.rules import RULES, check_connection, check_space, validate
from idsync_tui.space.loader import parse_text
from idsync_tui.space.problems import CODES, Problem

HEADER = """\
version = 1

[space]
key = "acme"
name = "Acme"
{space_extra}
[[identifiers]]
key = "phone"

[[identifiers]]
key = "crm_id"

[[destinations]]
key = "fb"
type = "facebook_custom_audiences"
name = "Facebook"

[[destinations]]
key = "gads"
type = "google_ads_remarketing_lists"
name = "Google Ads"
external_id_type = "email"

[[destinations]]
key = "gads_mobile"
type = "google_ads_remarketing_lists"
name = "Google Ads (mobile)"
external_id_type = "mobile_id"

[[destinations]]
key = "braze"
type = "actions"
name = "Braze"

[[destinations]]
key = "fn"
type = "function"
name = "My function"

[[audiences]]
key = "high_value"
name = "High value"
"""


def connection(destination: str, settings: str = "", rows: list[tuple[str, str, str]] | None = None) -> str:
    """One `[[audiences.connections]]` block with its identifier rows (segment, destination, strategy)."""
    text = f'\n[[audiences.connections]]  # connection {destination}\ndestination = "{destination}"\n{settings}\n'
    for segment, key, strategy in rows or []:
        text += (
            f"\n[[audiences.connections.identifiers]]  # row {segment} -> {key}\n"
            f'segment = "{segment}"\ndestination = "{key}"\nstrategy = "{strategy}"\n'
        )
    return text


def space_text(*connections: str, space_extra: str = "") -> str:
    return HEADER.format(space_extra=space_extra) + "".join(connections)


def line_with(text: str, marker: str, occurrence: int = 1) -> int:
    """The 1-based line of the `occurrence`-th line containing `marker`."""
    found = [number for number, line in enumerate(text.splitlines(), 1) if marker in line]
    return found[occurrence - 1]


def problems_for(text: str, path: str = "space.toml") -> list[Problem]:
    result = parse_text(text, path)
    assert result.space is not None, result.problems
    assert not [p for p in result.problems if p.is_error], result.problems
    return check_space(result.space)


def only(problems: list[Problem], code: str) -> list[Problem]:
    return [p for p in problems if p.code == code]


CUSTOMIZED = 'setup = "customized"'
CUSTOMIZED_MOBILE = 'setup = "customized"\nsend_mobile_ids = true'
HV_FB = "audiences[high_value].connections[fb]"


# -- the table ----------------------------------------------------------------------------------------------


def test_the_table_has_one_rule_per_rule_code_named_after_the_code():
    rule_codes = [code for code in CODES if code >= "IDS100"]
    assert [rule.code for rule in RULES] == rule_codes
    for rule in RULES:
        assert rule.check.__name__ == CODES[rule.code][0].replace("-", "_")
        assert (rule.name, rule.severity) == CODES[rule.code]
        assert rule.scope in ("connection", "space")


def test_space_rules_are_the_ones_that_need_the_whole_space():
    assert {rule.code for rule in RULES if rule.scope == "space"} == {"IDS205", "IDS206", "IDS208"}


# -- IDS101 unknown-destination -----------------------------------------------------------------------------


def test_a_connection_to_a_destination_not_in_the_space_is_ids101_with_did_you_mean():
    text = space_text(connection("fbb", CUSTOMIZED, [("email", "EMAIL", "last_added")]))
    [problem] = only(problems_for(text), "IDS101")
    assert problem.line == line_with(text, "# connection fbb")
    assert problem.where == "audiences[high_value].connections[fbb]"
    assert '"fbb"' in problem.message and 'Did you mean "fb"?' in problem.message
    assert problem.severity == "error"


def test_a_connection_to_an_added_destination_is_not_ids101():
    text = space_text(connection("fb", CUSTOMIZED, [("email", "EMAIL", "last_added")]))
    assert only(problems_for(text), "IDS101") == []


def test_rules_that_need_the_destination_stay_silent_when_it_is_unknown():
    rows = [("ios.idfa", "nope.key", "all"), ("ios.idfa", "  x", "all"), ("email", "a", "all"), ("phone", "b", "all")]
    text = space_text(connection("nowhere", 'setup = "customized"\nsend_track = false', rows))
    codes = {p.code for p in problems_for(text)}
    assert "IDS101" in codes
    assert codes.isdisjoint({"IDS104", "IDS105", "IDS106", "IDS107", "IDS108", "IDS202", "IDS204"})


# -- IDS102 unknown-identifier ------------------------------------------------------------------------------


def test_a_row_mapping_an_undeclared_identifier_is_ids102_at_the_row_with_did_you_mean():
    text = space_text(connection("fb", CUSTOMIZED, [("email", "EMAIL", "last_added"), ("phnoe", "PHONE", "all")]))
    [problem] = only(problems_for(text), "IDS102")
    assert problem.line == line_with(text, "# row phnoe")
    assert problem.where == f"{HV_FB}.identifiers[2]"
    assert 'Did you mean "phone"?' in problem.message


@pytest.mark.parametrize("segment", ["email", "ios.idfa", "ga_client_id", "phone", "crm_id"])
def test_default_and_declared_custom_identifiers_are_not_ids102(segment):
    text = space_text(connection("braze", CUSTOMIZED_MOBILE, [(segment, "id", "last_added")]))
    assert only(problems_for(text), "IDS102") == []


# -- IDS103 all-limit ---------------------------------------------------------------------------------------


def test_a_fourth_all_row_is_ids103_at_that_rows_line_once_per_connection():
    rows = [
        ("email", "EMAIL", "all"),
        ("user_id", "EXTERN_ID", "last_added"),
        ("phone", "PHONE", "all"),
        ("ios.idfa", "MADID", "all"),
        ("android.idfa", "MADID", "all"),
    ]
    text = space_text(connection("fb", CUSTOMIZED_MOBILE, rows))
    [problem] = only(problems_for(text), "IDS103")
    assert problem.line == line_with(text, "# row android.idfa")
    assert problem.where == HV_FB
    assert problem.message == "4 identifiers use strategy all; at most 3 may"


def test_five_all_rows_are_still_one_ids103_counting_all_five():
    rows = [(s, "x", "all") for s in ("email", "user_id", "phone", "crm_id", "ios.id")]
    text = space_text(connection("braze", CUSTOMIZED, rows))
    [problem] = only(problems_for(text), "IDS103")
    assert problem.message.startswith("5 identifiers use strategy all")
    assert problem.line == line_with(text, "# row crm_id")


def test_exactly_three_all_rows_are_fine():
    rows = [("email", "EMAIL", "all"), ("phone", "PHONE", "all"), ("ios.idfa", "MADID", "all")]
    rows.append(("user_id", "EXTERN_ID", "first_added"))
    text = space_text(connection("fb", CUSTOMIZED_MOBILE, rows))
    assert only(problems_for(text), "IDS103") == []


# -- IDS104 mobile-ids-off ----------------------------------------------------------------------------------


@pytest.mark.parametrize("mobile_id", ["ios.idfa", "android.idfa"])
def test_a_mobile_id_row_with_send_mobile_ids_off_is_ids104_at_the_row(mobile_id):
    text = space_text(connection("fb", CUSTOMIZED, [("email", "EMAIL", "last_added"), (mobile_id, "MADID", "all")]))
    [problem] = only(problems_for(text), "IDS104")
    assert problem.line == line_with(text, f"# row {mobile_id}")
    assert problem.where == f"{HV_FB}.identifiers[2]"
    assert problem.message == (
        f"{mobile_id} is mapped but Send Mobile IDs is off; turn on send_mobile_ids or remove the row"
    )


def test_a_mobile_id_row_with_send_mobile_ids_on_is_fine():
    text = space_text(connection("fb", CUSTOMIZED_MOBILE, [("ios.idfa", "MADID", "all")]))
    assert only(problems_for(text), "IDS104") == []


def test_ios_id_is_not_a_mobile_advertising_id():
    text = space_text(connection("braze", CUSTOMIZED, [("ios.id", "ios_id", "last_added")]))
    assert only(problems_for(text), "IDS104") == []


# -- IDS105 key-not-offered ---------------------------------------------------------------------------------


def test_a_facebook_key_in_the_wrong_case_is_ids105_suggesting_the_offered_spelling():
    text = space_text(connection("fb", CUSTOMIZED, [("email", "email", "last_added")]))
    [problem] = only(problems_for(text), "IDS105")
    assert problem.line == line_with(text, "# row email -> email")
    assert problem.where == f"{HV_FB}.identifiers[1]"
    assert 'Did you mean "EMAIL"?' in problem.message


def test_a_google_key_its_dropdown_does_not_offer_is_ids105_with_did_you_mean():
    text = space_text(connection("gads", CUSTOMIZED, [("email", "email", "last_added"), ("phone", "phon", "all")]))
    [problem] = only(problems_for(text), "IDS105")
    assert problem.line == line_with(text, "# row phone -> phon")
    assert 'Did you mean "phone"?' in problem.message


def test_offered_keys_and_free_text_destinations_are_not_ids105():
    text = space_text(
        connection("fb", CUSTOMIZED, [("email", "EMAIL", "last_added"), ("phone", "PHONE", "all")]),
        connection("braze", CUSTOMIZED, [("email", "anything_at_all", "last_added")]),
    )
    assert only(problems_for(text), "IDS105") == []


# -- IDS106 duplicate-row -----------------------------------------------------------------------------------


def test_the_same_identifier_twice_in_a_connection_is_ids106_at_the_second_row():
    rows = [("email", "EMAIL", "last_added"), ("phone", "PHONE", "all"), ("email", "EXTERN_ID", "all")]
    text = space_text(connection("fb", CUSTOMIZED, rows))
    [problem] = only(problems_for(text), "IDS106")
    assert problem.line == line_with(text, "# row email", occurrence=2)
    assert problem.where == f"{HV_FB}.identifiers[3]"
    assert f"first at line {line_with(text, '# row email')}" in problem.message


def test_the_same_identifier_in_two_connections_or_two_keys_for_different_identifiers_is_not_ids106():
    text = space_text(
        connection("fb", CUSTOMIZED, [("email", "EMAIL", "last_added"), ("phone", "EMAIL", "last_added")]),
        connection("braze", CUSTOMIZED, [("email", "email", "last_added")]),
    )
    assert only(problems_for(text), "IDS106") == []


# -- IDS107 google-one-extra --------------------------------------------------------------------------------


def test_google_with_two_identifiers_beyond_its_matcher_is_ids107_at_the_second_extra_row():
    rows = [("email", "email", "last_added"), ("phone", "phone", "last_added"), ("crm_id", "crm_id", "last_added")]
    text = space_text(connection("gads", CUSTOMIZED, rows))
    [problem] = only(problems_for(text), "IDS107")
    assert problem.line == line_with(text, "# row crm_id")
    assert problem.where == "audiences[high_value].connections[gads]"
    assert "phone, crm_id" in problem.message


def test_google_mobile_id_lists_count_email_as_an_extra():
    rows = [("email", "email", "last_added"), ("phone", "phone", "last_added")]
    text = space_text(connection("gads_mobile", CUSTOMIZED, rows))
    [problem] = only(problems_for(text), "IDS107")
    assert '"mobile_advertising_id"' in problem.message


def test_google_matcher_plus_one_extra_is_fine():
    text = space_text(
        connection("gads", CUSTOMIZED, [("email", "email", "all"), ("phone", "phone", "last_added")]),
        connection(
            "gads_mobile", CUSTOMIZED_MOBILE, [("ios.idfa", "mobile_advertising_id", "all"), ("email", "email", "all")]
        ),
    )
    assert only(problems_for(text), "IDS107") == []


# -- IDS108 sends-nothing -----------------------------------------------------------------------------------


def test_an_event_destination_with_identify_and_track_off_is_ids108_at_the_connection():
    text = space_text(connection("braze", "send_identify = false\nsend_track = false"))
    [problem] = only(problems_for(text), "IDS108")
    assert problem.line == line_with(text, "# connection braze")
    assert problem.where == "audiences[high_value].connections[braze]"


def test_identify_alone_or_a_list_destination_with_both_off_is_not_ids108():
    text = space_text(
        connection("braze", "send_identify = true\nsend_track = false"),
        connection("fb", "send_identify = false\nsend_track = false"),
    )
    assert only(problems_for(text), "IDS108") == []


# -- IDS109 empty-key ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("blank", ["", "   "])
def test_an_empty_or_blank_destination_identifier_is_ids109_at_the_row(blank):
    text = space_text(connection("braze", CUSTOMIZED, [("email", "email", "last_added"), ("phone", blank, "all")]))
    [problem] = only(problems_for(text), "IDS109")
    assert problem.line == line_with(text, "# row phone")
    assert problem.where == "audiences[high_value].connections[braze].identifiers[2]"


def test_an_empty_key_on_facebook_is_ids109_only_not_also_key_not_offered():
    text = space_text(connection("fb", CUSTOMIZED, [("email", " ", "last_added")]))
    codes = [p.code for p in problems_for(text)]
    assert "IDS109" in codes and "IDS105" not in codes


def test_a_named_destination_identifier_is_not_ids109():
    text = space_text(connection("braze", CUSTOMIZED, [("email", "e", "last_added")]))
    assert only(problems_for(text), "IDS109") == []


# -- IDS201 rows-ignored ------------------------------------------------------------------------------------


def test_rows_under_default_setup_are_ids201_at_the_connection():
    text = space_text(connection("fb", 'setup = "default"', [("email", "EMAIL", "last_added")]))
    [problem] = only(problems_for(text), "IDS201")
    assert problem.line == line_with(text, "# connection fb")
    assert problem.where == HV_FB
    assert problem.severity == "warning"


def test_setup_defaults_to_default_so_rows_without_setup_are_ids201():
    text = space_text(connection("braze", "", [("email", "email", "last_added")]))
    assert len(only(problems_for(text), "IDS201")) == 1


def test_rows_under_customized_or_default_without_rows_are_not_ids201():
    text = space_text(connection("fb", CUSTOMIZED, [("email", "EMAIL", "last_added")]), connection("braze"))
    assert only(problems_for(text), "IDS201") == []


# -- IDS202 dotted-key --------------------------------------------------------------------------------------


@pytest.mark.parametrize("destination", ["braze", "fn"])
def test_a_dotted_free_text_key_is_ids202_suggesting_underscores(destination):
    text = space_text(connection(destination, CUSTOMIZED, [("email", "user.email", "last_added")]))
    [problem] = only(problems_for(text), "IDS202")
    assert problem.line == line_with(text, "# row email")
    assert problem.where == f"audiences[high_value].connections[{destination}].identifiers[1]"
    assert '"user_email"' in problem.message


def test_an_undotted_free_text_key_is_not_ids202():
    text = space_text(connection("braze", CUSTOMIZED, [("email", "user_email", "last_added")]))
    assert only(problems_for(text), "IDS202") == []


# -- IDS203 no-rows -----------------------------------------------------------------------------------------


def test_customized_without_rows_is_ids203_at_the_connection():
    text = space_text(connection("braze", CUSTOMIZED))
    [problem] = only(problems_for(text), "IDS203")
    assert problem.line == line_with(text, "# connection braze")
    assert problem.where == "audiences[high_value].connections[braze]"


def test_default_setup_without_rows_is_not_ids203():
    text = space_text(connection("braze", 'setup = "default"'))
    assert only(problems_for(text), "IDS203") == []


# -- IDS204 no-match-key ------------------------------------------------------------------------------------


def test_facebook_customized_without_email_or_madid_is_ids204_at_the_connection():
    text = space_text(connection("fb", CUSTOMIZED, [("phone", "PHONE", "last_added")]))
    [problem] = only(problems_for(text), "IDS204")
    assert problem.line == line_with(text, "# connection fb")
    assert problem.where == HV_FB


@pytest.mark.parametrize(("destination", "matcher"), [("gads", "email"), ("gads_mobile", "mobile_advertising_id")])
def test_google_customized_without_its_matcher_is_ids204_naming_the_matcher(destination, matcher):
    text = space_text(connection(destination, CUSTOMIZED, [("crm_id", "crm_id", "last_added")]))
    [problem] = only(problems_for(text), "IDS204")
    assert f'"{matcher}"' in problem.message


def test_match_keys_mapped_or_segment_defaults_in_use_are_not_ids204():
    text = space_text(
        connection("fb", CUSTOMIZED_MOBILE, [("ios.idfa", "MADID", "all")]),
        connection("gads", CUSTOMIZED, [("email", "email", "all")]),
        connection("gads_mobile", 'setup = "default"'),  # defaults include the matcher
    )
    assert only(problems_for(text), "IDS204") == []


def test_customized_with_no_rows_is_ids203_not_ids204():
    codes = {p.code for p in problems_for(space_text(connection("fb", CUSTOMIZED)))}
    assert "IDS203" in codes and "IDS204" not in codes


# -- IDS205 unused-destination ------------------------------------------------------------------------------


def test_a_destination_connected_to_nothing_is_ids205_at_the_destination():
    text = space_text(connection("fb", CUSTOMIZED, [("email", "EMAIL", "last_added")]))
    unused = {p.where: p for p in only(problems_for(text), "IDS205")}
    assert set(unused) == {"destinations[gads]", "destinations[gads_mobile]", "destinations[braze]", "destinations[fn]"}
    assert unused["destinations[braze]"].line == line_with(text, 'key = "braze"') - 1


def test_a_destination_connected_only_from_a_journey_step_is_used():
    journey = """
[[journeys]]
key = "onboarding"
name = "Onboarding"

[[journeys.steps]]
key = "welcome"
type = "send"

[[journeys.steps.connections]]
destination = "braze"
"""
    text = space_text(connection("fb"), journey)
    assert "destinations[braze]" not in {p.where for p in only(problems_for(text), "IDS205")}


# -- IDS206 unused-identifier -------------------------------------------------------------------------------


def test_a_custom_identifier_mapped_nowhere_is_ids206_at_its_declaration():
    text = space_text(connection("fb", CUSTOMIZED, [("phone", "PHONE", "last_added"), ("email", "EMAIL", "all")]))
    [problem] = only(problems_for(text), "IDS206")
    assert problem.where == "identifiers[crm_id]"
    assert problem.line == line_with(text, 'key = "crm_id"') - 1


def test_a_custom_identifier_mapped_in_a_journey_step_is_used():
    journey = """
[[journeys]]
key = "onboarding"
name = "Onboarding"

[[journeys.steps]]
key = "welcome"
type = "send"

[[journeys.steps.connections]]
destination = "braze"
setup = "customized"

[[journeys.steps.connections.identifiers]]
segment = "crm_id"
destination = "crm"
"""
    text = space_text(connection("fb", CUSTOMIZED, [("phone", "PHONE", "last_added")]), journey)
    assert only(problems_for(text), "IDS206") == []


# -- IDS207 live-change -------------------------------------------------------------------------------------


def test_a_live_connection_is_ids207_at_the_connection():
    text = space_text(connection("braze", "live = true"))
    [problem] = only(problems_for(text), "IDS207")
    assert problem.line == line_with(text, "# connection braze")
    assert problem.where == "audiences[high_value].connections[braze]"
    assert "resync" in problem.message


def test_a_connection_not_marked_live_is_not_ids207():
    text = space_text(connection("braze", "live = false"), connection("fb"))
    assert only(problems_for(text), "IDS207") == []


# -- IDS208 profiles-missing --------------------------------------------------------------------------------


def test_a_profiles_file_that_does_not_exist_is_ids208_at_the_space_table(tmp_path: Path):
    text = space_text(connection("fb"), space_extra='profiles = "missing.jsonl"\n')
    space_file = tmp_path / "space.toml"
    [problem] = only(problems_for(text, str(space_file)), "IDS208")
    assert problem.line == line_with(text, "[space]")
    assert problem.where == "space"
    assert "missing.jsonl" in problem.message and problem.path == str(space_file)


def test_a_profiles_file_next_to_the_space_file_is_found(tmp_path: Path):
    (tmp_path / "acme.profiles.jsonl").write_text("", encoding="utf-8")
    text = space_text(connection("fb"), space_extra='profiles = "acme.profiles.jsonl"\n')
    assert only(problems_for(text, str(tmp_path / "space.toml")), "IDS208") == []


def test_a_profiles_folder_is_ids208(tmp_path: Path):
    (tmp_path / "profiles").mkdir()
    text = space_text(connection("fb"), space_extra='profiles = "profiles"\n')
    [problem] = only(problems_for(text, str(tmp_path / "space.toml")), "IDS208")
    assert "folder" in problem.message


def test_a_relative_profiles_path_in_text_without_a_file_is_not_judged():
    text = space_text(connection("fb"), space_extra='profiles = "missing.jsonl"\n')
    assert only(problems_for(text, path=""), "IDS208") == []


# -- running the rules --------------------------------------------------------------------------------------


def test_check_connection_reports_only_that_connections_problems():
    text = space_text(
        connection("fb", CUSTOMIZED, [("ios.idfa", "MADID", "all")]),
        connection("braze", "send_track = false\nlive = true"),
    )
    space = parse_text(text, "space.toml").space
    assert space is not None
    braze = next(ref for ref in space.connections() if ref.connection.destination == "braze")
    problems = check_connection(space, braze)
    assert {p.code for p in problems} == {"IDS108", "IDS207"}
    assert all(p.where == braze.connection.where for p in problems)


def test_check_space_covers_journey_steps_and_sorts_by_line_then_code():
    journey = """
[[journeys]]
key = "onboarding"
name = "Onboarding"

[[journeys.steps]]
key = "welcome"
type = "send"

[[journeys.steps.connections]]  # journey connection
destination = "braze"
send_track = false
live = true
"""
    text = space_text(connection("fb", CUSTOMIZED, [("phone", "PHONE", "all")]), journey)
    problems = problems_for(text)
    step_problems = [p for p in problems if p.where == "journeys[onboarding].steps[welcome].connections[braze]"]
    assert {p.code for p in step_problems} == {"IDS108", "IDS207"}
    assert {p.line for p in step_problems} == {line_with(text, "# journey connection")}
    keys = [(p.line or 0, p.code) for p in problems]
    assert keys == sorted(keys)


def test_every_problem_carries_the_space_files_path():
    text = space_text(connection("fbb", CUSTOMIZED, [("phnoe", "", "all")]))
    problems = problems_for(text, "spaces/acme.toml")
    assert problems and {p.path for p in problems} == {"spaces/acme.toml"}


def test_rules_do_not_crash_on_a_half_broken_model():
    text = """\
version = 1
[space]
key = "acme"
name = "Acme"

[[destinations]]
key = "snap"
type = "snapchat"
name = "Snap"

[[destinations]]
name = "no key"
type = "actions"

[[audiences]]
key = "a"
name = "A"

[[audiences.connections]]
destination = "snap"
setup = "customized"
send_track = false

[[audiences.connections.identifiers]]
segment = "ios.idfa"
destination = "a.b"

[[audiences.connections.identifiers]]
destination = 3

[[audiences.connections]]
setup = "customized"
"""
    result = parse_text(text, "space.toml")
    problems = validate(result)
    codes = {p.code for p in problems}
    assert "IDS002" in codes
    # The destination's type is unknown, so rules that judge by type stay silent.
    assert codes.isdisjoint({"IDS101", "IDS104", "IDS105", "IDS108", "IDS202"})


# -- validate -----------------------------------------------------------------------------------------------


def test_validate_runs_the_rules_even_when_the_loader_found_schema_errors():
    text = space_text(connection("fb", CUSTOMIZED + "\ncolour = 1", [("ios.idfa", "MADID", "all")]))
    problems = validate(parse_text(text, "space.toml"))
    codes = [p.code for p in problems]
    assert "IDS002" in codes and "IDS104" in codes
    keys = [(p.line or 0, p.code) for p in problems]
    assert keys == sorted(keys)


def test_validate_runs_the_rules_when_keys_are_duplicated():
    text = space_text(connection("fb", CUSTOMIZED, [("ios.idfa", "MADID", "all")]), connection("fb", CUSTOMIZED))
    codes = {p.code for p in validate(parse_text(text, "space.toml"))}
    assert {"IDS004", "IDS104"} <= codes


def test_validate_skips_the_rules_for_a_version_this_program_does_not_read():
    text = space_text(connection("fb", CUSTOMIZED, [("ios.idfa", "MADID", "all")])).replace(
        "version = 1", "version = 7"
    )
    assert [p.code for p in validate(parse_text(text, "space.toml"))] == ["IDS003"]


def test_validate_reports_only_the_syntax_error_of_a_file_that_is_not_toml():
    assert [p.code for p in validate(parse_text("version = 1\n[space\n", "space.toml"))] == ["IDS001"]


def test_a_clean_space_has_no_problems():
    text = space_text(
        connection("fb", CUSTOMIZED_MOBILE, [("email", "EMAIL", "last_added"), ("ios.idfa", "MADID", "all")]),
        connection("gads", CUSTOMIZED, [("email", "email", "all"), ("phone", "phone", "last_added")]),
        connection("gads_mobile", CUSTOMIZED_MOBILE, [("android.idfa", "mobile_advertising_id", "all")]),
        connection("braze", 'setup = "customized"\nsend_identify = true', [("crm_id", "crm_id", "last_added")]),
        connection("fn"),
    )
    assert validate(parse_text(text, "space.toml")) == []


def test_rule_messages_say_what_to_do():
    text = space_text(
        connection("fbb", "live = true"),
        connection("fb", 'setup = "default"', [("phnoe", "email", "all")] * 4 + [("ios.idfa", " ", "all")]),
        connection("braze", "send_track = false", [("email", "a.b", "all")]),
    )
    problems = problems_for(text)
    assert len({p.code for p in problems}) >= 8
    for problem in problems:
        assert re.search(r"; [a-z]", problem.message) or problem.code == "IDS103", problem.message


# -- IDS209 api-row-limit -----------------------------------------------------------------------------------------

BRAZE_ROWS = [
    ("user_id", "external_id", "last_added"),
    ("email", "email", "last_added"),
    ("phone", "phone", "last_added"),
    ("crm_id", "crm", "last_added"),
    ("ga_client_id", "ga", "last_added"),
    ("group_id", "group", "last_added"),
]


def test_six_rows_in_one_connection_is_ids209_a_warning_at_the_sixth_row():
    text = space_text(connection("braze", CUSTOMIZED, BRAZE_ROWS))
    [problem] = only(problems_for(text), "IDS209")
    assert problem.severity == "warning" and CODES["IDS209"] == ("api-row-limit", "warning")
    assert problem.line == line_with(text, "# row group_id -> group")
    assert problem.where == "audiences[high_value].connections[braze]"
    assert "Public API (idSyncConfiguration) takes at most 5" in problem.message


def test_five_rows_is_not_ids209():
    text = space_text(connection("braze", CUSTOMIZED, BRAZE_ROWS[:5]))
    assert only(problems_for(text), "IDS209") == []
