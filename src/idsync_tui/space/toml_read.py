"""Reading TOML text the way every space and theme file is read: `toml_loads` is a TOML 1.0 parser with every
failure a `TomlError` that has a line, and limits no real file comes near (nesting, digits). It imports nothing of
the model, so a child process can read a space file quickly (space/parse_ahead.py).

The parser is `tomli` 2.2-2.3: the code the standard library's `tomllib` was made from (same results, same error
messages), published compiled with mypyc, which reads a 1,000-audience space in about half the time (~150 ms
against ~300 ms: benchmarks/README.md). tomli 2.4 and later read TOML 1.1, which tomlkit (the editor) and other
tools do not, hence the pinned range.
"""

from __future__ import annotations

import re
import sys
from typing import Any

import tomli

# The most a space file may be (a 1,000-audience space is ~1 MB): a larger one is refused before it is read.
MAX_FILE_BYTES = 64 * 1024 * 1024
_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")


class TomlError(ValueError):
    """A text the TOML parser cannot read, or that no space file could be: the reason, and where (line >= 1)."""

    def __init__(self, reason: str, line: int, column: int | None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line
        self.column = column


UTF8_BOM = "\ufeff"
# Deeper than any space or theme file needs (a space file is 5 levels deep); the parser itself recurses, and so do
# tomlkit (the editor) and the rules, so deeper data is refused here with its line instead of failing there.
MAX_NESTING = 32
_LONG_NUMBER = re.compile(r"[0-9][0-9_]{4000,}")


def toml_loads(text: str) -> dict[str, Any]:
    """`tomli.loads`, but every failure is a `TomlError` with a line: syntax errors (at the end of the file
    too), integers past Python's digit limit, arrays or tables nested past MAX_NESTING. A leading UTF-8 BOM is
    allowed (TOML says nothing of it; editors on Windows write one)."""
    if text.startswith(UTF8_BOM):
        text = text[1:]
    try:
        data = tomli.loads(text)
    except tomli.TOMLDecodeError as error:
        message = str(error)
        match = _TOML_POSITION.search(message)
        reason = _TOML_POSITION.sub("", message).replace("(at end of document)", "").strip()
        if match:
            raise TomlError(reason, int(match.group(1)), int(match.group(2))) from None
        # "at end of document": the last line that has anything on it
        stripped = text.rstrip()
        line = stripped.count("\n") + 1
        column = len(stripped) - (stripped.rfind("\n") + 1) + 1
        raise TomlError(f"{reason} at the end of the file", line, column) from None
    except RecursionError:
        raise TomlError(
            f"arrays or tables nested too deeply (a space file needs at most {MAX_NESTING} levels)",
            _deep_line(text),
            None,
        ) from None
    except ValueError as error:  # int(): more digits than Python converts (sys.int_info.str_digits_check_threshold)
        found = _LONG_NUMBER.search(text)
        line = text.count("\n", 0, found.start()) + 1 if found else 1
        digits = sys.get_int_max_str_digits()
        reason = f"a number with more than {digits} digits" if "digits" in str(error) else str(error)
        raise TomlError(f"{reason}; no space file value needs one", line, None) from None
    if _depth_over(data, MAX_NESTING):
        raise TomlError(
            f"arrays or tables nested more than {MAX_NESTING} levels deep; no space file needs that many",
            _deep_line(text),
            None,
        )
    return data


def _depth_over(data: Any, limit: int) -> bool:
    """Whether `data` nests lists and tables more than `limit` deep (iterative: no recursion to run out of)."""
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if depth > limit:
            return True
        if type(value) is dict:
            stack.extend((item, depth + 1) for item in value.values() if type(item) in (dict, list))
        elif type(value) is list:
            stack.extend((item, depth + 1) for item in value if type(item) in (dict, list))
    return False


def _deep_line(text: str) -> int:
    """The line where bracket nesting first passes MAX_NESTING (strings not told apart: a pointer, not a proof)."""
    depth = 0
    for position, char in enumerate(text):
        if char in "[{":
            depth += 1
            if depth > MAX_NESTING:
                return text.count("\n", 0, position) + 1
        elif char in "]}":
            depth = max(depth - 1, 0)
    return 1
