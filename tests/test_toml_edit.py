"""The tomlkit adapter: the internals space/toml_edit.py relies on are still there, and an edit through them works.

When a tomlkit release changes them this fails with what changed: update space/toml_edit.py, or keep tomlkit
below that release in pyproject.toml.
"""

from __future__ import annotations

import re
from pathlib import Path

import tomlkit

from idsync_tui.space import toml_edit as te
from idsync_tui.space.history import Journal

SRC = Path(__file__).parents[1] / "src" / "idsync_tui"
TEXT = 'a = 1 # one\n\n# the list\n[[t]]\nk = "x"\n\n[[t]]\nk = "y"\n'


def test_the_tomlkit_internals_the_adapter_uses_are_there() -> None:
    problems = te.check_internals()
    assert not problems, (
        f"tomlkit {tomlkit.__version__} changed what src/idsync_tui/space/toml_edit.py relies on: "
        + "; ".join(problems)
        + ". Update toml_edit.py, or pin tomlkit below this release in pyproject.toml."
    )


def test_an_insert_and_a_removal_through_the_adapter_keep_tomlkit_consistent_and_undo_exactly() -> None:
    doc = te.parse(TEXT)
    journal = Journal()
    value = te.render_value("z", None)
    value.trivia.trail = "\n"
    te.body_insert(journal, doc, 1, te.SingleKey("b"), value)
    tables = doc["t"]
    assert isinstance(tables, te.AoT)
    te.aot_pop(journal, tables, 0)
    # tomlkit's own views (dict, lookups, rendering) agree with the body the adapter changed
    assert doc["b"] == "z" and "b" in doc and doc.unwrap() == {"a": 1, "b": "z", "t": [{"k": "y"}]}
    assert doc.as_string() == 'a = 1 # one\nb = "z"\n\n# the list\n[[t]]\nk = "y"\n'
    assert tomlkit.parse(doc.as_string()).unwrap() == doc.unwrap()
    journal.undo()
    assert doc.as_string() == TEXT and doc.unwrap() == tomlkit.parse(TEXT).unwrap()
    journal.redo()
    assert doc.unwrap() == {"a": 1, "b": "z", "t": [{"k": "y"}]}


def test_no_module_but_the_adapter_uses_tomlkit_private_names() -> None:
    private = re.compile(r"\._(body|map|table_keys|validation_cache|raw|value|trivia)\b|\bdict\.(clear|__setitem__)\(")
    offenders = [
        f"{path.relative_to(SRC)}:{number}"
        for path in SRC.rglob("*.py")
        if path.name != "toml_edit.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if private.search(line)
    ]
    assert not offenders, f"tomlkit internals outside space/toml_edit.py: {offenders}"
