"""`idsync-tui diff OLD NEW` and `idsync-tui diff --git REV SPACE`: what a reviewer needs on a pull request.

Compares two versions of a space file by meaning, not by text (a change of comments or layout is no difference):
problems added and fixed; space settings, destinations, audiences and journeys added, removed or changed;
connections added, removed and changed (setup, toggles, event names, rows with their strategies, before -> after);
and, with sample profiles, what each connection would send before and after at the first sync: events, how many
are added / removed / changed, fan-out (events per member, mean and max) and the share of values the platform can
match. The events come from the simulator itself (`simulator/stats.connection_unit`, `engine.connection_events`),
so the figures are the ones `simulate` and the app show. Exit codes: 0 no difference, 1 differences, 2 usage.
"""

from __future__ import annotations

import argparse
import json
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO, cast

from idsync_tui.space.loader import LoadResult, SpaceReadError, load_space, parse_text
from idsync_tui.space.model import Connection, ConnectionRef, Space
from idsync_tui.space.problems import Problem

HELP = (
    "Compare two versions of a space file for review: problems added and fixed, connections changed, and what "
    "each connection would send before and after (events, fan-out, matchable share).",
    (
        "idsync-tui diff old.toml space.toml --profiles sample.profiles.jsonl",
        "idsync-tui diff --git origin/main space.toml --format markdown > comment.md",
    ),
    ("0 no difference", "1 differences (listed)", "2 usage, a file or revision that cannot be read, or git failed"),
)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="OLD NEW: the two versions; with --git, only SPACE (the working file)",
    )
    parser.add_argument(
        "--git",
        metavar="REV",
        help="compare the file as it is at git revision REV (git show REV:SPACE) with the working file",
    )
    parser.add_argument(
        "--profiles",
        metavar="F",
        help="sample profiles (JSON Lines) to simulate with; default: the new version's [space].profiles",
    )
    parser.add_argument(
        "--format",
        choices=("text", "markdown", "json"),
        default="text",
        help="text (default); markdown: ready to paste as a pull-request comment; json: one object",
    )


# -- loading the two versions ------------------------------------------------------------------------------------


class DiffError(Exception):
    """A version cannot be read (exit 2)."""


def git_version(rev: str, space: str) -> tuple[str, str]:
    """(text of SPACE at REV, a label for it), by `git show REV:./NAME` run in the file's folder."""
    path = Path(space)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise DiffError(f"{folder}: no such folder")
    try:
        result = subprocess.run(
            ["git", "-C", str(folder), "show", f"{rev}:./{path.name}"],
            capture_output=True,
            timeout=60,
            check=False,
        )
    except FileNotFoundError:
        raise DiffError("git is not installed (or not on PATH); compare two files instead: diff OLD NEW") from None
    except subprocess.TimeoutExpired:
        raise DiffError("git show took more than 60 seconds") from None
    if result.returncode != 0:
        reason = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise DiffError(f"git show {rev}:{space} failed: {reason[-1] if reason else 'no message'}")
    try:
        text = result.stdout.decode("utf-8")
    except UnicodeDecodeError:
        raise DiffError(f"{space} at {rev} is not UTF-8") from None
    return text, f"{space}@{rev}"


def _load(path: str) -> LoadResult:
    try:
        return load_space(path)
    except SpaceReadError as error:
        raise DiffError(str(error)) from None


# -- what changed in the model -----------------------------------------------------------------------------------


def _problem_key(problem: Problem) -> tuple[str, str, str]:
    return (problem.code, problem.where, problem.message.replace(problem.path, "") if problem.path else problem.message)


def problem_changes(old: list[Problem], new: list[Problem]) -> dict[str, list[dict[str, Any]]]:
    """Problems in NEW and not in OLD (added), and the other way round (fixed); lines do not count (they move)."""
    old_keys = Counter(_problem_key(p) for p in old)
    new_keys = Counter(_problem_key(p) for p in new)

    def listed(problems: list[Problem], other: Counter[tuple[str, str, str]]) -> list[dict[str, Any]]:
        left = Counter(other)
        out = []
        for problem in problems:
            key = _problem_key(problem)
            if left[key] > 0:
                left[key] -= 1
                continue
            out.append(
                {
                    "code": problem.code,
                    "name": problem.name,
                    "severity": problem.severity,
                    "where": problem.where,
                    "line": problem.file_line,
                    "message": problem.message,
                }
            )
        return out

    return {"added": listed(new, old_keys), "fixed": listed(old, new_keys)}


def owner_of(ref: ConnectionRef) -> str:
    if ref.audience is not None:
        return f"audiences[{ref.audience.key}]"
    assert ref.journey is not None and ref.step is not None
    return f"journeys[{ref.journey.key}].steps[{ref.step.key}]"


def connection_id(ref: ConnectionRef) -> str:
    return f"{owner_of(ref)} -> {ref.connection.destination}"


def _row_text(segment: str, destination: str, strategy: str) -> str:
    return f"{segment} -> {destination} ({strategy})"


def _rows(connection: Connection) -> list[str]:
    return [_row_text(r.segment, r.destination, r.strategy) for r in connection.identifiers]


CONNECTION_SETTINGS = (
    "setup",
    "send_identify",
    "send_track",
    "send_mobile_ids",
    "enter_event",
    "exit_event",
    "live",
)


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "(unset)"
    return str(value)


def connection_changes(before: Connection, after: Connection) -> list[dict[str, Any]]:
    changes: list[dict[str, Any]] = []
    for name in CONNECTION_SETTINGS:
        a, b = getattr(before, name), getattr(after, name)
        if a != b:
            changes.append({"field": name, "before": _show(a), "after": _show(b)})
    old_rows = [(r.segment, r.destination, r.strategy) for r in before.identifiers]
    new_rows = [(r.segment, r.destination, r.strategy) for r in after.identifiers]
    if old_rows != new_rows:
        details: list[str] = []
        old_by = {segment: (destination, strategy) for segment, destination, strategy in old_rows}
        new_by = {segment: (destination, strategy) for segment, destination, strategy in new_rows}
        for segment, destination, strategy in new_rows:
            if segment not in old_by:
                details.append(f"+ {_row_text(segment, destination, strategy)}")
            elif old_by[segment] != (destination, strategy):
                was_destination, was_strategy = old_by[segment]
                details.append(f"~ {segment}: {was_destination} ({was_strategy}) -> {destination} ({strategy})")
        for segment, destination, strategy in old_rows:
            if segment not in new_by:
                details.append(f"- {_row_text(segment, destination, strategy)}")
        if not details:
            details.append("rows reordered")
        changes.append({"field": "rows", "before": _rows(before), "after": _rows(after), "details": details})
    return changes


def _describe(connection: Connection) -> str:
    rows = "; ".join(_rows(connection)) or "no rows"
    return f"{connection.setup}, {rows}"


SPACE_SETTINGS = ("key", "name", "profiles", "include_anonymous", "default_phone_country_code")


def _settings(space: Space, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(space, name, None) for name in names}


def model_changes(old: Space | None, new: Space | None) -> dict[str, Any]:
    """Everything that differs between the two models (empty lists when nothing does)."""
    out: dict[str, Any] = {
        "space": [],
        "identifiers": {"added": [], "removed": [], "changed": []},
        "destinations": {"added": [], "removed": [], "changed": []},
        "audiences": {"added": [], "removed": [], "changed": []},
        "journeys": {"added": [], "removed": [], "changed": []},
        "connections": {"added": [], "removed": [], "changed": []},
    }
    if old is None or new is None:
        return out
    for name, before in _settings(old, SPACE_SETTINGS).items():
        after = getattr(new, name, None)
        if before != after:
            out["space"].append({"field": name, "before": _show(before), "after": _show(after)})

    def compare(kind: str, before: dict[str, Any], after: dict[str, Any], describe: Any) -> None:
        for key in after:
            if key not in before:
                out[kind]["added"].append({"key": key, "after": describe(after[key])})
            elif describe(before[key]) != describe(after[key]):
                out[kind]["changed"].append(
                    {"key": key, "before": describe(before[key]), "after": describe(after[key])}
                )
        for key in before:
            if key not in after:
                out[kind]["removed"].append({"key": key, "before": describe(before[key])})

    compare(
        "identifiers",
        {i.key: i for i in old.identifiers},
        {i.key: i for i in new.identifiers},
        lambda i: f"limit {i.limit}",
    )
    compare(
        "destinations",
        {d.key: d for d in old.destinations},
        {d.key: d for d in new.destinations},
        lambda d: f"{d.type}" + (f", external_id_type {d.external_id_type}" if d.external_id_type else ""),
    )

    def conditions(conds: Any) -> str:
        return " and ".join(f"{c.trait} {c.op} {json.dumps(c.value)}" for c in conds) or "everyone"

    compare(
        "audiences",
        {a.key: a for a in old.audiences},
        {a.key: a for a in new.audiences},
        lambda a: f"{a.name}: {conditions(a.conditions)}",
    )
    compare(
        "journeys",
        {j.key: j for j in old.journeys},
        {j.key: j for j in new.journeys},
        lambda j: (
            f"{j.name}: "
            + " | ".join(
                f"{s.key} ({s.type}{': ' + conditions(s.conditions) if s.conditions else ''})" for s in j.steps
            )
        ),
    )
    old_refs = {connection_id(ref): ref for ref in old.connections()}
    new_refs = {connection_id(ref): ref for ref in new.connections()}
    for key, ref in new_refs.items():
        if key not in old_refs:
            out["connections"]["added"].append({"connection": key, "after": _describe(ref.connection)})
        else:
            changes = connection_changes(old_refs[key].connection, ref.connection)
            if changes:
                out["connections"]["changed"].append({"connection": key, "changes": changes})
    for key, ref in old_refs.items():
        if key not in new_refs:
            out["connections"]["removed"].append({"connection": key, "before": _describe(ref.connection)})
    return out


# -- what each connection sends, before and after ------------------------------------------------------------------


@dataclass
class Sends:
    """One connection over the profiles: members, and the events (canonical text) per member."""

    members: int = 0
    events: dict[str, list[str]] = field(default_factory=dict)
    sent_values: int = 0
    matchable_values: int = 0

    @property
    def total(self) -> int:
        return sum(len(v) for v in self.events.values())

    @property
    def max(self) -> int:
        return max((len(v) for v in self.events.values()), default=0)

    @property
    def mean(self) -> float:
        return self.total / self.members if self.members else 0.0

    @property
    def matchable(self) -> float | None:
        return self.matchable_values / self.sent_values if self.sent_values else None


def _canonical(event: dict[str, Any]) -> str:
    """What makes two events the same for a reviewer: the call, the action and the payload (not seq, time, notes)."""
    return json.dumps([event.get("call"), event.get("action"), event.get("payload")], sort_keys=True)


def simulate_connections(space: Space, profiles: Path) -> dict[str, Sends]:
    """Every connection of `space` at the first sync over `profiles` (enter events, as the editor's stats)."""
    from idsync_tui.simulator.engine import ENTER, SyncContext, connection_events
    from idsync_tui.simulator.membership import qualifies
    from idsync_tui.simulator.profiles import Profile, read_profiles
    from idsync_tui.simulator.stats import connection_unit

    units: list[tuple[str, Any, Any, dict[str, list[int]]]] = []
    for ref in space.connections():
        found = connection_unit(space, ref)
        if found is not None:
            units.append((connection_id(ref), found[0], found[1], {}))
    result = {key: Sends() for key, _, _, _ in units}
    context = SyncContext("")
    include_anonymous = space.include_anonymous
    for item in read_profiles(profiles, space.identifier_limits()):
        if type(item) is not Profile:
            continue
        if not qualifies(item.ids, include_anonymous):
            continue
        for key, predicate, plan, tally in units:
            if not predicate(item.traits):
                continue
            sends = result[key]
            sends.members += 1
            outputs = connection_events(plan, item, ENTER, context, tally)
            sends.events[item.id] = [_canonical(o) for o in outputs if type(o) is dict]
    for key, _, _, tally in units:
        for sent, matchable in tally.values():
            result[key].sent_values += sent
            result[key].matchable_values += matchable
    return result


def event_changes(before: Sends, after: Sends) -> tuple[int, int, int]:
    """(added, removed, changed) events: per member, identical events match; of the rest, pairs are changed."""
    added = removed = changed = 0
    for profile in set(before.events) | set(after.events):
        old = Counter(before.events.get(profile, ()))
        new = Counter(after.events.get(profile, ()))
        only_old = sum((old - new).values())
        only_new = sum((new - old).values())
        paired = min(only_old, only_new)
        changed += paired
        added += only_new - paired
        removed += only_old - paired
    return added, removed, changed


def consequences(old: dict[str, Sends], new: dict[str, Sends]) -> list[dict[str, Any]]:
    rows = []
    for key in [*new, *(k for k in old if k not in new)]:
        before, after = old.get(key, Sends()), new.get(key, Sends())
        added, removed, changed = event_changes(before, after)
        rows.append(
            {
                "connection": key,
                "members_before": before.members,
                "members_after": after.members,
                "events_before": before.total,
                "events_after": after.total,
                "added": added,
                "removed": removed,
                "changed": changed,
                "fanout_mean_before": round(before.mean, 2),
                "fanout_mean_after": round(after.mean, 2),
                "fanout_max_before": before.max,
                "fanout_max_after": after.max,
                "matchable_before": None if before.matchable is None else round(before.matchable, 4),
                "matchable_after": None if after.matchable is None else round(after.matchable, 4),
                "status": "added" if key not in old else "removed" if key not in new else "kept",
            }
        )
    return rows


# -- the whole report ----------------------------------------------------------------------------------------------


def _validated(result: LoadResult) -> list[Problem]:
    from idsync_tui.rules import validate

    return validate(result)


def build_report(
    old: LoadResult, new: LoadResult, old_label: str, new_label: str, profiles: Path | None
) -> dict[str, Any]:
    report: dict[str, Any] = {
        "old": old_label,
        "new": new_label,
        "problems": problem_changes(_validated(old), _validated(new)),
    }
    report.update(model_changes(old.space, new.space))
    report["simulation"] = None
    if profiles is not None and old.space is not None and new.space is not None:
        rows = consequences(simulate_connections(old.space, profiles), simulate_connections(new.space, profiles))
        report["simulation"] = {
            "profiles": str(profiles),
            "connections": [r for r in rows if r["added"] or r["removed"] or r["changed"] or r["status"] != "kept"],
            "unchanged": sum(
                1 for r in rows if not (r["added"] or r["removed"] or r["changed"]) and r["status"] == "kept"
            ),
        }
    report["different"] = has_differences(report)
    return report


def has_differences(report: dict[str, Any]) -> bool:
    if report["problems"]["added"] or report["problems"]["fixed"] or report["space"]:
        return True
    for kind in ("identifiers", "destinations", "audiences", "journeys", "connections"):
        if any(report[kind][what] for what in ("added", "removed", "changed")):
            return True
    simulation = report.get("simulation")
    return bool(simulation and simulation["connections"])


# -- rendering -----------------------------------------------------------------------------------------------------


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.0f}%"


def _consequence_line(row: dict[str, Any]) -> str:
    return (
        f"events {row['events_before']} -> {row['events_after']} "
        f"(+{row['added']} -{row['removed']} ~{row['changed']}), "
        f"members {row['members_before']} -> {row['members_after']}, "
        f"fan-out mean {row['fanout_mean_before']:.2f} -> {row['fanout_mean_after']:.2f}, "
        f"max {row['fanout_max_before']} -> {row['fanout_max_after']}, "
        f"matchable {_share(row['matchable_before'])} -> {_share(row['matchable_after'])}"
    )


def _summary(report: dict[str, Any]) -> str:
    problems = report["problems"]
    connections = report["connections"]
    parts = [
        f"{len(problems['added'])} problem(s) added, {len(problems['fixed'])} fixed",
        f"connections: {len(connections['added'])} added, {len(connections['removed'])} removed, "
        f"{len(connections['changed'])} changed",
    ]
    simulation = report.get("simulation")
    if simulation:
        rows = simulation["connections"]
        before = sum(r["events_before"] for r in rows)
        after = sum(r["events_after"] for r in rows)
        parts.append(
            f"events of the connections that change: {before} -> {after} "
            f"(+{sum(r['added'] for r in rows)} -{sum(r['removed'] for r in rows)} ~{sum(r['changed'] for r in rows)})"
        )
    return "; ".join(parts)


def render_text(report: dict[str, Any]) -> str:
    lines = [f"diff {report['old']} -> {report['new']}"]
    if not report["different"]:
        return lines[0] + "\nno difference\n"
    problems = report["problems"]
    for what, label in (("added", "problem added"), ("fixed", "problem fixed")):
        for p in problems[what]:
            lines.append(
                f"{label}: {p['code']} {p['name']} at {p['where'] or 'the file'} (line {p['line']}): {p['message']}"
            )
    for change in report["space"]:
        lines.append(f"space: {change['field']} {change['before']} -> {change['after']}")
    for kind in ("identifiers", "destinations", "audiences", "journeys"):
        singular = kind[:-1]
        for item in report[kind]["added"]:
            lines.append(f"{singular} added: {item['key']} ({item['after']})")
        for item in report[kind]["removed"]:
            lines.append(f"{singular} removed: {item['key']} ({item['before']})")
        for item in report[kind]["changed"]:
            lines.append(f"{singular} changed: {item['key']}: {item['before']} -> {item['after']}")
    connections = report["connections"]
    for item in connections["added"]:
        lines.append(f"connection added: {item['connection']} ({item['after']})")
    for item in connections["removed"]:
        lines.append(f"connection removed: {item['connection']} ({item['before']})")
    for item in connections["changed"]:
        lines.append(f"connection changed: {item['connection']}")
        for change in item["changes"]:
            if change["field"] == "rows":
                lines.append("  rows: " + ("; ".join(change["before"]) or "none"))
                lines.append("     -> " + ("; ".join(change["after"]) or "none"))
                lines.extend(f"    {detail}" for detail in change["details"])
            else:
                lines.append(f"  {change['field']}: {change['before']} -> {change['after']}")
    simulation = report.get("simulation")
    if simulation:
        lines.append(f"simulated over {simulation['profiles']} (first sync, enter events):")
        for row in simulation["connections"]:
            lines.append(f"  {row['connection']}: {_consequence_line(row)}")
        if simulation["unchanged"]:
            lines.append(f"  {simulation['unchanged']} other connection(s) send the same events")
    lines.append(_summary(report))
    return "\n".join(lines) + "\n"


def _cell(text: Any) -> str:
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("`", "'")


def _code(text: Any) -> str:
    return f"`{_cell(text)}`"


def render_markdown(report: dict[str, Any]) -> str:
    lines = [f"### ID Sync review: {_code(report['old'])} → {_code(report['new'])}", ""]
    if not report["different"]:
        lines.append("No difference in meaning (comments and layout aside).")
        return "\n".join(lines) + "\n"
    lines += [f"**{_cell(_summary(report))}**", ""]
    problems = report["problems"]
    if problems["added"] or problems["fixed"]:
        lines += ["#### Problems", "", "| | code | where | line | message |", "|---|---|---|---|---|"]
        for what, label in (("added", "**added**"), ("fixed", "fixed")):
            for p in problems[what]:
                lines.append(
                    f"| {label} | {p['code']} {p['name']} ({p['severity']}) | {_code(p['where'] or 'file')} | "
                    f"{p['line']} | {_cell(p['message'])} |"
                )
        lines.append("")
    other = [
        (kind, what, item)
        for kind in ("identifiers", "destinations", "audiences", "journeys")
        for what in ("added", "removed", "changed")
        for item in report[kind][what]
    ]
    if report["space"] or other:
        lines += ["#### Space", "", "| what | change | before | after |", "|---|---|---|---|"]
        for change in report["space"]:
            lines.append(f"| space | {change['field']} | {_cell(change['before'])} | {_cell(change['after'])} |")
        for kind, what, item in other:
            lines.append(
                f"| {kind[:-1]} {_code(item['key'])} | {what} | {_cell(item.get('before', ''))} | "
                f"{_cell(item.get('after', ''))} |"
            )
        lines.append("")
    connections = report["connections"]
    if any(connections.values()):
        lines += ["#### Connections", "", "| connection | change | before | after |", "|---|---|---|---|"]
        for item in connections["added"]:
            lines.append(f"| {_code(item['connection'])} | added | | {_cell(item['after'])} |")
        for item in connections["removed"]:
            lines.append(f"| {_code(item['connection'])} | removed | {_cell(item['before'])} | |")
        for item in connections["changed"]:
            for change in item["changes"]:
                if change["field"] == "rows":
                    before = "<br>".join(_cell(r) for r in change["before"]) or "none"
                    after = "<br>".join(_cell(r) for r in change["after"]) or "none"
                    details = "<br>".join(_cell(d) for d in change["details"])
                    lines.append(f"| {_code(item['connection'])} | rows<br>{details} | {before} | {after} |")
                else:
                    lines.append(
                        f"| {_code(item['connection'])} | {change['field']} | {_cell(change['before'])} | "
                        f"{_cell(change['after'])} |"
                    )
        lines.append("")
    simulation = report.get("simulation")
    if simulation:
        lines += [
            f"#### What is sent (simulated over {_code(simulation['profiles'])}, first sync)",
            "",
            "| connection | events | added | removed | changed | members | fan-out mean | fan-out max | matchable |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for row in simulation["connections"]:
            lines.append(
                f"| {_code(row['connection'])} | {row['events_before']} → {row['events_after']} | +{row['added']} | "
                f"−{row['removed']} | ~{row['changed']} | {row['members_before']} → {row['members_after']} | "
                f"{row['fanout_mean_before']:.2f} → {row['fanout_mean_after']:.2f} | "
                f"{row['fanout_max_before']} → {row['fanout_max_after']} | "
                f"{_share(row['matchable_before'])} → {_share(row['matchable_after'])} |"
            )
        if simulation["unchanged"]:
            lines += ["", f"{simulation['unchanged']} other connection(s) send the same events."]
        lines.append("")
    lines.append("<sub>idsync-tui diff</sub>")
    return "\n".join(lines) + "\n"


def run(parser: argparse.ArgumentParser, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from idsync_tui.text import InertWriter

    # keys and messages from the files: no control characters
    out, err = cast(TextIO, InertWriter(out)), cast(TextIO, InertWriter(err))
    try:
        if args.git is not None:
            if len(args.files) != 1:
                parser.error("with --git REV, give one file: idsync-tui diff --git REV SPACE")
            space = args.files[0]
            old_text, old_label = git_version(args.git, space)
            old = parse_text(old_text, old_label)
            new, new_label = _load(space), space
        else:
            if len(args.files) != 2:
                parser.error("give two files, OLD and NEW (or --git REV SPACE)")
            old, old_label = _load(args.files[0]), args.files[0]
            new, new_label = _load(args.files[1]), args.files[1]
    except DiffError as error:
        print(f"idsync-tui diff: {error}", file=err)
        return 2
    profiles: Path | None = None
    if args.profiles is not None:
        profiles = Path(args.profiles)
        if not profiles.is_file():
            print(f"idsync-tui diff: profiles file {profiles} does not exist or is not a file", file=err)
            return 2
    else:
        for result in (new, old):
            candidate = result.space.profiles_path() if result.space is not None else None
            if candidate is not None and candidate.is_file():
                profiles = candidate
                break
    report = build_report(old, new, old_label, new_label, profiles)
    if args.format == "json":
        out.write(json.dumps(report, ensure_ascii=False) + "\n")
    elif args.format == "markdown":
        out.write(render_markdown(report))
    else:
        out.write(render_text(report))
    return 1 if report["different"] else 0
