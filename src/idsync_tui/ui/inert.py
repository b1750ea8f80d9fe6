"""File text on screen: never markup, never a control sequence (issue 10).

Two layers, both built on `text.inert`, the one sanitising function:

- `plain(value)`: a Rich `Text` of the value with control characters shown escaped (`\\x1b`). A `Text` is never
  parsed as markup, so an audience called `Sale [/] now` is shown as written instead of stopping the app with a
  MarkupError, and `[link=...]` in a name makes no link. Screens use it wherever file text goes into a widget that
  would read a string as markup (status line, dialogs, table cells, labels).
- `InertLines`: a line filter on every line the app renders (`IdSyncApp.get_line_filters`): whatever text reaches
  the screen, an ESC, BEL, C1 control or lone surrogate in it is dropped before the terminal sees it, so a name
  holding `ESC ] 2 ; ... BEL` cannot retitle the terminal, `ESC ] 52` cannot write the clipboard and `ESC [ 2 J`
  cannot clear the screen, even where a screen forgot `plain`. Dropped, not escaped: the line is already laid out
  and these characters take no cell in it.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.text import Text
from textual.color import Color
from textual.filter import LineFilter

from idsync_tui.text import inert


def plain(value: object, style: str = "") -> Text:
    """`value` as text to show: control characters escaped, never read as markup."""
    return Text(inert(str(value)), style=style)


class InertLines(LineFilter):
    """Drops what a terminal would act on from every rendered segment (see the module's docstring)."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        # Every frame passes every line through here: one search over the whole line first (the usual line holds
        # nothing to drop), the segment by segment pass only for a line that does. Measured with
        # benchmarks/bench_startup.py: a search per segment cost the demo's first frame ~40 ms.
        whole = "".join([segment.text for segment in segments])
        if inert(whole, escape=False) is whole:
            return segments
        cleaned: list[Segment] | None = None
        for index, segment in enumerate(segments):
            text = segment.text
            if segment.control is None and text and inert(text, escape=False) is not text:
                if cleaned is None:
                    cleaned = list(segments)
                cleaned[index] = Segment(inert(text, escape=False), segment.style, segment.control)
        return segments if cleaned is None else cleaned
