"""`validate --format github`: problems as GitHub Actions workflow commands, which GitHub shows as annotations on
the pull request's changed lines: `::error file=PATH,line=N,title=IDS103 all-limit::message` (warnings as
`::warning`). A problem about the whole file is at line 1 (GitHub drops an annotation at line 0).
"""

from __future__ import annotations

from idsync_tui.space.problems import Problem


def _data(text: str) -> str:
    """A command's message: %, CR and LF are escaped (GitHub's rule), so a message is always one line."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    """A property value (file, title): as a message, plus `:` and `,`, which separate properties."""
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(problem: Problem, path: str | None = None) -> str:
    """One workflow command for one problem."""
    level = "error" if problem.is_error else "warning"
    place = f"file={_property(path if path is not None else problem.path)},line={problem.file_line}"
    if problem.column is not None and problem.column >= 1:
        place += f",col={problem.column}"
    title = _property(f"{problem.code} {problem.name}")
    return f"::{level} {place},title={title}::{_data(problem.message)}"


def unreadable(path: str, message: str) -> str:
    """A file that cannot be read at all, as an error annotation on its first line."""
    return f"::error file={_property(path)},line=1,title=unreadable::{_data(message)}"
