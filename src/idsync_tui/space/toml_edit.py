"""Every edit of a tomlkit tree that tomlkit has no public call for: the one module that touches its internals.

tomlkit's public API can append to a table and replace a value, but not insert an entry at a given place in a
table's body (before a comment, between two array-of-tables entries) or take one out while leaving the comments and
blank lines around it where they are, which is what a minimal edit needs. The functions below do that on the body
lists (`Container._body`, `AoT._body`) and then rebuild what tomlkit derives from them (`Container._map`,
`_table_keys`, `_validation_cache`, and the dict / list views). Each mutation is recorded in a `Journal` with its
exact inverse, so undo gives back the previous tree.

No other module may use a private name of tomlkit. `check_internals()` says what changed when a tomlkit release
moves any of them; tests/test_toml_edit.py runs it and an edit round trip, and pyproject.toml pins tomlkit to the
releases that test passes on. Reads use the public `body` properties.

Importing this module imports tomlkit (~40 ms): the document imports it on the first edit, not at start-up.
"""

from __future__ import annotations

from typing import Any

import tomlkit
from tomlkit import TOMLDocument
from tomlkit.container import Container
from tomlkit.items import AoT, Comment, Item, Key, Null, SingleKey, String, StringType, Table, Whitespace

from idsync_tui.space.history import Journal

__all__ = [
    "AoT",
    "Comment",
    "Container",
    "Item",
    "Key",
    "Null",
    "SingleKey",
    "String",
    "StringType",
    "TOMLDocument",
    "Table",
    "Whitespace",
    "check_internals",
    "new_table",
    "parse",
]

# The private attributes this module relies on, by class (checked by `check_internals`).
INTERNALS: dict[type, tuple[str, ...]] = {
    Container: ("_body", "_map", "_table_keys", "_validation_cache"),
    AoT: ("_body",),
}


def check_internals() -> list[str]:
    """What no longer holds in the installed tomlkit for the functions below to work; empty when all is well."""
    problems: list[str] = []
    version = getattr(tomlkit, "__version__", "?")
    doc = tomlkit.parse('a = 1\n\n[[t]]\nk = "x"\n')
    aot = doc["t"]
    samples: dict[type, Any] = {Container: doc, AoT: aot}
    for cls, attributes in INTERNALS.items():
        for attribute in attributes:
            if not hasattr(samples[cls], attribute):
                problems.append(f"tomlkit {version}: {cls.__name__}.{attribute} is gone")
    if problems:
        return problems
    if doc.body is not doc._body or aot.body is not aot._body:
        problems.append(f"tomlkit {version}: Container.body / AoT.body no longer return the body lists")
    if not isinstance(doc._map, dict) or not isinstance(doc._table_keys, list):
        problems.append(f"tomlkit {version}: Container._map / _table_keys changed type")
    if not hasattr(doc._validation_cache, "clear"):
        problems.append(f"tomlkit {version}: Container._validation_cache has no clear()")
    return problems


def parse(text: str) -> TOMLDocument:
    return tomlkit.parse(text)


def new_table() -> Table:
    return tomlkit.table()


def reindex(container: Container) -> None:
    """Rebuilds a container's key map and dict view from its body, after the body was changed directly."""
    mapping: dict[Key, int | tuple[int, ...]] = {}
    table_keys: list[Key] = []
    dict.clear(container)
    for index, (key, item) in enumerate(container._body):
        if key is None:
            continue
        if key in mapping:
            previous = mapping[key]
            mapping[key] = (*(previous if isinstance(previous, tuple) else (previous,)), index)
        else:
            mapping[key] = index
        if item.is_table():
            table_keys.append(key)
        dict.__setitem__(container, key.key, item.value)
    container._map = mapping
    container._table_keys = table_keys
    container._validation_cache.clear()


def body_insert(journal: Journal, container: Container, index: int, key: Key | None, item: Item) -> None:
    def do() -> None:
        container._body.insert(index, (key, item))
        reindex(container)

    def undo() -> None:
        del container._body[index]
        reindex(container)

    journal.run(do, undo)


def body_pop(journal: Journal, container: Container, index: int) -> tuple[Key | None, Item]:
    entry = container._body[index]

    def do() -> None:
        del container._body[index]
        reindex(container)

    def undo() -> None:
        container._body.insert(index, entry)
        reindex(container)

    journal.run(do, undo)
    return entry


def body_set(journal: Journal, container: Container, index: int, entry: tuple[Key | None, Item]) -> None:
    old = container._body[index]

    def do() -> None:
        container._body[index] = entry
        reindex(container)

    def undo() -> None:
        container._body[index] = old
        reindex(container)

    journal.run(do, undo)


def aot_insert(journal: Journal, aot: AoT, index: int, table: Table) -> None:
    def do() -> None:
        aot._body.insert(index, table)
        list.insert(aot, index, table)

    def undo() -> None:
        del aot._body[index]
        list.__delitem__(aot, index)

    journal.run(do, undo)


def aot_pop(journal: Journal, aot: AoT, index: int) -> Table:
    table = aot._body[index]

    def do() -> None:
        del aot._body[index]
        list.__delitem__(aot, index)

    def undo() -> None:
        aot._body.insert(index, table)
        list.insert(aot, index, table)

    journal.run(do, undo)
    return table


def set_trail(journal: Journal, item: Item, trail: str) -> None:
    old = item.trivia.trail

    def do() -> None:
        item.trivia.trail = trail

    def undo() -> None:
        item.trivia.trail = old

    journal.run(do, undo)


# -- finding things in the tomlkit tree (public API only) ----------------------------------------------------


def is_trivia(item: Item) -> bool:
    return isinstance(item, Whitespace | Comment | Null)


def key_index(container: Container, name: str) -> int | None:
    for index, (key, _) in enumerate(container.body):
        if key is not None and key.key == name:
            return index
    return None


def deepest(container: Container) -> Container:
    """The container whose body ends where this one's text ends (the last row of the last connection, ...)."""
    for key, item in reversed(container.body):
        if isinstance(item, Null):
            continue
        if key is not None and isinstance(item, AoT) and item.body:
            return deepest(item.body[-1].value)
        if key is not None and isinstance(item, Table):
            return deepest(item.value)
        return container
    return container


def anchor_before(container: Container, position: int) -> tuple[Container, int]:
    """Where the comments and blank lines just before `position` in `container`'s text live."""
    for index in range(position - 1, -1, -1):
        key, item = container.body[index]
        if isinstance(item, Null):
            continue
        if key is not None and (isinstance(item, Table) or (isinstance(item, AoT) and item.body)):
            inner = deepest(item.value if isinstance(item, Table) else item.body[-1].value)
            return inner, len(inner.body)
        break
    return container, position


def split_tail(container: Container, end: int) -> tuple[int, int, int]:
    """Splits the comments / blank lines that end at `end` into three runs, returned as their start indexes.

    [start, below): comments right under the content (they belong to it); [below, blank): the blank lines after
    them; [blank, end): what is left, which belongs to whatever header comes next.
    """
    body = container.body
    start = end
    while start > 0 and body[start - 1][0] is None and is_trivia(body[start - 1][1]):
        start -= 1
    below = start
    while below < end and isinstance(body[below][1], Comment | Null):
        below += 1
    blank = below
    while blank < end and isinstance(body[blank][1], Whitespace | Null):
        blank += 1
    return start, below, blank


def copy_trivia(item: Item) -> Item:
    if isinstance(item, Whitespace):
        return Whitespace(item.s)
    return item


def render_value(value: Any, like: Item | None) -> Item:
    if (
        isinstance(value, str)
        and isinstance(like, String)
        and like.type == StringType.SLL
        and "'" not in value
        and "\n" not in value
        and "\r" not in value
    ):
        return tomlkit.string(value, literal=True)
    return tomlkit.item(value)
