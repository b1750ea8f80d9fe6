"""Values shown as TOML (as the space file has them), not as Python values."""

from __future__ import annotations

import datetime
import tomllib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from idsync_tui.space.model import Condition
from idsync_tui.space.values import condition_text, toml_value


@pytest.mark.parametrize(
    ("condition", "text"),
    [
        (Condition("plan", "in", ["pro", "team"]), 'plan in ["pro", "team"]'),
        (Condition("is_pro", "=", True), "is_pro = true"),
        (Condition("churned", "!=", False), "churned != false"),
        (Condition("lifetime_value", ">=", 500), "lifetime_value >= 500"),
        (Condition("score", "<", 0.5), "score < 0.5"),
        (Condition("email", "exists"), "email exists"),
        (Condition("email", "exists", False), "email exists false"),
        (Condition("name", "=", 'say "hi"'), 'name = "say \\"hi\\""'),
        (Condition("since", ">", datetime.date(2024, 6, 1)), "since > 2024-06-01"),
    ],
)
def test_conditions_read_as_toml(condition: Condition, text: str) -> None:
    assert condition_text(condition) == text
    assert "True" not in text and "'" not in text


toml_scalars = (
    st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
)


@settings(deadline=None)  # a loaded machine is not a failure
@given(st.lists(toml_scalars, max_size=5) | toml_scalars)
def test_toml_value_reads_back_as_the_same_value(value: object) -> None:
    assert tomllib.loads(f"v = {toml_value(value)}")["v"] == value
