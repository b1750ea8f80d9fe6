"""Text from a file, made safe to show: the one sanitising function every output uses (`inert`).

A space or profiles file may hold any character: a key or an audience name with `ESC ] 2 ; title BEL` would retitle
the terminal, `ESC ] 52 ; ...` write its clipboard, `ESC [ 2 J` clear it, and a lone surrogate (valid in JSON's
`\\ud800`) cannot even be encoded to write it. `inert` shows such characters escaped, the way Python writes them
in a string literal, so the user sees what the file holds and the terminal interprets none of it:

- C0 controls except tab and newline (so ESC, BEL, CR, NUL...), DEL and the C1 controls: `\\x1b`, `\\x07`, `\\x9b`;
- lone surrogates: `\\ud800`;
- the Unicode characters that reorder or split what is shown (bidirectional overrides and isolates, line and
  paragraph separators: "Trojan source"): `\\u202e`.

`one_line=True` escapes tab and newline too (`\\t`, `\\n`), for outputs that are one record per line
(`PATH:LINE: message`). JSON outputs need none of this: they are written with `ensure_ascii`, which escapes
every one of these characters already.
"""

from __future__ import annotations

import re
from typing import TextIO

_UNSAFE = "\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
_UNSAFE_CHARS = re.compile(f"[{_UNSAFE}]")
_UNSAFE_ONE_LINE = re.compile(f"[\t\n{_UNSAFE}]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    char = match.group(0)
    named = _NAMED.get(char)
    if named is not None:
        return named
    point = ord(char)
    return f"\\x{point:02x}" if point < 0x100 else f"\\u{point:04x}"


def _drop(match: re.Match[str]) -> str:
    return "\ufffd" if "\ud800" <= match.group(0) <= "\udfff" else ""


def inert(text: str, one_line: bool = False, escape: bool = True) -> str:
    """`text` with every character a terminal could act on shown escaped (see the module's docstring).

    `escape=False` drops them instead (a lone surrogate becomes U+FFFD): for text already laid out in cells (the
    app's last line of defence, `ui/inert.py`), where an escape would change the width; they take no cell there.
    """
    pattern = _UNSAFE_ONE_LINE if one_line else _UNSAFE_CHARS
    if pattern.search(text) is None:  # the usual case: nothing to do, no copy
        return text
    return pattern.sub(_escape if escape else _drop, text)


class InertWriter:
    """A text stream that passes everything written through `inert` (newlines and tabs kept): what the CLI's
    text outputs write to, so no message, present or future, can put a raw control character on a terminal."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        return self.stream.write(inert(text))

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return self.stream.isatty()

    def __getattr__(self, name: str) -> object:  # encoding, fileno, ...: the wrapped stream's
        return getattr(self.stream, name)
