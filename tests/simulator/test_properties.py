"""Properties over generated profiles: default setup never leaks custom identifiers; counts follow the rules."""

from __future__ import annotations

import json
from math import prod

from hypothesis import given, settings
from hypothesis import strategies as st

from idsync_tui import catalog
from tests.simulator.simhelpers import identifier, profile_line, simulate

KINDS = ["user_id", "email", "ios.idfa", "anonymous_id", "phone", "crm_id"]
CUSTOM = {"phone", "crm_id"}

identifiers = st.lists(
    st.tuples(
        st.sampled_from(KINDS),
        st.text("abcdef0123456789", min_size=1, max_size=6),
        st.sampled_from(["2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z", "2024-03-01T00:00:00Z"]),
    ),
    max_size=12,
)


def kept(ids):
    """Distinct values per type after identity resolution limits (user_id 1, others 5)."""
    values: dict[str, list[str]] = {}
    for kind, value, _ in ids:
        if value not in values.setdefault(kind, []):
            values[kind].append(value)
    return {k: v[: 1 if k == "user_id" else 5] for k, v in values.items()}


def default_audience(mobile: bool) -> str:
    return f"""
[[audiences]]
key = "vip"
name = "VIP"

[[audiences.connections]]
destination = "braze"
send_mobile_ids = {"true" if mobile else "false"}
"""


@settings(max_examples=60, deadline=None)
@given(ids=identifiers, mobile=st.booleans())
def test_no_event_ever_carries_a_custom_identifier_under_default_setup(ids, mobile):
    lines = [profile_line("p", [identifier(k, f"{k}:{v}", t) for k, v, t in ids])]
    events = simulate(default_audience(mobile), lines)
    text = str([e["payload"] for e in events])
    assert not any(f"{custom}:" in text for custom in CUSTOM)
    values = kept([(k, f"{k}:{v}", t) for k, v, t in ids])
    expected = sum(
        len(v)
        for k, v in values.items()
        if k in catalog.DEFAULT_IDENTIFIERS and k != "anonymous_id" and (mobile or k not in catalog.MOBILE_IDS)
    )
    qualifies = any(k != "anonymous_id" for k in values)
    assert len(events) == (expected if qualifies else 0)


STRATEGIES = st.sampled_from(["first_added", "last_added", "all"])


@settings(max_examples=60, deadline=None)
@given(ids=identifiers, email=STRATEGIES, idfa=STRATEGIES, crm=STRATEGIES)
def test_customized_event_count_is_the_product_the_rules_predict(ids, email, idfa, crm):
    body = default_audience(True).replace("send_mobile_ids = true", 'send_mobile_ids = true\nsetup = "customized"')
    for segment, strategy in (("email", email), ("ios.idfa", idfa), ("crm_id", crm)):
        body += f"""
[[audiences.connections.identifiers]]
segment = "{segment}"
destination = "{segment.replace(".", "_")}"
strategy = "{strategy}"
"""
    lines = [profile_line("p", [identifier(k, v, t) for k, v, t in ids])]
    values = kept(ids)
    counts = [
        len(values[segment]) if strategy == "all" else 1
        for segment, strategy in (("email", email), ("ios.idfa", idfa), ("crm_id", crm))
        if values.get(segment)
    ]
    qualifies = any(k != "anonymous_id" for k in values)
    expected = prod(counts) if counts and qualifies else 0
    assert len(simulate(body, lines)) == expected


# -- new data on a member: a change line never re-sends what the connection already sent the profile ---------------

NEW_DATA_SPACE = """
[[audiences]]
key = "vip"
name = "VIP"

[[audiences.connections]]
destination = "fb"
setup = "customized"
send_mobile_ids = true

[[audiences.connections.identifiers]]
segment = "email"
destination = "EMAIL"
strategy = "{email}"

[[audiences.connections.identifiers]]
segment = "ios.idfa"
destination = "MADID"
strategy = "{idfa}"

[[audiences.connections]]
destination = "braze"
send_identify = true
send_mobile_ids = true

[[audiences.connections]]
destination = "gads"
"""

ADDED_KINDS = ["email", "ios.idfa", "phone", "user_id", "anonymous_id", "android.idfa"]
TIMES = [f"2024-0{m}-01T00:00:00Z" for m in range(1, 8)]


@settings(max_examples=80, deadline=None)
@given(
    ids=identifiers,
    adds=st.lists(
        st.tuples(st.sampled_from(ADDED_KINDS), st.text("abc012", min_size=1, max_size=3), st.sampled_from(TIMES)),
        min_size=1,
        max_size=8,
    ),
    email=STRATEGIES,
    idfa=STRATEGIES,
)
def test_a_change_line_never_sends_an_event_already_sent_to_that_connection_for_that_profile(ids, adds, email, idfa):
    lines = [profile_line("p", [identifier(k, f"{k}:{v}", t) for k, v, t in ids])]
    for minute, (kind, value, added) in enumerate(adds):
        lines.append(
            json.dumps(
                {
                    "at": f"2024-06-01T10:{minute + 1:02d}:00Z",
                    "profile": "p",
                    "add_identifier": {"type": kind, "value": f"{kind}:{value}", "added_at": added},
                }
            )
        )
    events = simulate(NEW_DATA_SPACE.format(email=email, idfa=idfa), lines, timeline=True)
    sent: dict[tuple[str, str], set[str]] = {}
    for event in events:
        key = (json.dumps(event["source"]), event["destination"])
        signature = json.dumps([event["action"], event["call"], event["payload"]], sort_keys=True)
        if event["notes"][0].startswith("new data on a member"):
            assert signature not in sent.get(key, set()), event
        sent.setdefault(key, set()).add(signature)
