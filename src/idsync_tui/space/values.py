"""Values as a person wrote them in the space file: TOML text (`true`, `["pro", "team"]`), never Python's repr."""

from __future__ import annotations

import datetime
import json
import math
from typing import Any

from idsync_tui.space.model import Condition


def toml_value(value: Any) -> str:
    """`value` written as TOML: strings in double quotes, booleans lower-case, arrays and inline tables."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_toml_key(str(k))} = {toml_value(v)}" for k, v in value.items()) + " }"
    return toml_string(str(value))


def toml_string(text: str) -> str:
    """`text` as a TOML basic string: JSON's escapes, which TOML shares, and DEL escaped too (TOML forbids it raw)."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _toml_key(key: str) -> str:
    bare = key and all(c.isascii() and (c.isalnum() or c in "-_") for c in key)
    return key if bare else toml_string(key)


def condition_text(condition: Condition) -> str:
    """`lifetime_value >= 500`, `plan in ["pro", "team"]`, `email exists`: one condition as it reads in the file."""
    if condition.op == "exists" and condition.value is None:
        return f"{condition.trait} exists"
    return f"{condition.trait} {condition.op} {toml_value(condition.value)}"
