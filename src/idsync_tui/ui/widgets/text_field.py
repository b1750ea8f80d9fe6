"""Every one-line text field of the app: Textual's Input plus a word-delete key a web browser lets through.

Textual's Input deletes the word left of the cursor only with `ctrl+w`, which a browser keeps for itself (it closes
the tab of `idsync-tui serve`). `alt+backspace` does it too here, as in readline; `ctrl+w` still works in terminals.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import Input


class TextField(Input):
    BINDINGS = [
        Binding("ctrl+w,alt+backspace", "delete_left_word", "Delete the word left", show=False, id="text.delete_word"),
    ]
