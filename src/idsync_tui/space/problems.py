"""Problems: what the loader and the rules report, with the code table every layer shares."""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from idsync_tui.text import inert

ERROR = "error"
WARNING = "warning"

# code -> (name, severity). The single list of codes; docs/rules.md describes each.
CODES = MappingProxyType(
    {
        "IDS001": ("toml-syntax", ERROR),
        "IDS002": ("schema", ERROR),
        "IDS003": ("version", ERROR),
        "IDS004": ("duplicate-key", ERROR),
        "IDS101": ("unknown-destination", ERROR),
        "IDS102": ("unknown-identifier", ERROR),
        "IDS103": ("all-limit", ERROR),
        "IDS104": ("mobile-ids-off", ERROR),
        "IDS105": ("key-not-offered", ERROR),
        "IDS106": ("duplicate-row", ERROR),
        "IDS107": ("google-one-extra", ERROR),
        "IDS108": ("sends-nothing", ERROR),
        "IDS109": ("empty-key", ERROR),
        "IDS201": ("rows-ignored", WARNING),
        "IDS202": ("dotted-key", WARNING),
        "IDS203": ("no-rows", WARNING),
        "IDS204": ("no-match-key", WARNING),
        "IDS205": ("unused-destination", WARNING),
        "IDS206": ("unused-identifier", WARNING),
        "IDS207": ("live-change", WARNING),
        "IDS208": ("profiles-missing", WARNING),
        "IDS209": ("api-row-limit", WARNING),
    }
)


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding: a code from CODES, where it is (file, line, model location) and what to do about it."""

    code: str
    message: str
    where: str = ""
    line: int | None = None
    column: int | None = None
    path: str = ""

    @property
    def name(self) -> str:
        return CODES[self.code][0]

    @property
    def severity(self) -> str:
        return CODES[self.code][1]

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    @property
    def file_line(self) -> int:
        """The line shown to people and CI: a problem with no line of its own is about the file, at line 1."""
        return self.line if self.line is not None and self.line >= 1 else 1

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "name": self.name,
            "severity": self.severity,
            "line": self.file_line,
            "where": self.where,
            "message": self.message,
        }

    def as_text(self) -> str:
        """`PATH:LINE: CODE name: message`, like a compiler (the spec's text format), on one line: control
        characters from the file (a key holding ESC or a newline) are shown escaped (`text.inert`)."""
        place = f"{self.path or '<space>'}:{self.file_line}"
        return inert(f"{place}: {self.code} {self.name}: {self.message}", one_line=True)


def sort_key(problem: Problem) -> tuple[int, str]:
    return (problem.line if problem.line is not None else 0, problem.code)


def count(problems: list[Problem] | tuple[Problem, ...]) -> tuple[int, int]:
    """(errors, warnings)."""
    errors = sum(1 for p in problems if p.is_error)
    return errors, len(problems) - errors
