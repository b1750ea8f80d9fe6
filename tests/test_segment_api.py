"""`idsync-tui import segment` and `export segment`: the Public API's JSON in, a space that validates out; request
bodies out, refusals for what the API cannot take; and import(export(space)) gives back the same rows."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

from idsync_tui.cli import main
from idsync_tui.rules import validate
from idsync_tui.space.loader import load_space

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "segment"
REPO = Path(__file__).resolve().parent.parent


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def import_fixtures(tmp_path: Path, audiences: Path = FIXTURES / "audiences.json", connections: Path | None = None):
    tmp_path.mkdir(parents=True, exist_ok=True)
    target = tmp_path / "imported.toml"
    code, out, err = run(
        "import",
        "segment",
        "--audiences",
        str(audiences),
        "--connections",
        str(connections or FIXTURES / "connections"),
        "-o",
        str(target),
    )
    return code, out, err, target


def rows_of(path: Path) -> dict[tuple[str, str], list[tuple[str, str, str]]]:
    space = load_space(path).space
    assert space is not None
    return {
        (ref.audience.key, ref.connection.destination): [
            (r.segment, r.destination, r.strategy) for r in ref.connection.identifiers
        ]
        for ref in space.connections()
        if ref.audience is not None and ref.connection.customized
    }


def test_import_builds_a_space_that_validates_without_errors(tmp_path: Path) -> None:
    code, out, err, target = import_fixtures(tmp_path)
    assert code == 0, err
    result = load_space(target)
    assert not [p for p in validate(result) if p.is_error]
    space = result.space
    assert space is not None
    assert [a.key for a in space.audiences] == ["high_value", "cart_abandoners", "lapsed_app_users"]
    types = {d.key: (d.type, d.external_id_type) for d in space.destinations}
    assert types == {
        "facebook_custom_audiences": ("facebook_custom_audiences", None),
        "adwords_remarketing_lists": ("google_ads_remarketing_lists", "email"),
        "actions_braze_cloud": ("actions", None),
        "mixpanel": ("actions", None),
        "adwords_remarketing_lists_2": ("google_ads_remarketing_lists", "mobile_id"),  # inferred from its rows
    }
    assert {i.key for i in space.identifiers} == {"phone", "crm_id", "loyalty_id"}
    assert "3 audiences, 5 destinations" in out


def test_import_maps_strategies_keys_and_setups(tmp_path: Path) -> None:
    _, _, _, target = import_fixtures(tmp_path)
    rows = rows_of(target)
    assert rows[("high_value", "facebook_custom_audiences")] == [
        ("email", "EMAIL", "last_added"),  # no mapTo: the catalogue's natural key on Facebook
        ("ios.idfa", "MADID", "all"),
        ("phone", "PHONE", "first_added"),
    ]
    assert rows[("high_value", "actions_braze_cloud")] == [
        ("user_id", "external_id", "last_added"),
        ("email", "email", "all"),  # no mapTo elsewhere: the identifier's own name
        ("android.idfa", "android_ad_id", "first_added"),
    ]
    space = load_space(target).space
    assert space is not None
    by_id = {(ref.audience.key, ref.connection.destination): ref.connection for ref in space.connections()}
    assert by_id[("high_value", "mixpanel")].setup == "default"  # no idSyncConfiguration
    assert by_id[("cart_abandoners", "facebook_custom_audiences")].setup == "default"
    assert by_id[("high_value", "facebook_custom_audiences")].send_mobile_ids is True
    assert by_id[("high_value", "adwords_remarketing_lists")].send_mobile_ids is False


def test_import_keeps_the_definition_ids_and_explanations_as_comments(tmp_path: Path) -> None:
    _, _, _, target = import_fixtures(tmp_path)
    text = target.read_text(encoding="utf-8")
    assert "#   trait('lifetime_value') >= 500 and trait('plan') in ['pro', 'team']" in text
    assert "#     and not event('Order Completed').count() >= 1 within 7 days" in text
    assert "# Segment audience id: aud_2Xh1lVt0\n" in text
    assert "# Segment destinationId: dst_fb01\n" in text
    assert '# Segment metadata slug "mixpanel" is not one idsync-tui knows: imported as actions' in text
    assert "the API has no such field" in text


def test_import_reports_what_it_did_not_understand_on_stderr(tmp_path: Path) -> None:
    _, _, err, target = import_fixtures(tmp_path)
    assert 'strategy "newest" is not first, last or all; written commented out' in err
    assert 'field "folder" has no place in a space file' in err
    assert 'field "syncMode" has no place in a space file' in err
    assert "aud_4Zm3rTy7.json: imported without connections" in err
    assert '"mixpanel" is not one idsync-tui knows' in err
    text = target.read_text(encoding="utf-8")
    assert '# Not imported: strategy "newest" is not first, last or all' in text  # kept, commented out


def test_import_refuses_to_overwrite_and_reports_bad_json(tmp_path: Path) -> None:
    target = tmp_path / "imported.toml"
    target.write_text("mine\n", encoding="utf-8")
    code, _, err = run(
        "import", "segment", "--audiences", str(FIXTURES / "audiences.json"), "--connections",
        str(FIXTURES / "connections"), "-o", str(target),
    )  # fmt: skip
    assert code == 2 and "exists" in err and target.read_text(encoding="utf-8") == "mine\n"
    bad = tmp_path / "bad.json"
    bad.write_text('{"data": {"audiences": [}', encoding="utf-8")
    code, _, err, _ = import_fixtures(tmp_path / "x", audiences=bad)
    assert code == 2 and "bad.json:1: not valid JSON" in err and "Traceback" not in err
    wrong = tmp_path / "wrong.json"
    wrong.write_text('{"audiences": 3}', encoding="utf-8")
    code, _, err, _ = import_fixtures(tmp_path / "y", audiences=wrong)
    assert code == 2 and '"audiences" must be an array' in err


def test_export_writes_one_body_per_customized_connection_and_a_plan(tmp_path: Path) -> None:
    _, _, _, space = import_fixtures(tmp_path)
    folder = tmp_path / "out"
    code, out, err = run("export", "segment", str(space), "-o", str(folder))
    assert code == 0, err
    body = json.loads((folder / "high_value.facebook_custom_audiences.json").read_text(encoding="utf-8"))
    assert body == {
        "destinationId": "dst_fb01",
        "idSyncConfiguration": [
            {"externalId": "email", "strategy": "last", "mapTo": "EMAIL"},
            {"externalId": "ios.idfa", "strategy": "all", "mapTo": "MADID"},
            {"externalId": "phone", "strategy": "first", "mapTo": "PHONE"},
        ],
    }
    assert not (folder / "high_value.mixpanel.json").exists()  # Default setup: nothing to set
    plan = (folder / "plan.txt").read_text(encoding="utf-8")
    assert plan == out
    assert "audience aud_2Xh1lVt0 -> destination dst_fb01: set 3 rows" in plan
    assert "high_value.mixpanel.json" not in plan and "Default setup, nothing to set" in plan


def test_export_of_one_audience_prints_the_bodies_without_o(tmp_path: Path) -> None:
    _, _, _, space = import_fixtures(tmp_path)
    code, out, _ = run("export", "segment", str(space), "--audience", "cart_abandoners")
    assert code == 0
    assert "# cart_abandoners.adwords_remarketing_lists_2.json" in out
    assert "high_value" not in out
    assert run("export", "segment", str(space), "--audience", "nope")[0] == 2


def test_import_of_an_export_gives_back_the_same_rows(tmp_path: Path) -> None:
    """Round trip: export the imported space, rebuild the API's JSON from the bodies, import again."""
    _, _, _, first = import_fixtures(tmp_path)
    exported = tmp_path / "out"
    assert run("export", "segment", str(first), "-o", str(exported))[0] == 0
    bodies = {}
    for path in exported.glob("*.json"):
        audience_key = path.name.split(".")[0]
        body = json.loads(path.read_text(encoding="utf-8"))
        bodies[(audience_key, body["destinationId"])] = body["idSyncConfiguration"]
    assert len(bodies) == 5
    audiences = json.loads((FIXTURES / "audiences.json").read_text(encoding="utf-8"))
    again = tmp_path / "again"
    shutil.copytree(FIXTURES / "connections", again)
    for audience in audiences["data"]["audiences"]:
        path = again / f"{audience['id']}.json"
        if not path.exists():
            continue
        document = json.loads(path.read_text(encoding="utf-8"))
        for connection in document["data"]["connections"]:
            applied = bodies.get((audience["key"], connection["destinationId"]))
            if applied is None:
                connection.pop("idSyncConfiguration", None)
            else:
                connection["idSyncConfiguration"] = applied
        path.write_text(json.dumps(document), encoding="utf-8")
    code, _, err, second = import_fixtures(tmp_path / "2", connections=again)
    assert code == 0, err
    assert rows_of(second) == rows_of(first)
    assert rows_of(first)  # not vacuous


SIX_ROWS = """\
version = 1
[space]
key = "s"
name = "S"
[[destinations]]
key = "braze"
type = "actions"
name = "Braze"
[[audiences]]
key = "many"
name = "Many"
[[audiences.connections]]
destination = "braze"
setup = "customized"
send_mobile_ids = true
"""
for _segment in ("user_id", "email", "ios.id", "android.id", "ga_client_id", "group_id"):
    SIX_ROWS += f'[[audiences.connections.identifiers]]\nsegment = "{_segment}"\ndestination = "{_segment}_x"\n'
JOURNEY = """
[[journeys]]
key = "onboarding"
name = "Onboarding"
[[journeys.steps]]
key = "welcome"
type = "send"
[[journeys.steps.connections]]
destination = "braze"
setup = "customized"
[[journeys.steps.connections.identifiers]]
segment = "email"
destination = "email"
"""


def test_export_refuses_more_than_five_rows_and_journeys(tmp_path: Path) -> None:
    space = tmp_path / "space.toml"
    space.write_text(SIX_ROWS + JOURNEY, encoding="utf-8")
    folder = tmp_path / "out"
    code, out, err = run("export", "segment", str(space), "-o", str(folder))
    assert code == 1
    assert "IDS209 api-row-limit: 6 rows; Segment's Public API takes at most 5" in err
    assert "journeys are not in Segment's Public API" in err
    assert "REFUSED audiences[many].connections[braze]" in out
    assert not list(folder.glob("*.json"))


def test_export_refuses_a_space_with_errors(tmp_path: Path) -> None:
    code, _, err = run("export", "segment", str(REPO / "sample_spaces" / "broken.toml"))
    assert code == 1 and "to export" in err


@pytest.mark.parametrize("command", ["import", "export"])
def test_import_and_export_need_the_segment_source(command: str) -> None:
    code, _, err = run(command, "hubspot")
    assert code == 2 and f"idsync-tui {command} segment" in err


def test_what_would_break_a_rule_is_commented_out_so_the_import_validates(tmp_path: Path) -> None:
    audiences = {
        "data": {
            "audiences": [
                {"id": "a1", "key": "twins", "name": "Twins"},
                {"id": "a2", "key": "twins", "name": "Twins again"},
            ]
        }
    }
    google = {
        "destinationId": "g",
        "metadata": {"slug": "adwords-remarketing-lists", "name": "Google"},
        "idSyncConfiguration": [
            {"externalId": "email", "strategy": "last"},
            {"externalId": "phone", "strategy": "last", "mapTo": "phone"},
            {"externalId": "user_id", "strategy": "first", "mapTo": "crm_id"},
        ],
    }
    braze = {
        "destinationId": "b",
        "metadata": {"slug": "actions-braze-cloud", "name": "Braze"},
        "idSyncConfiguration": [
            {"externalId": key, "strategy": "all"} for key in ("email", "user_id", "ios.id", "android.id")
        ],
    }
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "audiences.json").write_text(json.dumps(audiences), encoding="utf-8")
    (tmp_path / "in" / "a1.json").write_text(json.dumps({"data": {"connections": [google, braze]}}), encoding="utf-8")
    (tmp_path / "in" / "a2.json").write_text(json.dumps({"data": {"connections": []}}), encoding="utf-8")
    code, _, err, target = import_fixtures(
        tmp_path / "out", audiences=tmp_path / "in" / "audiences.json", connections=tmp_path / "in"
    )
    assert code == 0, err
    assert "(IDS107); written commented out" in err and "(IDS103)" in err
    assert 'the key "twins" is used by another audience; imported as twins_2' in err
    rows = rows_of(target)
    assert rows[("twins", "adwords_remarketing_lists")] == [
        ("email", "email", "last_added"),
        ("phone", "phone", "last_added"),
    ]
    assert len(rows[("twins", "actions_braze_cloud")]) == 3
    assert '#   {"externalId": "user_id", "strategy": "first", "mapTo": "crm_id"}' in target.read_text(encoding="utf-8")
