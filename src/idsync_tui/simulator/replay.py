"""Replay: the profiles file's change lines played on a simulated clock the caller advances; an edit made meanwhile is
a new config version, saved at the simulated time and effective five simulated minutes later."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from idsync_tui.simulator.engine import Notice
from idsync_tui.simulator.profiles import BadLine, Change, format_time, key_to_datetime, read_profiles
from idsync_tui.simulator.scope import Scope, first_sync_history
from idsync_tui.simulator.timeline import ConfigVersion, Output, Simulation
from idsync_tui.space.model import Space


class LiveSimulation(Simulation):
    """A Simulation that takes new config versions while it runs and leaves the change lines to `Replay`."""

    def add_version(self, config: ConfigVersion) -> None:
        self.history = sorted([*self.history, config], key=lambda v: (v.effective_at, v.version))
        self._effective = [v.effective_at for v in self.history]

    def _play_changes(self) -> Iterator[Output]:
        return iter(())  # Replay plays them, on its clock


@dataclass
class Replay:
    """The change lines played on a simulated clock: `advance` moves it and returns what became due."""

    simulation: LiveSimulation
    now: datetime
    changes: list[Change] = field(default_factory=list)
    pending: list[ConfigVersion] = field(default_factory=list)
    scope: Scope | None = None

    @classmethod
    def start(
        cls, space: Space, profiles: Path, start: datetime, scope: Scope | None = None
    ) -> tuple[Replay, Iterator[Output]]:
        """The replay, and the first sync (every profile at `start`) to stream before the clock runs."""
        scope = scope or Scope(f"space {space.key}")
        simulation = LiveSimulation(
            first_sync_history(space, start), start, timeline=True, audience=scope.audience, journey=scope.journey
        )
        replay = cls(simulation, start, scope=scope)

        def first() -> Iterator[Output]:
            for output in simulation.run(read_profiles(profiles, space.identifier_limits())):
                if type(output) is not dict or scope.matches(output):
                    yield output
            replay.changes = sorted(simulation.changes, key=lambda c: (c.at, c.line))

        return replay, first()

    @property
    def version(self) -> int:
        return max(v.version for v in self.simulation.history)

    @property
    def done(self) -> bool:
        return not self.changes and not self.pending

    @property
    def next_at(self) -> datetime | None:
        moments = [key_to_datetime(self.changes[0].at)] if self.changes else []
        if self.pending:
            moments.append(self.pending[0].effective_at)
        return min(moments) if moments else None

    def add_version(self, space: Space) -> ConfigVersion:
        """An edit made now: saved at the simulated time, effective five simulated minutes later."""
        config = ConfigVersion(self.version + 1, self.now, space)
        self.simulation.add_version(config)
        self.pending = sorted([*self.pending, config], key=lambda v: (v.effective_at, v.version))
        return config

    def advance(self, seconds: float) -> list[Output]:
        return self.advance_to(self.now + timedelta(seconds=seconds))

    def step(self) -> list[Output]:
        """Jump the clock to the next change or config version and play it."""
        moment = self.next_at
        return [] if moment is None else self.advance_to(moment)

    def advance_to(self, moment: datetime) -> list[Output]:
        out: list[Output] = []
        simulation = self.simulation
        scope = self.scope
        while True:
            change_at = key_to_datetime(self.changes[0].at) if self.changes else None
            version_at = self.pending[0].effective_at if self.pending else None
            if version_at is not None and version_at <= moment and (change_at is None or version_at <= change_at):
                config = self.pending.pop(0)
                self.now = config.effective_at
                out.append(
                    Notice(
                        format_time(config.effective_at),
                        "",
                        f"config version {config.version} (saved {format_time(config.saved_at)}) is effective from "
                        "now; members already sent are not re-sent",
                    )
                )
                continue
            if change_at is None or change_at > moment:
                break
            change = self.changes.pop(0)
            self.now = change_at
            for output in simulation.apply(change, change_at):
                if type(output) is dict:
                    simulation.seq += 1  # numbered as the audience / journey run would be, then narrowed
                    output["seq"] = simulation.seq
                if scope is None or type(output) is BadLine or scope.matches(output):  # type: ignore[arg-type]
                    out.append(output)
        self.now = max(self.now, moment)
        return out
