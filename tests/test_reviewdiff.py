"""`idsync-tui diff`: problems added and fixed, connections changed (rows before -> after), and the simulated
consequence per connection, counted by hand on three profiles; `--git REV SPACE`; exit codes 0 / 1 / 2."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from idsync_tui.cli import main

OLD = """\
# The review fixture: two connections of one audience, and an unused destination.
version = 1

[space]
key = "review"
name = "Review"
profiles = "people.jsonl"

[[destinations]]
key = "fb"
type = "facebook_custom_audiences"
name = "Facebook"

[[destinations]]
key = "braze"
type = "actions"
name = "Braze"

[[destinations]]
key = "mixpanel"
type = "classic"
name = "Mixpanel"

[[audiences]]
key = "everyone"
name = "Everyone"

[[audiences.connections]]
destination = "fb"
setup = "customized"

[[audiences.connections.identifiers]]
segment = "email"
destination = "EMAIL"
strategy = "last_added"

[[audiences.connections]]
destination = "braze"
setup = "customized"

[[audiences.connections.identifiers]]
segment = "email"
destination = "email"
strategy = "last_added"
"""

NEW = (
    OLD.replace('destination = "EMAIL"\nstrategy = "last_added"', 'destination = "EMAIL"\nstrategy = "first_added"')
    .replace('destination = "email"\nstrategy = "last_added"', 'destination = "email"\nstrategy = "all"')
    .replace(
        '[[destinations]]\nkey = "mixpanel"\ntype = "classic"\nname = "Mixpanel"\n\n',
        "",
    )
    .replace('[[destinations]]\nkey = "fb"', '[[identifiers]]\nkey = "crm_id"\n\n[[destinations]]\nkey = "fb"', 1)
)

PEOPLE = "\n".join(
    json.dumps(line)
    for line in (
        {
            "id": "p1",
            "traits": {},
            "identifiers": [
                {"type": "user_id", "value": "u1", "added_at": "2024-01-01T00:00:00Z"},
                {"type": "email", "value": "a@old.example", "added_at": "2024-01-01T00:00:00Z"},
                {"type": "email", "value": "a@new.example", "added_at": "2024-03-01T00:00:00Z"},
            ],
        },
        {
            "id": "p2",
            "traits": {},
            "identifiers": [{"type": "email", "value": "bo-at-example", "added_at": "2024-02-01T00:00:00Z"}],
        },
        {
            "id": "p3",
            "traits": {},
            "identifiers": [{"type": "user_id", "value": "u3", "added_at": "2024-02-01T00:00:00Z"}],
        },
    )
)


def run(*argv: str, cwd: Path | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def versions(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "people.jsonl").write_text(PEOPLE + "\n", encoding="utf-8")
    old, new = tmp_path / "old.toml", tmp_path / "space.toml"
    old.write_text(OLD, encoding="utf-8")
    new.write_text(NEW, encoding="utf-8")
    return old, new


def test_json_report_counts_the_known_event_deltas(versions: tuple[Path, Path]) -> None:
    old, new = versions
    code, out, _ = run("diff", str(old), str(new), "--format", "json")
    assert code == 1
    report = json.loads(out)
    rows = {row["connection"]: row for row in report["simulation"]["connections"]}
    fb = rows["audiences[everyone] -> fb"]
    # p1 sends its first email instead of its last (changed); p2 the same; p3 has no email (a member, no event)
    assert (fb["events_before"], fb["events_after"], fb["added"], fb["removed"], fb["changed"]) == (2, 2, 0, 0, 1)
    assert (fb["members_before"], fb["members_after"]) == (3, 3)
    assert (fb["matchable_before"], fb["matchable_after"]) == (0.5, 0.5)  # "bo-at-example" is not an email
    braze = rows["audiences[everyone] -> braze"]
    # email last_added -> all: p1 now sends both emails (one more event), p2 unchanged
    assert (braze["events_before"], braze["events_after"], braze["added"], braze["removed"], braze["changed"]) == (
        2,
        3,
        1,
        0,
        0,
    )
    assert (braze["fanout_mean_before"], braze["fanout_mean_after"]) == (0.67, 1.0)
    assert (braze["fanout_max_before"], braze["fanout_max_after"]) == (1, 2)
    assert braze["matchable_before"] is None  # no matching rules outside Facebook / Google


def test_json_report_lists_problems_and_connection_changes(versions: tuple[Path, Path]) -> None:
    old, new = versions
    report = json.loads(run("diff", str(old), str(new), "--format", "json")[1])
    assert [(p["code"], p["where"]) for p in report["problems"]["fixed"]] == [("IDS205", "destinations[mixpanel]")]
    assert [(p["code"], p["where"]) for p in report["problems"]["added"]] == [("IDS206", "identifiers[crm_id]")]
    assert report["destinations"]["removed"] == [{"key": "mixpanel", "before": "classic"}]
    assert report["identifiers"]["added"] == [{"key": "crm_id", "after": "limit 5"}]
    changed = {c["connection"]: c["changes"] for c in report["connections"]["changed"]}
    assert changed["audiences[everyone] -> fb"] == [
        {
            "field": "rows",
            "before": ["email -> EMAIL (last_added)"],
            "after": ["email -> EMAIL (first_added)"],
            "details": ["~ email: EMAIL (last_added) -> EMAIL (first_added)"],
        }
    ]
    assert report["different"] is True


def test_text_report(versions: tuple[Path, Path]) -> None:
    old, new = versions
    code, out, _ = run("diff", str(old), str(new))
    assert code == 1
    assert "problem fixed: IDS205 unused-destination at destinations[mixpanel]" in out
    assert "connection changed: audiences[everyone] -> braze" in out
    assert "    ~ email: email (last_added) -> email (all)" in out
    assert (
        "  audiences[everyone] -> braze: events 2 -> 3 (+1 -0 ~0), members 3 -> 3, fan-out mean 0.67 -> 1.00, "
        "max 1 -> 2, matchable n/a -> n/a"
    ) in out


def test_markdown_report_is_tables_ready_to_paste(versions: tuple[Path, Path]) -> None:
    old, new = versions
    code, out, _ = run("diff", str(old), str(new), "--format", "markdown")
    assert code == 1
    assert out.startswith("### ID Sync review: ")
    assert (
        "| connection | events | added | removed | changed | members | fan-out mean | fan-out max | matchable |" in out
    )
    assert "| `audiences[everyone] -> braze` | 2 → 3 | +1 | −0 | ~0 | 3 → 3 | 0.67 → 1.00 | 1 → 2 | n/a → n/a |" in out
    assert "| fixed | IDS205 unused-destination (warning) | `destinations[mixpanel]` |" in out


def test_comments_and_layout_are_no_difference(versions: tuple[Path, Path], tmp_path: Path) -> None:
    old, _ = versions
    same = tmp_path / "same.toml"
    same.write_text("# a new comment\n" + OLD.replace("\n\n", "\n\n\n"), encoding="utf-8")
    code, out, _ = run("diff", str(old), str(same))
    assert code == 0
    assert "no difference" in out


def test_git_revision_against_the_working_file(versions: tuple[Path, Path], tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.fail("git is needed for diff --git")
    old, new = versions
    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.copyfile(tmp_path / "people.jsonl", repo / "people.jsonl")
    shutil.copyfile(old, repo / "space.toml")

    def git(*args: str) -> None:
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
            cwd=repo,
            check=True,
            capture_output=True,
        )

    git("init", "-q")
    git("add", ".")
    git("commit", "-qm", "old")
    shutil.copyfile(new, repo / "space.toml")
    code, out, err = run("diff", "--git", "HEAD", str(repo / "space.toml"), "--format", "json")
    assert code == 1, err
    report = json.loads(out)
    assert report["old"] == f"{repo / 'space.toml'}@HEAD"
    rows = {row["connection"]: row for row in report["simulation"]["connections"]}
    assert rows["audiences[everyone] -> braze"]["added"] == 1
    code, _, err = run("diff", "--git", "no-such-rev", str(repo / "space.toml"))
    assert code == 2 and "git show no-such-rev" in err
    git("commit", "-qam", "new")
    assert run("diff", "--git", "HEAD", str(repo / "space.toml"))[0] == 0


def test_usage_errors_exit_2(versions: tuple[Path, Path]) -> None:
    old, new = versions
    assert run("diff", str(old))[0] == 2
    assert run("diff", "--git", "HEAD", str(old), str(new))[0] == 2
    assert run("diff", str(old), str(new), "--format", "yaml")[0] == 2
    code, _, err = run("diff", str(old), str(old.parent / "missing.toml"))
    assert code == 2 and "no such file" in err
    assert run("diff", str(old), str(new), "--profiles", str(old.parent / "nope.jsonl"))[0] == 2


def test_events_per_connection_are_the_ones_simulate_prints() -> None:
    """diff's counts come from the simulator: on the demo space they equal `simulate`'s events per connection."""
    from collections import Counter

    from idsync_tui.reviewdiff import simulate_connections
    from idsync_tui.space.loader import load_space

    acme = Path(__file__).resolve().parent.parent / "sample_spaces" / "acme.toml"
    code, out, _ = run("simulate", str(acme))
    assert code == 0
    printed: Counter[str] = Counter()
    for line in out.splitlines():
        event = json.loads(line)
        source = event["source"]
        owner = (
            f"audiences[{source['key']}]"
            if source["kind"] == "audience"
            else f"journeys[{source['key']}].steps[{source['step']}]"
        )
        printed[f"{owner} -> {event['destination']}"] += 1
    space = load_space(acme).space
    assert space is not None and space.profiles_path() is not None
    counted = simulate_connections(space, space.profiles_path())
    assert len(counted) >= 10 and sum(printed.values()) > 100
    assert {key: sends.total for key, sends in counted.items() if sends.total} == dict(printed)
