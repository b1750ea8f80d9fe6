"""Helpers for the simulator tests: spaces written as TOML text, profiles as dicts, one call to run them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from idsync_tui.simulator.engine import Notice
from idsync_tui.simulator.profiles import BadLine, parse_line
from idsync_tui.simulator.timeline import ConfigVersion, Simulation
from idsync_tui.space.loader import parse_text
from idsync_tui.space.model import Space

START = datetime(2024, 6, 1, 10, 0, tzinfo=UTC)

HEAD = """
version = 1
[space]
key = "test-space"
name = "Test"
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
name = "Google"
external_id_type = "email"

[[destinations]]
key = "braze"
type = "actions"
name = "Braze"
"""


def space_from(body: str, space_extra: str = "") -> Space:
    """A space: the shared head (phone, crm_id; fb, gads, braze) plus `body`; fails the test on load problems."""
    result = parse_text(HEAD.format(space_extra=space_extra) + body, "test.toml")
    assert result.space is not None and not result.problems, result.problems
    return result.space


def identifier(kind: str, value: str, added_at: str = "2024-01-01T00:00:00Z") -> dict[str, str]:
    return {"type": kind, "value": value, "added_at": added_at}


def profile_line(pid: str, ids: list[dict[str, str]], traits: dict[str, Any] | None = None) -> str:
    return json.dumps({"id": pid, "traits": traits or {}, "identifiers": ids})


def run_lines(
    space: Space | list[ConfigVersion],
    lines: list[str],
    *,
    timeline: bool = False,
    start: datetime = START,
    **kwargs: Any,
) -> list[Any]:
    """Every output (events, notices, bad lines) of simulating `lines` with one config or a history."""
    history = space if isinstance(space, list) else [ConfigVersion(1, start - timedelta(minutes=5), space)]
    limits = history[0].space.identifier_limits()
    items = [item for n, line in enumerate(lines, 1) if (item := parse_line(line, n, limits)) is not None]
    return list(Simulation(history, start, timeline=timeline, **kwargs).run(items))


def events_of(outputs: list[Any]) -> list[dict[str, Any]]:
    return [o for o in outputs if type(o) is dict]


def notices_of(outputs: list[Any]) -> list[Notice]:
    return [o for o in outputs if isinstance(o, Notice)]


def bad_lines_of(outputs: list[Any]) -> list[BadLine]:
    return [o for o in outputs if isinstance(o, BadLine)]


def simulate(body: str, lines: list[str], space_extra: str = "", **kwargs: Any) -> list[dict[str, Any]]:
    """The events of simulating profile `lines` on the shared head plus `body`."""
    return events_of(run_lines(space_from(body, space_extra), lines, **kwargs))
