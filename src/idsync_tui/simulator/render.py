"""Turns simulator output into lines: JSON Lines (one compact object per event) or one readable line per event."""

from __future__ import annotations

import json
from typing import Any

from idsync_tui.simulator.engine import Notice
from idsync_tui.space.model import owner_label

# One encoder for every event (the public json API): compact separators, keys in the order the event has them, and
# no circular-reference check (events are plain trees the simulator builds). The same bytes as json.dumps(event,
# separators=(",", ":")).
_encode = json.JSONEncoder(separators=(",", ":"), check_circular=False).encode


def event_json(event: dict[str, Any]) -> str:
    """The spec's event record as one line of JSON (keys in the spec's order, no sorting, compact)."""
    return _encode(event)


def source_label(source: dict[str, str] | None) -> str:
    """An event's `source` as the owner is named everywhere (`model.owner_label`); `-` for none."""
    return "-" if source is None else owner_label(source["key"], source.get("step"))


def sent_identifiers(event: dict[str, Any]) -> list[tuple[str, Any]]:
    """The identifiers an event sends, as (key, value): the list row, or the payload minus the audience flags."""
    payload = event["payload"]
    call = event["call"]
    if call == "list":
        return list(payload.items())
    if call == "identify":
        flag = payload["context"]["personas"]["computation_key"]
        return [(k, v) for k, v in payload["traits"].items() if k != flag]
    flag = payload["properties"]["audience_key"]
    sent = [(f"context.traits.{k}", v) for k, v in payload["context"].get("traits", {}).items()]
    sent += [(k, v) for k, v in payload["properties"].items() if k not in ("audience_key", flag)]
    return sent


HASH_SHOWN = 8  # characters of a SHA-256 a line shows before "…" (text format, Profiles, sync log: 80 columns)


def short_hash(value: Any) -> str:
    """A SHA-256 (64 lower-case hex digits) as its first HASH_SHOWN characters and `…`; anything else as it is."""
    text = str(value)
    return text[:HASH_SHOWN] + "…" if len(text) == 64 and all(c in "0123456789abcdef" for c in text) else text


def event_text(event: dict[str, Any]) -> str:
    """`#3 2024-06-01T10:00:00Z audience high_value -> fb p-0001 add list: EMAIL=5f1c…, MADID=6D92… (v1)`."""
    sent = ", ".join(f"{k}={short_hash(v)}" for k, v in sent_identifiers(event)) or "(no identifiers)"
    user = event["payload"].get("userId") if event["call"] != "list" else None
    who = f"{event['profile']} (userId {user})" if user else event["profile"]
    return (
        f"#{event['seq']} {event['at']} {source_label(event['source'])} -> {event['destination']} {who} "
        f"{event['action']} {event['call']}: {sent} (v{event['config_version']})"
    )


def notice_text(notice: Notice, log: bool = True) -> str:
    """A notice as a log line (indented under the events), or as `note: ...` for stderr (`log=False`)."""
    place = f"{source_label(notice.source)} -> {notice.destination} " if notice.destination else ""
    who = f"{notice.profile}: " if notice.profile else ""
    if log:
        return f"   {notice.at} {place}{who}note: {notice.message}"
    return f"note: {notice.at} {place}{who}{notice.message}"
