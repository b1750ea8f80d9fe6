"""The editing document: changes a space file the way a careful person would, with undo / redo and a safe save.

Reading stays with the fast TOML parser (`toml_read`); the tomlkit document (about 1 ms per audience to parse) is
built only when the first edit needs it. Every edit changes the smallest tomlkit node it can (one scalar, one key
added after its siblings, one array-of-tables entry inserted or deleted) so an unedited file saves byte for byte,
and comments and blank lines around an edit stay where they were. Each edit is recorded as a journal of primitive
operations on the tomlkit tree with their exact inverses, so undo is as cheap as the edit and gives back the
previous text byte for byte (it is also kept, and checked against, so a surprise from tomlkit costs a re-parse,
never a wrong file).

In parallel with the tomlkit tree, each edit updates a plain-python copy of the data it means to write
(copy-on-write along the edited path, so every undo step can keep its own version for free). Before saving, the
new text is re-parsed with `toml_read` and compared with that data; on any difference nothing is written.

The text is rendered from the tomlkit tree when something asks for it (save, diff, a full reload), not at every
edit: rendering is the whole cost of an edit (~100 ms at 1,000 audiences, against ~1 ms for the change itself).
So `dirty` compares the data (unchanged parts stay the same objects: a few identity checks), and history keeps the
texts it happened to see; undo checks the tree against one when it has it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from idsync_tui import catalog
from idsync_tui.space import loader, store, toml_read
from idsync_tui.space.history import Change, EditState, Journal
from idsync_tui.space.loader import ENTITY_KEY_PATTERN, LoadResult, SpaceReadError
from idsync_tui.space.store import SaveConflict

__all__ = [
    "DestinationInUse",
    "EditError",
    "SaveConflict",
    "SaveVerifyError",
    "SpaceDocument",
    "SpaceReadError",
]

DataPath = tuple[str | int, ...]

if TYPE_CHECKING:
    from idsync_tui.space import toml_edit as te
    from idsync_tui.space.parse_ahead import ParseAhead, Parsed


def _load_tomlkit() -> None:
    """Imports the tomlkit adapter (and tomlkit) into this module, on the first edit.

    tomlkit takes ~40 ms to import; opening, showing and validating a space never need it (they use toml_read), so
    start-up does not pay for it. Every method that uses `te` runs only after `_document()` called this.
    """
    global te
    from idsync_tui.space import toml_edit as te


CONNECTION_SETTINGS: tuple[str, ...] = (
    "setup",
    "send_identify",
    "send_track",
    "send_mobile_ids",
    "enter_event",
    "exit_event",
    "live",
)
_BOOL_SETTINGS = frozenset({"send_identify", "send_track", "send_mobile_ids", "live"})
# Where a new top-level array of tables goes: in this order, like the spec's example.
_TOP_ORDER = ("space", "identifiers", "destinations", "audiences", "journeys")


class EditError(Exception):
    """An edit that cannot be made (no such row, a key already used, a bad value). The message is for the user."""


class DestinationInUse(EditError):
    """Removing a destination that connections still use; `users` lists each connection's `where`."""

    def __init__(self, message: str, users: list[str]) -> None:
        super().__init__(message)
        self.users = users


class SaveVerifyError(Exception):
    """The text about to be saved does not read back as the data the edits meant to write; nothing was written."""


class SpaceDocument:
    """One space file being edited. See the module's doc for how edits, undo and saving work."""

    def __init__(
        self,
        text: str,
        path: str | Path | None = None,
        disk_hash: str | None = None,
        parsed: Parsed | None = None,
    ) -> None:
        """`parsed`, when given, is what `toml_read.toml_loads` read from `text` and its header lines (`open`)."""
        self.path: Path | None = Path(path) if path is not None else None
        self._reset(text, disk_hash, parsed)

    # -- opening, state ------------------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path, ahead: ParseAhead | None = None) -> SpaceDocument:
        """Reads `path` (raises `SpaceReadError` when it cannot be read, or is not UTF-8). With `ahead`, a child
        parsing the same file (space/parse_ahead.py), its data is used when it read the same bytes."""
        target = Path(path)
        raw = loader.read_bytes(target)
        disk_hash = store.sha256_of(raw)
        text = _decode(raw, target)
        return cls(text, target, disk_hash, ahead.take(disk_hash) if ahead is not None else None)

    @classmethod
    def from_text(cls, text: str, path: str | Path | None = None) -> SpaceDocument:
        """A document for `text`; with a `path`, saving it creates that file (and refuses if one appeared)."""
        return cls(text, path, None)

    def _reset(self, text: str, disk_hash: str | None, parsed: Parsed | None = None) -> None:
        # A UTF-8 BOM (Windows editors write one) is not part of the TOML: kept aside and written back on save.
        self._bom = text.startswith(toml_read.UTF8_BOM)
        if self._bom:
            text = text[1:]
        self._text: str | None = text
        self._saved_text = text
        self._disk_hash = disk_hash
        self._newline = "\r\n" if "\r\n" in text and "\n" not in text.replace("\r\n", "") else "\n"
        self._blank_before_headers = re.search(r"\n[ \t]*\r?\n[ \t]*\[", text) is not None
        # The header lines found with `parsed` hold for this text only: the model of version 0.
        self._headers = parsed[1] if parsed is not None else None
        try:
            self._data: dict[str, Any] | None = parsed[0] if parsed is not None else toml_read.toml_loads(text)
            self._syntax_error: str | None = None
        except toml_read.TomlError as error:
            self._data = None
            self._syntax_error = str(error)
        self._saved_data = self._data
        self._version = 0  # bumped by every edit, undo and redo: what `result` is cached for
        self._doc: te.TOMLDocument | None = None
        self._generation = 0
        self._undo: list[Change] = []
        self._redo: list[Change] = []
        self._result: tuple[int, LoadResult] | None = None
        self._state: EditState | None = None
        self._work: dict[str, Any] | None = None
        self.last_changed: DataPath = ()

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = self._render()
            # History keeps the texts it sees: the current state is where the last undoable change ends and the
            # next redoable one starts.
            if self._undo and self._undo[-1].text_after is None:
                self._undo[-1].text_after = self._text
            if self._redo and self._redo[-1].text_before is None:
                self._redo[-1].text_before = self._text
        return self._text

    @property
    def data(self) -> dict[str, Any]:
        """The data the current text should read back as (do not change it: edits copy what they change)."""
        return self._data if self._data is not None else {}

    @property
    def dirty(self) -> bool:
        """Whether the data differs from what was last loaded or saved (what saving is for)."""
        if self._data is None or self._saved_data is None:
            return self.text != self._saved_text
        return self._data is not self._saved_data and self._data != self._saved_data

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    @property
    def undo_label(self) -> str | None:
        return self._undo[-1].label if self._undo else None

    @property
    def parsed(self) -> bool:
        """Whether the (slow) tomlkit document has been built yet."""
        return self._doc is not None

    def result(self) -> LoadResult:
        """The model and the loader's problems for the current text."""
        if self._result is None or self._result[0] != self._version:
            path = str(self.path) if self.path else ""
            text = self.text
            # The data each edit keeps is what the text reads back as (checked before every save), so the model
            # is built from it rather than from a second parse of the text.
            loaded = loader.parse_text(text, path) if self._data is None else None
            headers = self._headers if self._version == 0 else None
            self._result = (self._version, loaded or loader.parse_data(self._data or {}, text, path, headers))
        return self._result[1]

    def diff(self) -> str:
        """Unified diff from the text on disk (as loaded or last saved) to the current text."""
        name = self.path.name if self.path is not None else "space.toml"
        return "".join(
            difflib.unified_diff(
                self._saved_text.splitlines(keepends=True),
                self.text.splitlines(keepends=True),
                fromfile=f"{name} (saved)",
                tofile=f"{name} (edited)",
            )
        )

    def disk_changes(self) -> tuple[str, str] | None:
        """When the file on disk is no longer what was loaded or last saved (someone else wrote it): two diffs,
        their change (the text as loaded -> the file now) and what saving would overwrite (the file now -> the
        current text). None while the file is still what was loaded."""
        if self.path is None:
            return None
        try:
            raw: bytes | None = self.path.read_bytes()
        except FileNotFoundError:
            raw = None
        except OSError:
            return None
        if (store.sha256_of(raw) if raw is not None else None) == self._disk_hash:
            return None
        disk = raw.decode("utf-8", errors="replace") if raw is not None else ""
        name = self.path.name
        now = f"{name} (on disk now)" if raw is not None else f"{name} (deleted from disk)"
        theirs = difflib.unified_diff(
            self._saved_text.splitlines(keepends=True),
            disk.splitlines(keepends=True),
            fromfile=f"{name} (as you opened it)",
            tofile=now,
        )
        overwrite = difflib.unified_diff(
            disk.splitlines(keepends=True),
            self.text.splitlines(keepends=True),
            fromfile=now,
            tofile=f"{name} (yours: what saving writes)",
        )
        return "".join(theirs), "".join(overwrite)

    # -- saving ------------------------------------------------------------------------------------------
    def verify(self) -> None:
        """Raises `SaveVerifyError` unless the current text reads back (toml_read) as the intended data."""
        where = str(self.path) if self.path is not None else "the space"
        try:
            written = toml_read.toml_loads(self.text)
        except toml_read.TomlError as error:
            raise SaveVerifyError(
                f"{where}: not saved: the edited text is not valid TOML ({error}); undo the last edit and report this"
            ) from None
        if written != self.data:
            raise SaveVerifyError(
                f"{where}: not saved: the edited text does not read back as the intended data"
                f"{_first_difference(self.data, written)}; undo the last edit and report this"
            )

    def save(self, force: bool = False, replace_read_only: bool = False) -> None:
        """Verifies, then writes atomically. Raises SaveConflict (file changed on disk; `force` overwrites),
        ReadOnlyFile (no write permission; `replace_read_only` replaces it), SaveVerifyError (nothing written) or
        OSError."""
        if self.path is None:
            raise EditError("this space has no file yet; choose where to save it")
        if self._data is not None:
            self.verify()
        text = self.text
        content = (toml_read.UTF8_BOM + text if self._bom else text).encode("utf-8")
        self._disk_hash = store.write_atomic(
            self.path, content, expected_hash=self._disk_hash, force=force, replace_read_only=replace_read_only
        )
        self._saved_text, self._saved_data = text, self._data

    def save_as(self, path: str | Path, force: bool = False) -> None:
        """Writes the space to another file ("save as"), which it then is the document of. Refuses with
        SaveConflict when that file exists (`force` replaces it); raises as `save` does otherwise."""
        target = Path(path)
        if self._data is not None:
            self.verify()
        text = self.text
        content = (toml_read.UTF8_BOM + text if self._bom else text).encode("utf-8")
        expected = None if not force else store.disk_hash(target)
        digest = store.write_atomic(target, content, expected_hash=expected, force=force, replace_read_only=force)
        self.path, self._disk_hash = target, digest
        self._saved_text, self._saved_data = text, self._data
        self._result = None  # the model's file changed: relative paths (profiles) resolve from the new folder

    def reload(self) -> None:
        """Re-reads the file from disk: edits and their history are dropped."""
        if self.path is None:
            raise EditError("this space has no file to reload from")
        raw = loader.read_bytes(self.path)
        self._reset(_decode(raw, self.path), store.sha256_of(raw))

    # -- undo / redo -------------------------------------------------------------------------------------
    def undo(self) -> str | None:
        """Undoes the last edit; returns its label, or None when there is nothing to undo."""
        if not self._undo:
            return None
        change = self._undo.pop()
        self._replay(change, change.journal.undo, change.text_before)
        self._data = change.data_before
        self._redo.append(change)
        self._keep_replayable_history()
        return change.label

    def redo(self) -> str | None:
        if not self._redo:
            return None
        change = self._redo.pop()
        self._replay(change, change.journal.redo, change.text_after)
        self._data = change.data_after
        self._undo.append(change)
        self._keep_replayable_history()
        return change.label

    def _replay(self, change: Change, apply: Callable[[], None], text: str | None) -> None:
        """Takes the tree (or, without it, the text) to the state `text` recorded; None: a state never rendered."""
        if self._doc is not None and change.generation == self._generation:
            apply()
            if text is not None and self._render() != text:
                # The tree no longer renders as the text we recorded: trust the text and re-parse when needed.
                self._drop_doc()
        else:
            assert text is not None, "history without a tree keeps only changes with texts"
            self._drop_doc()
        self._text = text
        self._version += 1
        self.last_changed = change.changed

    def _keep_replayable_history(self) -> None:
        """Without the tree the changes were made on, a change replays from its texts: drop the history when a
        state in it was never rendered (only after tomlkit surprised us; never in a normal session)."""
        history = [*self._undo, *self._redo]
        if any(c.generation != self._generation and (c.text_before is None or c.text_after is None) for c in history):
            self._undo.clear()
            self._redo.clear()

    def _drop_doc(self) -> None:
        self._doc = None
        self._generation += 1

    # -- the edit machinery ------------------------------------------------------------------------------
    def _document(self) -> te.TOMLDocument:
        if self._doc is None:
            _load_tomlkit()
            self._doc = te.parse(self.text)
            self._generation += 1
        return self._doc

    def _render(self) -> str:
        text = self._document().as_string()
        if self._newline == "\r\n":
            text = re.sub(r"(?<!\r)\n", "\r\n", text)
        return text

    @contextmanager
    def _edit(self, label: str, changed: DataPath) -> Iterator[None]:
        if self._data is None:
            raise EditError(
                f"{self.path or 'the space'} is not valid TOML ({self._syntax_error}); fix it in a text editor first"
            )
        doc = self._document()
        state = EditState()
        self._state, self._work = state, dict(self._data)
        state.fresh.add(id(self._work))
        try:
            yield
        except BaseException:
            state.journal.undo()
            raise
        finally:
            self._state, work = None, self._work
            self._work = None
        assert work is not None and doc is self._doc
        change = Change(label, state.journal, self._generation, self._text, None, self._data, work, changed)
        self._undo.append(change)
        self._redo.clear()
        self._text, self._data = None, work  # rendered when asked for (see the module's doc)
        self._version += 1
        self.last_changed = changed

    @property
    def _journal(self) -> Journal:
        assert self._state is not None
        return self._state.journal

    def _mutable(self, path: DataPath) -> Any:
        """The plain data at `path` in the edit's working copy, copying each level the first time it changes."""
        assert self._work is not None and self._state is not None
        node: Any = self._work
        for part in path:
            child = node[part]
            if id(child) not in self._state.fresh:
                child = child.copy()
                node[part] = child
                self._state.fresh.add(id(child))
            node = child
        return node

    def _node(self, path: DataPath) -> te.Container:
        """The tomlkit container (a table's body, or the document) at a data path."""
        node: Any = self._document()
        for part in path:
            if isinstance(part, int):
                if not isinstance(node, te.AoT) or part >= len(node.body):
                    raise EditError(f"{self._where(path)} is not written as [[...]] tables; edit it in a text editor")
                node = node.body[part]
            else:
                container = node.value if isinstance(node, te.Table) else node
                index = te.key_index(container, part)
                if index is None:
                    raise EditError(f"{self._where(path)} was not found in the file")
                node = container.body[index][1]
        if isinstance(node, te.Table):
            return node.value
        if isinstance(node, te.Container):
            return node
        raise EditError(f"{self._where(path)} is not written as a [table]; edit it in a text editor")

    # data-and-tree primitives used by every edit -------------------------------------------------------------
    def _set(self, path: DataPath, key: str, value: Any) -> None:
        """Sets one key of the table at `path`: replaces the value (keeping its comment in its column), or adds
        the key after the table's other keys, before its sub-tables."""
        container = self._node(path)
        index = te.key_index(container, key)
        if index is not None:
            old_key, old = container.body[index]
            if isinstance(old, te.Table | te.AoT):
                raise EditError(f"{self._where(path)}.{key} is a table, not a value")
            new = te.render_value(value, old)
            new.trivia.indent = old.trivia.indent
            new.trivia.comment = old.trivia.comment
            new.trivia.trail = old.trivia.trail
            new.trivia.comment_ws = old.trivia.comment_ws
            if old.trivia.comment:
                # Keep the comment where it was: the value grew or shrank by this much.
                shift = len(old.as_string()) - len(new.as_string())
                new.trivia.comment_ws = " " * max(1, len(old.trivia.comment_ws) + shift)
            te.body_set(self._journal, container, index, (old_key, new))
        else:
            position = 0
            for at, (existing, item) in enumerate(container.body):
                if existing is not None and not isinstance(item, te.Table | te.AoT):
                    position = at + 1
            if position > 0:
                before = container.body[position - 1][1]
                if "\n" not in before.trivia.trail and not isinstance(before, te.Whitespace | te.Comment):
                    te.set_trail(self._journal, before, before.trivia.trail + self._newline)
            new = te.render_value(value, None)
            new.trivia.trail = self._newline
            te.body_insert(self._journal, container, position, te.SingleKey(key), new)
        self._mutable(path)[key] = value

    def _new_table(self, values: dict[str, Any]) -> te.Table:
        table = te.new_table()
        table.trivia.trail = self._newline
        for key, value in values.items():
            item = te.render_value(value, None)
            item.trivia.trail = self._newline
            table.append(key, item)
        return table

    def _insert_entry(
        self,
        owner: DataPath,
        name: str,
        index: int,
        table: te.Table,
        value: dict[str, Any],
        lead: list[tuple[te.Key | None, te.Item]] | None = None,
    ) -> None:
        """Inserts `table` as entry `index` of the array of tables `name` under `owner`.

        Comments that introduced the entry now at `index` (or whatever header follows) move below the new entry,
        still above what they describe; the blank lines before it are repeated after it, so spacing stays local.
        """
        journal = self._journal
        container = self._node(owner)
        aot_index = te.key_index(container, name)
        aot = container.body[aot_index][1] if aot_index is not None else None
        if aot is not None and not isinstance(aot, te.AoT):
            raise EditError(f"{self._where((*owner, name))} is not written as [[...]] tables; edit it in a text editor")
        if aot is None:
            position = len(container.body)
            if not owner:
                later = [
                    i for i, (k, _) in enumerate(container.body) if k is not None and _top_rank(k.key) > _top_rank(name)
                ]
                position = later[0] if later else position
            anchor, end = te.anchor_before(container, position)
        elif index > 0:
            anchor = te.deepest(aot.body[index - 1].value)
            end = len(anchor.body)
        else:
            assert aot_index is not None  # there is an array of tables, so it has a place
            anchor, end = te.anchor_before(container, aot_index)
        start, below, blank = te.split_tail(anchor, end)
        blanks = [entry for entry in anchor.body[below:blank] if isinstance(entry[1], te.Whitespace)]
        at_eof = anchor is te.deepest(self._document()) and end == len(anchor.body)
        if not blanks and blank == end and at_eof and self._blank_before_headers and end > 0:
            # Appending at the end of a file that separates its tables with blank lines.
            te.body_insert(journal, anchor, end, None, te.Whitespace(self._newline))
            end += 1
            blank = end
        # The new entry's own trailing blank lines go: what follows it gets the spacing of its new place.
        inner = te.deepest(table.value)
        while inner.body and inner.body[-1][0] is None and isinstance(inner.body[-1][1], te.Whitespace | te.Null):
            te.body_pop(journal, inner, len(inner.body) - 1)
        moved = [te.body_pop(journal, anchor, blank) for _ in range(end - blank)]
        if not at_eof:
            for entry in blanks:
                te.body_insert(journal, inner, len(inner.body), None, te.copy_trivia(entry[1]))
        for entry in moved:
            te.body_insert(journal, inner, len(inner.body), *entry)
        for offset, entry in enumerate(lead or []):
            te.body_insert(journal, anchor, blank + offset, *entry)
        if aot is None:
            # Re-find the spot: popping trivia above may have shifted it.
            if anchor is container:
                position = blank + len(lead or [])
            new_aot = te.AoT([table], name=name)
            te.body_insert(journal, container, position, te.SingleKey(name), new_aot)
            self._mutable(owner)[name] = [value]
        else:
            te.aot_insert(journal, aot, index, table)
            self._mutable((*owner, name)).insert(index, value)

    def _remove_entry(
        self, owner: DataPath, name: str, index: int, carry_comments: bool = False
    ) -> tuple[te.Table, dict[str, Any], list[tuple[te.Key | None, te.Item]]]:
        """Deletes entry `index` of `name` under `owner`. Comments that introduce what follows it stay, above
        that; with `carry_comments`, the comment lines right above the entry are taken too (and returned)."""
        journal = self._journal
        container = self._node(owner)
        aot_index = te.key_index(container, name)
        aot = container.body[aot_index][1] if aot_index is not None else None
        if aot_index is None or not isinstance(aot, te.AoT) or index >= len(aot.body):
            raise EditError(f"{self._where((*owner, name, index))} is not written as [[...]] tables; edit it by hand")
        table = aot.body[index]
        if index > 0:
            anchor = te.deepest(aot.body[index - 1].value)
            end = len(anchor.body)
        else:
            anchor, end = te.anchor_before(container, aot_index)
        a_start, a_below, a_blank = te.split_tail(anchor, end)
        carried: list[tuple[te.Key | None, te.Item]] = []
        if carry_comments:
            first = end
            while first > a_blank and isinstance(anchor.body[first - 1][1], te.Comment):
                first -= 1
            carried = [te.body_pop(journal, anchor, first) for _ in range(end - first)]
            end = first
        inner = te.deepest(table.value)
        at_eof = inner is te.deepest(self._document())
        i_end = len(inner.body)
        _, i_below, i_blank = te.split_tail(inner, i_end)
        rest = [te.body_pop(journal, inner, i_blank) for _ in range(i_end - i_blank)]
        keep: list[tuple[te.Key | None, te.Item]] = []
        if rest and (end > a_blank or a_below == a_blank):
            keep = [(None, te.copy_trivia(item)) for _, item in inner.body[i_below:i_blank]]
        if at_eof and not rest and end == a_blank:
            # The file now ends where the entry started: end it the way it ended before, not with a blank line.
            for _ in range(a_blank - a_below):
                te.body_pop(journal, anchor, a_below)
            end = a_below
            keep = [(None, te.copy_trivia(item)) for _, item in inner.body[i_below:i_blank]]
        for offset, entry in enumerate([*keep, *rest]):
            te.body_insert(journal, anchor, end + offset, *entry)
        if len(aot.body) == 1:
            where = te.key_index(container, name)  # found again: trivia moved above may have shifted it
            assert where is not None
            te.body_pop(journal, container, where)
            value = self._mutable(owner).pop(name)[0]
        else:
            te.aot_pop(journal, aot, index)
            value = self._mutable((*owner, name)).pop(index)
        return table, value, carried

    # -- looking things up in the data -----------------------------------------------------------------------
    def _at(self, path: DataPath) -> Any:
        node: Any = self.data
        for part in path:
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                raise EditError(f"{self._where(path)} does not exist in the space") from None
        return node

    def _where(self, path: DataPath) -> str:
        """`audiences[high_value].connections[fb].identifiers[2]`: a place in the words the loader uses."""
        words: list[str] = []
        node: Any = self.data
        parts = list(path)
        i = 0
        while i < len(parts):
            part = parts[i]
            index = parts[i + 1] if i + 1 < len(parts) else None
            if not isinstance(index, int):
                words.append(str(part))
                node = node.get(part) if isinstance(node, dict) else None
                i += 1
                continue
            entries = node.get(part) if isinstance(node, dict) else None
            entry = entries[index] if isinstance(entries, list) and 0 <= index < len(entries) else None
            label: Any = index + 1
            if isinstance(entry, dict):
                if part == "connections":
                    label = entry.get("destination") or label
                elif part not in ("identifiers", "conditions"):
                    label = entry.get("key") or label
            words.append(f"{part}[{label}]")
            node = entry
            i += 2
        return ".".join(words)

    def _connection(self, conn: DataPath) -> tuple[DataPath, dict[str, Any]]:
        conn = tuple(conn)
        if not (
            (len(conn) == 4 and conn[0] == "audiences" and conn[2] == "connections")
            or (len(conn) == 6 and conn[0] == "journeys" and conn[2] == "steps" and conn[4] == "connections")
        ):
            raise EditError(f"{conn} is not a connection's path, e.g. ('audiences', 0, 'connections', 1)")
        connection = self._at(conn)
        if not isinstance(connection, dict):
            raise EditError(f"{self._where(conn)} is not a table")
        return conn, connection

    def _rows(self, conn: DataPath) -> list[dict[str, Any]]:
        rows = self._at(conn).get("identifiers", [])
        return rows if isinstance(rows, list) else []

    def _row_index(self, conn: DataPath, index: int, count: int) -> int:
        if not isinstance(index, int) or not 0 <= index < count:
            raise EditError(
                f"{self._where(conn)} has no identifier row {index + 1 if isinstance(index, int) else index}"
            )
        return index

    def _index_of(self, kind: str, key: str, owner: DataPath = ()) -> int:
        entries = self._at(owner).get(kind, []) if owner else self.data.get(kind, [])
        for index, entry in enumerate(entries if isinstance(entries, list) else []):
            if isinstance(entry, dict) and entry.get("key") == key:
                return index
        place = f"{self._where(owner)}." if owner else ""
        raise EditError(f'{place}{kind} has no "{key}".' + loader.did_you_mean(key, _keys(entries)))

    def _check_new_key(self, kind: str, key: str, owner: DataPath = (), keep: int | None = None) -> None:
        if not isinstance(key, str) or not ENTITY_KEY_PATTERN.fullmatch(key):
            noun = kind[:-1]
            article = "an" if noun[:1] in ("a", "e", "i", "o", "u") else "a"
            raise EditError(
                f'"{key}" cannot be {article} {noun} key: it must not be empty or contain spaces or brackets'
            )
        entries = self._at(owner).get(kind, []) if owner else self.data.get(kind, [])
        for index, entry in enumerate(entries if isinstance(entries, list) else []):
            if index != keep and isinstance(entry, dict) and entry.get("key") == key:
                raise EditError(f'{kind} already has "{key}"; choose another key')

    def _owner_where_for_steps(self, journey_key: str) -> DataPath:
        return ("journeys", self._index_of("journeys", journey_key))

    def _check_setting(self, key: str, value: Any) -> None:
        if key in _BOOL_SETTINGS:
            if not isinstance(value, bool):
                raise EditError(f"{key} is true or false, not {value!r}")
        elif key == "setup":
            if value not in catalog.SETUPS:
                raise EditError(f'setup is "default" or "customized", not {value!r}')
        elif key in ("enter_event", "exit_event"):
            if not isinstance(value, str) or not value.strip():
                raise EditError(f'{key} needs an event name, e.g. "{catalog.DEFAULT_ENTER_EVENT}"')
        elif key == "destination":
            self._check_destination(value)
        else:
            raise EditError(
                f'a connection has no setting "{key}".'
                + loader.did_you_mean(key, (*CONNECTION_SETTINGS, "destination"))
            )

    def _check_destination(self, key: Any) -> None:
        if key not in _keys(self.data.get("destinations", [])):
            raise EditError(f'no destination "{key}" is added to the space; add it first')

    # -- identifier rows ---------------------------------------------------------------------------------------
    def add_row(
        self,
        conn: DataPath,
        segment: str,
        destination: str,
        strategy: str = catalog.DEFAULT_STRATEGY,
        index: int | None = None,
    ) -> None:
        conn, _ = self._connection(conn)
        _check_row_values(segment, destination, strategy)
        count = len(self._rows(conn))
        at = count if index is None else index
        if not isinstance(at, int) or not 0 <= at <= count:
            raise EditError(f"{self._where(conn)} has {count} rows; a new row can go at 1 to {count + 1}")
        value = {"segment": segment, "destination": destination, "strategy": strategy}
        label = f"add row {segment} -> {destination} ({strategy}) to {self._where(conn)}"
        with self._edit(label, conn[:2]):
            self._insert_entry(conn, "identifiers", at, self._new_table(value), value)

    def remove_row(self, conn: DataPath, index: int) -> None:
        conn, _ = self._connection(conn)
        index = self._row_index(conn, index, len(self._rows(conn)))
        segment = self._rows(conn)[index].get("segment", "")
        with self._edit(f"remove row {index + 1} ({segment}) from {self._where(conn)}", conn[:2]):
            self._remove_entry(conn, "identifiers", index)

    def move_row(self, conn: DataPath, index: int, new_index: int) -> None:
        conn, _ = self._connection(conn)
        count = len(self._rows(conn))
        index = self._row_index(conn, index, count)
        new_index = self._row_index(conn, new_index, count)
        if index == new_index:
            return
        with self._edit(f"move row {index + 1} of {self._where(conn)} to {new_index + 1}", conn[:2]):
            table, value, carried = self._remove_entry(conn, "identifiers", index, carry_comments=True)
            self._insert_entry(conn, "identifiers", new_index, table, value, lead=carried)

    def set_row(
        self,
        conn: DataPath,
        index: int,
        *,
        segment: str | None = None,
        destination: str | None = None,
        strategy: str | None = None,
    ) -> None:
        conn, _ = self._connection(conn)
        index = self._row_index(conn, index, len(self._rows(conn)))
        row = self._rows(conn)[index]
        changes = {
            key: value
            for key, value in (("segment", segment), ("destination", destination), ("strategy", strategy))
            if value is not None and row.get(key) != value
        }
        _check_row_values(segment or row.get("segment", "x"), destination or row.get("destination", "x"), strategy)
        if not changes:
            return
        path = (*conn, "identifiers", index)
        first, *others = changes
        words = "".join(f", {key} to {changes[key]}" for key in others)
        with self._edit(f"set {first} of {self._where(path)} to {changes[first]}{words}", conn[:2]):
            for key, value in changes.items():
                self._set(path, key, value)

    # -- connections ---------------------------------------------------------------------------------------------
    def set_connection(self, conn: DataPath, key: str, value: Any) -> None:
        """Sets one event setting. Setting a value back to its default still writes it: no line disappears."""
        conn, connection = self._connection(conn)
        self._check_setting(key, value)
        if key in connection and connection[key] == value and type(connection[key]) is type(value):
            return
        shown = str(value).lower() if isinstance(value, bool) else value
        with self._edit(f"set {key} of {self._where(conn)} to {shown}", conn[:2]):
            self._set(conn, key, value)
            if key == "destination":
                self.last_changed = conn[:2]

    def add_connection(self, owner: DataPath, destination: str, **settings: Any) -> None:
        owner = tuple(owner)
        if not (
            (len(owner) == 2 and owner[0] == "audiences")
            or (len(owner) == 4 and owner[0] == "journeys" and owner[2] == "steps")
        ):
            raise EditError(f"{owner} is not an audience or a journey step, e.g. ('audiences', 0)")
        table = self._at(owner)
        if owner[0] == "journeys" and table.get("type") != "send":
            raise EditError(f"{self._where(owner)} is a {table.get('type')} step: connect destinations to send steps")
        self._check_destination(destination)
        existing = table.get("connections", [])
        if destination in [c.get("destination") for c in existing if isinstance(c, dict)]:
            raise EditError(f"{self._where(owner)} is already connected to {destination}")
        for key, value in settings.items():
            if key not in CONNECTION_SETTINGS:
                raise EditError(f'a connection has no setting "{key}".' + loader.did_you_mean(key, CONNECTION_SETTINGS))
            self._check_setting(key, value)
        value = {"destination": destination}
        value.update((key, settings[key]) for key in CONNECTION_SETTINGS if key in settings)
        count = len(existing) if isinstance(existing, list) else 0
        with self._edit(f"connect {self._where(owner)} to {destination}", owner[:2]):
            self._insert_entry(owner, "connections", count, self._new_table(value), value)

    def remove_connection(self, conn: DataPath) -> None:
        conn, _ = self._connection(conn)
        with self._edit(f"remove connection {self._where(conn)}", conn[:2]):
            self._remove_entry(conn[:-2], "connections", _index(conn[-1]))

    # -- the [space] table ------------------------------------------------------------------------------------------
    def set_phone_country_code(self, code: str | None) -> None:
        """Sets `[space] default_phone_country_code` (digits, e.g. "44"); None or "" removes the line."""
        space = self.data.get("space")
        if not isinstance(space, dict):
            raise EditError("the file has no [space] table; add one first")
        current = space.get("default_phone_country_code")
        if not code:
            if "default_phone_country_code" not in space:
                return
            with self._edit(f"remove default_phone_country_code {current}", ("space",)):
                container = self._node(("space",))
                index = te.key_index(container, "default_phone_country_code")
                if index is None:
                    raise EditError("default_phone_country_code was not found in the [space] table")
                te.body_pop(self._journal, container, index)
                del self._mutable(("space",))["default_phone_country_code"]
            return
        if not isinstance(code, str) or not loader.COUNTRY_CODE_PATTERN.fullmatch(code):
            raise EditError(
                f'"{code}" is not a country calling code: 1 to 3 digits without + or leading zeros '
                '(e.g. "1" for the US, "44" for the UK)'
            )
        if current == code:
            return
        with self._edit(f"set default_phone_country_code to {code}", ("space",)):
            self._set(("space",), "default_phone_country_code", code)

    # -- destinations ----------------------------------------------------------------------------------------------
    def add_destination(self, key: str, type: str, name: str, external_id_type: str | None = None) -> None:
        self._check_new_key("destinations", key)
        if type not in catalog.DESTINATION_TYPES:
            raise EditError(
                f'"{type}" is not a destination type; use one of {", ".join(catalog.DESTINATION_TYPES)}.'
                + loader.did_you_mean(type, catalog.DESTINATION_TYPES)
            )
        _check_name(name, "destination")
        value: dict[str, Any] = {"key": key, "type": type, "name": name}
        if external_id_type is not None:
            if type != catalog.GOOGLE:
                raise EditError(f"external_id_type applies only to {catalog.GOOGLE}")
            if external_id_type not in catalog.GOOGLE_EXTERNAL_ID_TYPES:
                raise EditError('external_id_type is "email" or "mobile_id"')
            value["external_id_type"] = external_id_type
        count = len(self.data.get("destinations", []))
        with self._edit(f"add destination {key} ({type})", ("destinations", count)):
            self._insert_entry((), "destinations", count, self._new_table(value), value)

    def _users(self, destination: str) -> list[DataPath]:
        found: list[DataPath] = []
        for a, audience in enumerate(self.data.get("audiences", [])):
            for c, connection in enumerate(audience.get("connections", [])):
                if connection.get("destination") == destination:
                    found.append(("audiences", a, "connections", c))
        for j, journey in enumerate(self.data.get("journeys", [])):
            for s, step in enumerate(journey.get("steps", [])):
                for c, connection in enumerate(step.get("connections", [])):
                    if connection.get("destination") == destination:
                        found.append(("journeys", j, "steps", s, "connections", c))
        return found

    def rename_destination(self, key: str, new_key: str | None = None, name: str | None = None) -> None:
        """Renames a destination's key (and every connection that names it, in the same edit) and/or its name."""
        index = self._index_of("destinations", key)
        path = ("destinations", index)
        if new_key is not None and new_key != key:
            self._check_new_key("destinations", new_key, keep=index)
        else:
            new_key = None
        if name is not None:
            _check_name(name, "destination")
            if name == self._at(path).get("name"):
                name = None
        if new_key is None and name is None:
            return
        users = self._users(key) if new_key is not None else []
        words = []
        if new_key is not None:
            words.append(f"rename destination {key} to {new_key}")
            if users:
                words.append(f"in {len(users)} connection{'s' if len(users) != 1 else ''}")
        if name is not None:
            words.append(f"{'and ' if words else ''}name destination {new_key or key} {name!r}")
        with self._edit(" ".join(words), () if users else path):
            if new_key is not None:
                self._set(path, "key", new_key)
                for conn in users:
                    self._set(conn, "destination", new_key)
            if name is not None:
                self._set(path, "name", name)

    def remove_destination(self, key: str, cascade: bool = False) -> None:
        """Removes a destination. Refused with `DestinationInUse` while connections use it, unless `cascade`,
        which removes those connections too, in the same undoable edit."""
        index = self._index_of("destinations", key)
        users = self._users(key)
        if users and not cascade:
            wheres = [self._where(conn) for conn in users]
            raise DestinationInUse(
                f'destination "{key}" is used by {len(users)} connection{"s" if len(users) != 1 else ""} '
                f"({', '.join(wheres)}); remove them first, or remove them with it",
                wheres,
            )
        label = f"remove destination {key}"
        if users:
            label += f" and its {len(users)} connection{'s' if len(users) != 1 else ''}"
        with self._edit(label, ()):
            # Last first, so that the paths of the ones still to remove stay valid.
            for conn in reversed(users):
                self._remove_entry(conn[:-2], "connections", _index(conn[-1]))
            self._remove_entry((), "destinations", index)

    # -- audiences ---------------------------------------------------------------------------------------------
    def add_audience(self, key: str, name: str) -> None:
        self._check_new_key("audiences", key)
        _check_name(name, "audience")
        value = {"key": key, "name": name}
        count = len(self.data.get("audiences", []))
        with self._edit(f"add audience {key}", ("audiences", count)):
            self._insert_entry((), "audiences", count, self._new_table(value), value)

    def rename_audience(self, key: str, new_key: str | None = None, name: str | None = None) -> None:
        self._rename(("audiences", self._index_of("audiences", key)), "audience", new_key, name)

    def remove_audience(self, key: str) -> None:
        index = self._index_of("audiences", key)
        with self._edit(f"remove audience {key}", ()):
            self._remove_entry((), "audiences", index)

    def _rename(self, path: DataPath, word: str, new_key: str | None, name: str | None) -> None:
        entry = self._at(path)
        kind = str(path[-2])
        if new_key is not None and new_key != entry.get("key"):
            self._check_new_key(kind, new_key, path[:-2], keep=int(path[-1]))
        else:
            new_key = None
        if name is not None:
            _check_name(name, word)
            if name == entry.get("name"):
                name = None
        if new_key is None and name is None:
            return
        where = self._where(path)
        words = []
        if new_key is not None:
            words.append(f"rename {where} to {new_key}")
        if name is not None:
            words.append(f"{'and ' if words else ''}name {where if new_key is None else 'it'} {name!r}")
        with self._edit(" ".join(words), path[:2]):
            if new_key is not None:
                self._set(path, "key", new_key)
            if name is not None:
                self._set(path, "name", name)

    # -- journeys and steps ----------------------------------------------------------------------------------------
    def add_journey(self, key: str, name: str) -> None:
        self._check_new_key("journeys", key)
        _check_name(name, "journey")
        value = {"key": key, "name": name}
        count = len(self.data.get("journeys", []))
        with self._edit(f"add journey {key}", ("journeys", count)):
            self._insert_entry((), "journeys", count, self._new_table(value), value)

    def rename_journey(self, key: str, new_key: str | None = None, name: str | None = None) -> None:
        self._rename(("journeys", self._index_of("journeys", key)), "journey", new_key, name)

    def remove_journey(self, key: str) -> None:
        index = self._index_of("journeys", key)
        with self._edit(f"remove journey {key}", ()):
            self._remove_entry((), "journeys", index)

    def add_step(self, journey_key: str, key: str, type: str, index: int | None = None) -> None:
        owner = self._owner_where_for_steps(journey_key)
        self._check_new_key("steps", key, owner)
        if type not in catalog.STEP_TYPES:
            raise EditError(
                f'a step is "filter" or "send", not {type!r}.' + loader.did_you_mean(type, catalog.STEP_TYPES)
            )
        count = len(self._at(owner).get("steps", []))
        at = count if index is None else index
        if not isinstance(at, int) or not 0 <= at <= count:
            raise EditError(f"{self._where(owner)} has {count} steps; a new step can go at 1 to {count + 1}")
        value = {"key": key, "type": type}
        with self._edit(f"add {type} step {key} to {self._where(owner)}", owner):
            self._insert_entry(owner, "steps", at, self._new_table(value), value)

    def rename_step(self, journey_key: str, key: str, new_key: str) -> None:
        owner = self._owner_where_for_steps(journey_key)
        self._rename((*owner, "steps", self._index_of("steps", key, owner)), "step", new_key, None)

    def remove_step(self, journey_key: str, key: str) -> None:
        owner = self._owner_where_for_steps(journey_key)
        index = self._index_of("steps", key, owner)
        with self._edit(f"remove step {self._where((*owner, 'steps', index))}", owner):
            self._remove_entry(owner, "steps", index)


# -- small helpers ---------------------------------------------------------------------------------------------


def _decode(raw: bytes, path: Path) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise SpaceReadError(f"{path}: {loader._utf8_problem(raw, error, str(path)).message}") from None


def _keys(entries: Any) -> list[str]:
    if not isinstance(entries, list):
        return []
    return [entry["key"] for entry in entries if isinstance(entry, dict) and isinstance(entry.get("key"), str)]


def _index(part: str | int) -> int:
    """The entry number a data path ends with (a connection's path ends with its index in `connections`)."""
    assert isinstance(part, int), part
    return part


def _top_rank(name: str) -> int:
    # `version` and anything unknown stay first; the known tables follow in the spec's order.
    return _TOP_ORDER.index(name) if name in _TOP_ORDER else -1


def _check_name(name: Any, word: str) -> None:
    if not isinstance(name, str) or not name.strip():
        raise EditError(f"a {word} needs a name a person can read")


def _check_row_values(segment: Any, destination: Any, strategy: Any) -> None:
    if not isinstance(segment, str) or not segment.strip():
        raise EditError('a row needs a Segment identifier, e.g. "email"')
    if not isinstance(destination, str):
        raise EditError('a row needs a destination identifier, e.g. "EMAIL"')
    if strategy is not None and strategy not in catalog.STRATEGIES:
        raise EditError(
            f"strategy is one of {', '.join(catalog.STRATEGIES)}, not {strategy!r}."
            + loader.did_you_mean(str(strategy), catalog.STRATEGIES)
        )


def _first_difference(intended: Any, written: Any, path: str = "") -> str:
    """` (at audiences[0].name: meant 'x', the text says 'y')`: the first place two data trees differ."""
    if isinstance(intended, dict) and isinstance(written, dict):
        for key in list(intended) + [k for k in written if k not in intended]:
            if key not in written or key not in intended or intended[key] != written[key]:
                return _first_difference(intended.get(key), written.get(key), f"{path}.{key}" if path else str(key))
    if isinstance(intended, list) and isinstance(written, list) and len(intended) == len(written):
        for index, (a, b) in enumerate(zip(intended, written, strict=True)):
            if a != b:
                return _first_difference(a, b, f"{path}[{index}]")
    return f" (at {path or 'the top'}: meant {intended!r}, the text says {written!r})"
