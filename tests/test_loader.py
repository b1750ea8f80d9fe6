"""The loader: IDS001-IDS004 with file, line and a fix; the model's line numbers; files that cannot be read."""

from __future__ import annotations

from pathlib import Path

import pytest

from idsync_tui.space.loader import SpaceReadError, load_space, parse_text
from idsync_tui.space.problems import Problem

MINIMAL = 'version = 1\n\n[space]\nkey = "acme"\nname = "Acme"\n'


def line_with(text: str, marker: str, occurrence: int = 1) -> int:
    found = [number for number, line in enumerate(text.splitlines(), 1) if marker in line]
    return found[occurrence - 1]


def problems_of(text: str) -> list[Problem]:
    return parse_text(text, "space.toml").problems


def one(text: str, code: str) -> Problem:
    problems = [p for p in problems_of(text) if p.code == code]
    assert len(problems) == 1, problems_of(text)
    return problems[0]


# -- files that cannot be read or parsed --------------------------------------------------------------------


def test_a_syntax_error_is_ids001_with_its_line_and_column():
    text = MINIMAL + '\n[[destinations]]\nkey = "fb"\ntype = \n'
    result = parse_text(text, "space.toml")
    assert result.space is None
    [problem] = result.problems
    assert problem.code == "IDS001"
    assert problem.line == line_with(text, "type =")
    assert problem.column == len("type = ") + 1
    assert f"line {problem.line}, column {problem.column}" in problem.message
    assert problem.path == "space.toml"


def test_a_file_that_is_not_utf8_is_ids001_at_the_bad_byte(tmp_path: Path):
    space_file = tmp_path / "latin1.toml"
    space_file.write_bytes(MINIMAL.encode() + b'\n[[identifiers]]\nkey = "caf\xe9"\n')
    result = load_space(space_file)
    assert result.space is None
    [problem] = result.problems
    assert problem.code == "IDS001"
    assert problem.line == MINIMAL.count("\n") + 3
    assert problem.column == len('key = "caf') + 1
    assert "UTF-8" in problem.message and problem.path == str(space_file)


@pytest.mark.parametrize("text", ["", "  \n\n"])
def test_an_empty_file_says_how_a_space_file_starts(text):
    result = parse_text(text, "space.toml")
    assert result.space is None
    [problem] = result.problems
    assert problem.code == "IDS003" and problem.line == 1
    assert "version = 1" in problem.message


def test_a_folder_is_not_a_space_file(tmp_path: Path):
    with pytest.raises(SpaceReadError, match="is a folder"):
        load_space(tmp_path)


def test_a_missing_file_raises_a_clear_read_error(tmp_path: Path):
    missing = tmp_path / "nope.toml"
    with pytest.raises(SpaceReadError) as caught:
        load_space(missing)
    assert str(missing) in str(caught.value) and "no such file" in str(caught.value)


def test_load_space_reads_a_file_and_records_its_path(tmp_path: Path):
    space_file = tmp_path / "acme.toml"
    space_file.write_text(MINIMAL, encoding="utf-8")
    result = load_space(space_file)
    assert result.problems == []
    assert result.space is not None and result.space.file == space_file and result.space.key == "acme"


# -- IDS002 schema ------------------------------------------------------------------------------------------


def test_an_unknown_key_is_ids002_at_its_line_with_did_you_mean():
    text = MINIMAL.replace('name = "Acme"', 'name = "Acme"\nprofile = "p.jsonl"')
    problem = one(text, "IDS002")
    assert problem.line == line_with(text, "profile =")
    assert problem.where == "space"
    assert '"profile"' in problem.message and 'Did you mean "profiles"?' in problem.message


def test_an_unknown_key_in_a_nested_row_points_at_that_key():
    text = (
        MINIMAL
        + '\n[[destinations]]\nkey = "fb"\ntype = "facebook_custom_audiences"\nname = "FB"\n'
        + '\n[[audiences]]\nkey = "a"\nname = "A"\n'
        + '\n[[audiences.connections]]\ndestination = "fb"\nsetup = "customized"\n'
        + '\n[[audiences.connections.identifiers]]\nsegment = "email"\ndestination = "EMAIL"\nstratgy = "all"\n'
    )
    problem = one(text, "IDS002")
    assert problem.line == line_with(text, "stratgy")
    assert problem.where == "audiences[a].connections[fb].identifiers[1]"
    assert 'Did you mean "strategy"?' in problem.message


def test_an_unknown_key_with_nothing_close_lists_the_known_keys():
    problem = one(MINIMAL + "zzz = 1\n", "IDS002")
    assert "Known keys here:" in problem.message and "profiles" in problem.message


@pytest.mark.parametrize(
    ("block", "bad_line", "hint"),
    [
        (
            '[[destinations]]\nkey = "fb"\ntype = "facebook_custom_audience"\nname = "FB"\n',
            'type = "facebook_custom_audience"',
            "facebook_custom_audiences",
        ),
        (
            '[[destinations]]\nkey = "g"\ntype = "google_ads_remarketing_lists"\nname = "G"\n'
            'external_id_type = "mobile"\n',
            'external_id_type = "mobile"',
            "mobile_id",
        ),
        (
            '[[destinations]]\nkey = "b"\ntype = "actions"\nname = "B"\n'
            '[[audiences]]\nkey = "a"\nname = "A"\n[[audiences.connections]]\ndestination = "b"\nsetup = "custom"\n',
            'setup = "custom"',
            "customized",
        ),
    ],
)
def test_a_bad_enum_value_is_ids002_naming_the_choices_and_the_nearest(block, bad_line, hint):
    text = MINIMAL + "\n" + block
    problem = one(text, "IDS002")
    assert problem.line == line_with(text, bad_line)
    assert f'Did you mean "{hint}"?' in problem.message


@pytest.mark.parametrize(
    ("block", "bad_line", "expected"),
    [
        ('[[identifiers]]\nkey = "phone"\nlimit = "5"\n', 'limit = "5"', "must be an integer, not a string"),
        (
            '[[destinations]]\nkey = "b"\ntype = "actions"\nname = "B"\n'
            '[[audiences]]\nkey = "a"\nname = "A"\n[[audiences.connections]]\ndestination = "b"\n'
            'send_mobile_ids = "yes"\n',
            "send_mobile_ids",
            "must be true or false, not a string",
        ),
        ("destinations = 3\n", "destinations = 3", "must be an array of tables"),
    ],
)
def test_a_wrong_type_is_ids002_saying_what_type_it_must_be(block, bad_line, expected):
    text = MINIMAL.replace("\n[space]", block + "\n[space]", 1) if block.startswith("destinations") else MINIMAL + block
    problem = one(text, "IDS002")
    assert problem.line == line_with(text, bad_line)
    assert expected in problem.message


@pytest.mark.parametrize(
    ("block", "header", "missing"),
    [
        ('[[destinations]]\nkey = "b"\nname = "B"\n', "[[destinations]]", "type"),
        ('[[audiences]]\nname = "A"\n', "[[audiences]]", "key"),
        (
            '[[audiences]]\nkey = "a"\nname = "A"\n[[audiences.connections]]\nsetup = "default"\n',
            "[[audiences.connections]]",
            "destination",
        ),
    ],
)
def test_a_missing_required_key_is_ids002_at_its_table(block, header, missing):
    text = MINIMAL + "\n" + block
    problem = one(text, "IDS002")
    assert problem.line == line_with(text, header)
    assert f'missing the required key "{missing}"' in problem.message


def test_a_file_without_a_space_table_says_so_at_line_1():
    text = "version = 1\n"
    problem = one(text, "IDS002")
    assert 'missing the required key "space"' in problem.message
    assert problem.line == 1


# -- IDS003 version -----------------------------------------------------------------------------------------


def test_a_missing_version_is_ids003_asking_for_version_1():
    problem = one(MINIMAL.replace("version = 1\n", ""), "IDS003")
    assert problem.line == 1 and "version = 1" in problem.message


def test_a_version_this_program_does_not_read_is_ids003_at_that_line():
    text = "# a comment first\n" + MINIMAL.replace("version = 1", "version = 2")
    problem = one(text, "IDS003")
    assert problem.line == line_with(text, "version = 2")
    assert "version = 2" in problem.message


# -- IDS004 duplicate-key -----------------------------------------------------------------------------------

DESTINATION = '[[destinations]]\nkey = "{key}"\ntype = "actions"\nname = "{key}"\n'
AUDIENCE = '[[audiences]]\nkey = "{key}"\nname = "{key}"\n'


@pytest.mark.parametrize(
    ("blocks", "what"),
    [
        ([DESTINATION.format(key="braze"), DESTINATION.format(key="braze")], 'destination "braze"'),
        ([AUDIENCE.format(key="vip"), AUDIENCE.format(key="vip")], 'audience "vip"'),
        (['[[journeys]]\nkey = "j"\nname = "J"\n', '[[journeys]]\nkey = "j"\nname = "J2"\n'], 'journey "j"'),
        (['[[identifiers]]\nkey = "phone"\n', '[[identifiers]]\nkey = "phone"\n'], 'custom identifier "phone"'),
        (
            [
                '[[journeys]]\nkey = "j"\nname = "J"\n[[journeys.steps]]\nkey = "s"\ntype = "filter"\n',
                '[[journeys.steps]]\nkey = "s"\ntype = "send"\n',
            ],
            'step of journeys[j] "s"',
        ),
        (
            [
                DESTINATION.format(key="braze")
                + AUDIENCE.format(key="vip")
                + '[[audiences.connections]]\ndestination = "braze"\n',
                '[[audiences.connections]]\ndestination = "braze"\nlive = true\n',
            ],
            'connection of audiences[vip] to destination "braze"',
        ),
    ],
)
def test_a_key_defined_twice_is_ids004_at_the_second_with_the_first_line(blocks, what):
    first_block, second_block = blocks
    text = MINIMAL + "\n" + first_block + "# second\n" + second_block
    problem = one(text, "IDS004")
    assert problem.line == line_with(text, "# second") + 1
    assert what in problem.message
    first_header = second_block.splitlines()[0]  # the same header opens the first definition
    assert f"(first at line {line_with(text, first_header)})" in problem.message


def test_the_same_destination_connected_twice_to_a_journey_step_is_ids004():
    text = (
        MINIMAL
        + DESTINATION.format(key="braze")
        + '[[journeys]]\nkey = "j"\nname = "J"\n[[journeys.steps]]\nkey = "s"\ntype = "send"\n'
        + '[[journeys.steps.connections]]\ndestination = "braze"\n'
        + '[[journeys.steps.connections]]\ndestination = "braze"\n'
    )
    problem = one(text, "IDS004")
    assert problem.where == "journeys[j].steps[s].connections[braze]"
    assert problem.line == line_with(text, "[[journeys.steps.connections]]", occurrence=2)


def test_a_custom_identifier_named_like_a_default_one_is_ids004():
    text = MINIMAL + '\n[[identifiers]]\nkey = "email"\n'
    problem = one(text, "IDS004")
    assert problem.line == line_with(text, "[[identifiers]]")
    assert "default identifier" in problem.message and "remove it" in problem.message


# -- line numbers -------------------------------------------------------------------------------------------

NESTED = (
    MINIMAL
    + '\n[[destinations]]\nkey = "fb"\ntype = "facebook_custom_audiences"\nname = "FB"\n'
    + '\n[[destinations]]\nkey = "braze"\ntype = "actions"\nname = "Braze"\n'
    + '\n[[audiences]]\nkey = "first"\nname = "First"\n'
    + '\n[[audiences.connections]]\ndestination = "fb"\nsetup = "customized"\n'
    + '\n[[audiences.connections.identifiers]]  # first.fb row 1\nsegment = "email"\ndestination = "EMAIL"\n'
    + '\n[[audiences]]\nkey = "second"\nname = "Second"\n'
    + "\n[[audiences.conditions]]\ntrait = \"plan\"\nop = \"in\"\nvalue = [\n  'pro',\n  'team',\n]\n"
    + '\n[[audiences.connections]]  # second.fb\ndestination = "fb"\n'
    + '\n[[audiences.connections]]  # second.braze\ndestination = "braze"\nsetup = "customized"\n'
    + '\n[[audiences.connections.identifiers]]  # second.braze row 1\nsegment = "email"\ndestination = "email"\n'
    + '\n[[audiences.connections.identifiers]]  # second.braze row 2\nsegment = "user_id"\ndestination = "id"\n'
    + '\n[[journeys]]\nkey = "j"\nname = "J"\n'
    + '\n[[journeys.steps]]\nkey = "s"\ntype = "send"\n'
    + '\n[[journeys.steps.connections]]  # j.s.braze\ndestination = "braze"\nsetup = "customized"\n'
    + '\n[[journeys.steps.connections.identifiers]]  # j.s.braze row 1\nsegment = "email"\ndestination = "e"\n'
)


def _lines_by_where(text: str) -> dict[str, int | None]:
    result = parse_text(text, "space.toml")
    assert result.problems == [] and result.space is not None
    lines: dict[str, int | None] = {}
    for ref in result.space.connections():
        lines[ref.connection.where] = ref.connection.line
        for row in ref.connection.identifiers:
            lines[row.where] = row.line
    return lines


def test_nested_rows_and_connections_carry_the_line_of_their_own_header():
    lines = _lines_by_where(NESTED)
    assert lines["audiences[first].connections[fb].identifiers[1]"] == line_with(NESTED, "# first.fb row 1")
    assert lines["audiences[second].connections[fb]"] == line_with(NESTED, "# second.fb")
    assert lines["audiences[second].connections[braze]"] == line_with(NESTED, "# second.braze")
    assert lines["audiences[second].connections[braze].identifiers[2]"] == line_with(NESTED, "# second.braze row 2")
    assert lines["journeys[j].steps[s].connections[braze]"] == line_with(NESTED, "# j.s.braze")
    assert lines["journeys[j].steps[s].connections[braze].identifiers[1]"] == line_with(NESTED, "# j.s.braze row 1")


def test_a_crlf_file_loads_with_the_same_lines_as_its_lf_twin(tmp_path: Path):
    space_file = tmp_path / "crlf.toml"
    space_file.write_bytes(NESTED.replace("\n", "\r\n").encode())
    crlf = load_space(space_file)
    assert crlf.problems == [] and crlf.space is not None
    lines: dict[str, int | None] = {}
    for ref in crlf.space.connections():
        lines[ref.connection.where] = ref.connection.line
        for row in ref.connection.identifiers:
            lines[row.where] = row.line
    assert lines == _lines_by_where(NESTED)
    assert crlf.space.audiences[1].conditions[0].value == ["pro", "team"]


def test_a_crlf_file_reports_problems_at_the_same_lines():
    text = MINIMAL + '\n[[identifiers]]\nkey = "phone"\nlimt = 5\n'
    lf = [(p.code, p.line) for p in problems_of(text)]
    crlf = [(p.code, p.line) for p in problems_of(text.replace("\n", "\r\n"))]
    assert lf == crlf == [("IDS002", line_with(text, "limt"))]


def test_a_huge_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    huge = tmp_path / "huge.toml"
    with huge.open("wb") as file:  # sparse: 65 MiB on paper, nothing on disk
        file.truncate(65 * 1024 * 1024)
    with pytest.raises(SpaceReadError) as raised:
        load_space(huge)
    message = str(raised.value)
    assert str(huge) in message and "larger than the 64 MiB" in message and "is this the right file?" in message


def test_a_value_that_differs_only_in_case_gets_the_right_suggestion() -> None:
    text = (
        'version = 1\n[space]\nkey = "s"\nname = "S"\n\n[[audiences]]\nkey = "a"\nname = "A"\n\n'
        '[[audiences.connections]]\ndestination = "x"\n\n[[audiences.connections.identifiers]]\n'
        'segment = "email"\ndestination = "email"\nstrategy = "ALL"\n'
    )
    (problem,) = [p for p in parse_text(text).problems if p.code == "IDS002"]
    assert problem.line == 16
    assert problem.message.endswith('Did you mean "all"?')


# -- [space] default_phone_country_code ---------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["1", "44", "353"])
def test_a_country_calling_code_is_read_into_the_model(code):
    result = parse_text(MINIMAL + f'default_phone_country_code = "{code}"\n', "space.toml")
    assert result.problems == [] and result.space.default_phone_country_code == code


def test_without_a_country_code_the_model_has_none():
    assert parse_text(MINIMAL, "space.toml").space.default_phone_country_code is None


@pytest.mark.parametrize(
    ("value", "fix"),
    [('"+44"', '"44"'), ('"uk"', '"44"'), ('"0044"', '"44"'), ('""', '"44"'), ('"1234"', '"44"')],
)
def test_a_bad_country_code_is_ids002_at_its_line_saying_what_to_write(value, fix):
    text = MINIMAL + f"default_phone_country_code = {value}\n"
    problem = one(text, "IDS002")
    assert problem.line == line_with(text, "default_phone_country_code")
    assert "1 to 3 digits without + or leading zeros" in problem.message
    assert problem.message.endswith(f"write default_phone_country_code = {fix}")
    assert parse_text(text, "space.toml").space.default_phone_country_code is None


def test_a_country_code_written_as_a_number_is_ids002_asking_for_quotes():
    text = MINIMAL + "default_phone_country_code = 44\n"
    problem = one(text, "IDS002")
    assert problem.message == (
        '"default_phone_country_code" in space must be a string, not an integer '
        '(write it in quotes: default_phone_country_code = "44")'
    )


# -- an empty required string is IDS002, like a missing one ---------------------------------------------------------


@pytest.mark.parametrize(
    ("block", "key"),
    [
        ('[[audiences]]\nkey = ""\nname = "VIP"\n', "key"),
        ('[[audiences]]\nkey = "vip"\nname = ""\n', "name"),
        ('[[destinations]]\nkey = ""\ntype = "actions"\nname = "Braze"\n', "key"),
        ('[[destinations]]\nkey = "braze"\ntype = "actions"\nname = ""\n', "name"),
        ('[[identifiers]]\nkey = ""\n', "key"),
        ('[[journeys]]\nkey = "j"\nname = ""\n', "name"),
        ('[[journeys]]\nkey = "j"\nname = "J"\n[[journeys.steps]]\nkey = ""\ntype = "filter"\n', "key"),
        # a connection to no destination, a condition on no trait: errors, never silently nothing
        ('[[audiences]]\nkey = "vip"\nname = "VIP"\n[[audiences.connections]]\ndestination = ""\n', "destination"),
        ('[[audiences]]\nkey = "vip"\nname = "VIP"\n[[audiences.conditions]]\ntrait = ""\nop = "exists"\n', "trait"),
    ],
)
def test_an_empty_required_string_is_ids002_at_its_line(block, key):
    text = MINIMAL + "\n" + block
    problem = one(text, "IDS002")
    assert f'"{key}" in ' in problem.message and "is empty" in problem.message
    assert problem.line == line_with(text, f'{key} = ""')


def test_an_empty_space_key_or_name_is_ids002():
    for text in ('version = 1\n[space]\nkey = ""\nname = "A"\n', 'version = 1\n[space]\nkey = "a"\nname = ""\n'):
        assert "is empty" in one(text, "IDS002").message


@pytest.mark.parametrize("table", ["destinations", "steps"])
def test_an_empty_type_is_ids002(table):
    if table == "destinations":
        text = MINIMAL + '\n[[destinations]]\nkey = "d"\ntype = ""\nname = "D"\n'
    else:
        text = MINIMAL + '\n[[journeys]]\nkey = "j"\nname = "J"\n[[journeys.steps]]\nkey = "s"\ntype = ""\n'
    problem = one(text, "IDS002")
    assert problem.line == line_with(text, 'type = ""')


def test_an_empty_row_segment_is_ids002_and_not_an_unknown_identifier():
    from idsync_tui.rules import validate

    text = MINIMAL + (
        '\n[[destinations]]\nkey = "braze"\ntype = "actions"\nname = "Braze"\n'
        '\n[[audiences]]\nkey = "vip"\nname = "VIP"\n[[audiences.connections]]\ndestination = "braze"\n'
        'setup = "customized"\n[[audiences.connections.identifiers]]\nsegment = ""\ndestination = "email"\n'
    )
    problem = one(text, "IDS002")
    assert problem.message.startswith('"segment" in audiences[vip].connections[braze].identifiers[1] is empty')
    assert [p.code for p in validate(parse_text(text, "space.toml")) if p.is_error] == ["IDS002"]
