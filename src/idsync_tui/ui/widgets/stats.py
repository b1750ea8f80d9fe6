"""The editor's stats panel: what one connection sends over the space's sample profiles (members, events, fan-out,
share of members with a value for each mapped identifier and, for Facebook / Google, the share of the values sent
that the platform can match).

The counting is `simulator.stats` (pure); this widget decides when to count and shows the result. Results are
cached per (connection object, owner, destinations, profiles file mtime): an edit makes new model objects, so it
recounts, and going back and forth between connections does not. Small files are counted at once (the numbers are
on screen in the first frame); large ones in a thread worker, so the UI never waits for them.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.widgets import Static
from textual.worker import get_current_worker

from idsync_tui.space.model import ConnectionRef, Space

if TYPE_CHECKING:  # the counting loads with the first count, not at start-up
    from idsync_tui.simulator import stats as simstats

WIDE = 120  # from this many columns the panel sits beside the rows table; below, a two-line summary under it
INLINE_BYTES = 256 * 1024  # profiles files up to this size are counted on the spot, larger ones in a worker
_CACHE_SIZE = 64

CacheKey = tuple[int, int, int, int, bool, str, int, int]
_cache: OrderedDict[CacheKey, tuple[tuple[object, ...], simstats.ConnectionStats]] = OrderedDict()


def _percent(share: float) -> str:
    return f"{share * 100:.0f}%"


class ConnectionStats(Static):
    """Stats of one connection over the sample profiles; `update_for(space, ref)` after every change."""

    DEFAULT_CSS = """
    ConnectionStats {
        height: auto; max-height: 3; padding: 0 1; color: $text-muted; text-wrap: nowrap; text-overflow: ellipsis;
    }
    """

    def __init__(self, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(**kwargs)
        self.result: simstats.ConnectionStats | None = None
        self.message: str = ""
        self.source = ""
        self.default_setup = False
        self._key: CacheKey | None = None

    # -- what the editor calls ---------------------------------------------------------------------------------
    def update_for(self, space: Space, ref: ConnectionRef) -> None:
        path = space.profiles_path()
        self.default_setup = not (ref.connection.customized and ref.connection.identifiers)
        if path is None:
            self._show(None, 'Stats: no sample profiles; set profiles = "FILE.jsonl" in [space] to see them')
            return
        try:
            info = path.stat()
        except OSError:
            self._show(None, f"Stats: the profiles file {path.name} is missing (IDS208)")
            return
        owner = ref.audience if ref.audience is not None else ref.journey
        anchors = (ref.connection, owner, space.destinations, space.identifiers)
        key: CacheKey = (
            id(ref.connection),
            id(owner),
            id(space.destinations),
            id(space.identifiers),
            space.include_anonymous,
            str(path),
            info.st_mtime_ns,
            info.st_size,
        )
        self.source = path.name
        self._key = key
        cached = _cache.get(key)
        if cached is not None and all(a is b for a, b in zip(cached[0], anchors, strict=True)):
            _cache.move_to_end(key)
            self._show(cached[1])
            return
        if info.st_size <= INLINE_BYTES:
            try:
                from idsync_tui.simulator import stats as simstats

                result = simstats.stats_for_file(space, ref, path)
            except OSError as error:
                self._show(None, f"Stats: {path.name} cannot be read: {error.strerror or error}")
                return
            self._store(key, anchors, result)
            self._show(result)
            return
        self._show(None, f"Stats: counting over {path.name}…")
        self._count(key, anchors, space, ref, path)

    # -- counting ----------------------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="connection-stats")
    def _count(self, key: CacheKey, anchors: tuple[object, ...], space: Space, ref: ConnectionRef, path: Path) -> None:
        try:
            from idsync_tui.simulator import stats as simstats

            result = simstats.stats_for_file(space, ref, path)
        except OSError as error:
            self.app.call_from_thread(self._show, None, f"Stats: {path.name} cannot be read: {error}")
            return
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._counted, key, anchors, result)

    def _counted(self, key: CacheKey, anchors: tuple[object, ...], result: simstats.ConnectionStats) -> None:
        self._store(key, anchors, result)
        if key == self._key:  # still the connection on screen
            self._show(result)

    @staticmethod
    def _store(key: CacheKey, anchors: tuple[object, ...], result: simstats.ConnectionStats) -> None:
        _cache[key] = (anchors, result)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)

    # -- showing -----------------------------------------------------------------------------------------------
    def _show(self, result: simstats.ConnectionStats | None, message: str = "") -> None:
        self.result = result
        self.message = message
        self.refresh(layout=True)

    def on_resize(self) -> None:
        self.refresh(layout=True)

    @property
    def wide(self) -> bool:
        return self.app.size.width >= WIDE

    def shares(self) -> list[tuple[str, int]]:
        """The identifiers to list: every mapped row; under Default setup, only those some member has."""
        assert self.result is not None
        found = list(self.result.identifiers)
        return [item for item in found if item[1]] if self.default_setup else found

    def render(self) -> Text:
        result = self.result
        if result is None:
            return Text(self.message, style="dim")
        return self.full_text(result) if self.wide else self.summary_text(result)

    def summary_text(self, result: simstats.ConnectionStats) -> Text:
        """Two lines for 80 columns: the counts, then the share of members with a value per identifier."""
        text = Text("Stats ", style="bold")
        text.append(f"{result.members} members · {result.events} events · per member: mean {result.mean_events:.2f}")
        text.append(f", max {result.max_events}", style="bold" if result.max_events > 1 else "")
        if result.silent:
            text.append(f" · {result.silent} send nothing")
        text.append("\nHas a value: ")
        shares = self.shares()
        if not shares:
            text.append("none of the mapped identifiers", style="dim")
        text.append(" · ".join(f"{kind} {_percent(result.share(n))}" for kind, n in shares))
        text.append(f"  ({result.profiles} sample profiles)", style="dim")
        if result.readiness:
            text.append("\nMatchable: ")
            text.append(" · ".join(self.readiness_parts(result)))
            text.append("  (of the values sent; the log's notes say why not)", style="dim")
        return text

    @staticmethod
    def readiness_parts(result: simstats.ConnectionStats) -> list[str]:
        """`email 88%` per mapped identifier with values sent (rounded down: 100% means every value matches)."""
        return [f"{kind} {ok * 100 // sent}%" for kind, sent, ok in result.readiness if sent] or ["nothing sent"]

    def full_text(self, result: simstats.ConnectionStats) -> Text:
        """The side panel at 120+ columns: one figure a line."""
        text = Text.assemble(("Stats", "bold"), (f" over {result.profiles} profiles\n", "dim"))
        if result.bad_lines:
            text.append(f"({result.bad_lines} bad lines skipped)\n", style="dim")
        rows = [
            ("members", str(result.members)),
            ("events", str(result.events)),
            ("per member", f"mean {result.mean_events:.2f}"),
            ("", f"max {result.max_events}" + (f" ({result.max_profile})" if result.max_profile else "")),
            ("send nothing", f"{result.silent} member{'s' * (result.silent != 1)}"),
        ]
        for label, value in rows:
            text.append(f"{label:<13}")
            text.append(value + "\n", style="bold" if label in ("members", "events") else "")
        text.append("Has a value (of members)\n", style="bold")
        shares = self.shares()
        if not shares:
            text.append("none of the mapped identifiers\n", style="dim")
        width = max((len(kind) for kind, _ in shares), default=0)
        for kind, count in shares:
            text.append(f"{kind:<{width}} {count:>4}/{result.members} {_percent(result.share(count)):>5}\n")
        if self.default_setup:
            text.append("default setup: the default identifiers it sends\n", style="dim")
        readiness = [item for item in result.readiness if item[1]]
        if result.readiness:
            text.append("Matchable (of values sent)\n", style="bold")
            if not readiness:
                text.append("no values sent\n", style="dim")
            width = max((len(kind) for kind, _, _ in readiness), default=0)
            for kind, sent, ok in readiness:
                text.append(f"{kind:<{width}} {ok:>4}/{sent} {ok * 100 // sent:>4}%\n")
        text.rstrip()
        return text
