"""The app's last line of defence: the line filter drops what a terminal would act on, and leaves clean lines be."""

from __future__ import annotations

from rich.segment import Segment
from textual.color import Color

from idsync_tui.ui.inert import InertLines


def test_a_clean_line_is_passed_on_as_it_is() -> None:
    line = [Segment("Audiences "), Segment("high_value", None), Segment("", None, [])]
    assert InertLines().apply(line, Color(0, 0, 0)) is line


def test_controls_are_dropped_only_from_the_segments_that_hold_them() -> None:
    line = [Segment("name: "), Segment("Sale\x1b]2;PWNED\x07 now"), Segment("\x1b[2J!"), Segment(" end")]
    cleaned = InertLines().apply(line, Color(0, 0, 0))
    assert [segment.text for segment in cleaned] == ["name: ", "Sale]2;PWNED now", "[2J!", " end"]
    assert cleaned[0] is line[0] and cleaned[3] is line[3]
