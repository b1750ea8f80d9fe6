"""A new space file: `version = 1` and a `[space]` table with a key and a name, and nothing else.

Used by `idsync-tui new PATH` and by the app when it opens an empty file. Plain Python (no Textual). A file that
already holds anything but white space is never overwritten: the person's text is never lost.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from idsync_tui.space.loader import SPACE_KEY_PATTERN
from idsync_tui.space.store import sha256_of, write_atomic
from idsync_tui.space.values import toml_string

MAX_NAME_CHARS = 200


class NotEmpty(Exception):
    """The file exists and holds text: creating a space there would overwrite it."""


@dataclass(frozen=True, slots=True)
class Suggestion:
    key: str
    name: str


def key_problem(key: str) -> str | None:
    """Why `key` cannot be a space key, or None when it can."""
    if not key:
        return "the key is empty; type one, e.g. acme-prod"
    if not SPACE_KEY_PATTERN.match(key):
        return (
            f'"{key}" is not a space key: use lower-case letters, digits, "-" and "_", '
            "starting with a letter or digit (e.g. acme-prod)"
        )
    return None


def name_problem(name: str) -> str | None:
    """Why `name` cannot be a space name, or None when it can."""
    if not name.strip():
        return "the name is empty; type one, e.g. Acme (production)"
    if len(name) > MAX_NAME_CHARS:
        return f"the name is {len(name)} characters long; keep it under {MAX_NAME_CHARS}"
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        return "the name holds a control character (a tab, a new line...); type it on one line"
    return None


def suggest(path: str | Path) -> Suggestion:
    """A key and a name made from the file's name: `acme_prod.toml` -> `acme_prod`, `Acme prod`."""
    stem = Path(path).name.split(".")[0]
    key = re.sub(r"[^a-z0-9_-]+", "-", stem.lower()).strip("-_") or "my-space"
    name = re.sub(r"[-_\s]+", " ", stem).strip().capitalize() or "My space"
    return Suggestion(key, name)


def space_text(key: str, name: str) -> str:
    """The text of a new space file. `key` and `name` must have passed `key_problem` / `name_problem`."""
    problem = key_problem(key) or name_problem(name)
    if problem:
        raise ValueError(problem)
    return (
        "# An ID Sync space. Open it with `idsync-tui FILE` to add destinations, audiences and journeys.\n"
        "version = 1\n"
        "\n"
        "[space]\n"
        f"key = {toml_string(key)}\n"
        f"name = {toml_string(name.strip())}\n"
    )


def _current(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def is_blank(path: str | Path) -> bool:
    """True when there is no file at `path` or it holds nothing but white space (a new space may go there)."""
    data = _current(Path(path))
    return data is None or not data.strip()


def create(path: str | Path, key: str, name: str) -> Path:
    """Writes a new space at `path` (atomically). Raises `NotEmpty` when the file holds text, OSError on a
    file-system failure, ValueError for a bad key or name."""
    target = Path(path)
    text = space_text(key, name)
    if target.is_dir():
        raise IsADirectoryError(f"{target} is a folder; give a file name, e.g. {target / 'space.toml'}")
    current = _current(target)
    if current is not None and current.strip():
        raise NotEmpty(f"{target} already holds text; it was left as it is (choose another file name)")
    # The hash of what was checked: if anything writes the file between the check and the write, nothing is written.
    expected = None if current is None else sha256_of(current)
    write_atomic(target, text.encode("utf-8"), expected_hash=expected)
    return target


def run_new(
    path: str, key: str | None, name: str | None, out: TextIO, err: TextIO, ask: Callable[[str], str] | None
) -> int:
    """`idsync-tui new PATH [--key KEY] [--name NAME]`: asks for what is missing (when `ask` is given, i.e. on a
    terminal), writes the file, says how to open it. Exit 0 written, 1 refused (a file with text), 2 usage."""
    target = Path(path)
    if target.is_dir():
        print(f"idsync-tui new: {target} is a folder; give a file name, e.g. {target / 'space.toml'}", file=err)
        return 2
    if not is_blank(target):
        print(f"idsync-tui new: {target} already holds text; it was left as it is (choose another file name)", file=err)
        return 1
    suggestion = suggest(target)
    answers: dict[str, str] = {}
    for field_name, given, default, check in (
        ("key", key, suggestion.key, key_problem),
        ("name", name, suggestion.name, name_problem),
    ):
        if given is not None:
            problem = check(given)
            if problem:
                print(f"idsync-tui new: --{field_name}: {problem}", file=err)
                return 2
            answers[field_name] = given
            continue
        if ask is None:
            print(
                f"idsync-tui new: no --{field_name} given and no terminal to ask on; "
                f'pass --key and --name, e.g. idsync-tui new {path} --key {suggestion.key} --name "{suggestion.name}"',
                file=err,
            )
            return 2
        while True:
            try:
                answer = ask(f"Space {field_name} [{default}]: ").strip() or default
            except EOFError:
                print("\nidsync-tui new: nothing was written", file=err)
                return 2
            problem = check(answer)
            if problem is None:
                answers[field_name] = answer
                break
            print(f"  {problem}", file=err)
    try:
        create(target, answers["key"], answers["name"])
    except NotEmpty as error:
        print(f"idsync-tui new: {error}", file=err)
        return 1
    except OSError as error:
        print(f"idsync-tui new: {target} cannot be written: {error.strerror or error}", file=err)
        return 2
    print(f"Created {target}. Open it with: idsync-tui {target}", file=out)
    return 0
