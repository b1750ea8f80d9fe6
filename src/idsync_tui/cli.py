"""The command line: `idsync-tui [SPACE]` opens the app; `validate` and `simulate` run headless.

Textual is imported only when the app opens, so `validate` and `simulate` start in tens of milliseconds and a file
that cannot be parsed is reported before the TUI takes over the terminal (never lost behind an alternate screen).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TextIO, cast

from idsync_tui import __version__

if TYPE_CHECKING:
    from idsync_tui.space.parse_ahead import ParseAhead

# `json`, `shutil` and `tempfile` are imported where they are used: opening a large space starts its parse in a
# child process (space/parse_ahead.py) as soon as the arguments are read, and these are not needed before that.

SUBCOMMANDS = ("validate", "simulate", "serve", "schema", "import", "export", "diff", "new")
# The schema goes along so that the working copy's `#:schema space-file.schema.json` line finds it.
DEMO_FILES = ("acme.toml", "acme.profiles.jsonl", "space-file.schema.json")


class UsageError(Exception):
    """Bad command-line use: exit 2 with the message."""


class _Parser(argparse.ArgumentParser):
    help_out: TextIO | None = None  # where --help goes: main's `out` (argparse would use sys.stdout)

    def error(self, message: str) -> NoReturn:  # argparse would exit 2 itself; keep control (and the stream) here
        raise UsageError(f"{self.prog}: {message}\n{self.format_usage().strip()}")

    def print_help(self, file: TextIO | None = None) -> None:  # type: ignore[override]
        super().print_help(file or self.help_out)


def command_parser(prog: str, purpose: str, examples: tuple[str, ...], exits: tuple[str, ...]) -> _Parser:
    """A subcommand's parser whose --help has the one-line purpose, then the options, examples and exit codes."""
    epilog = "examples:\n" + "".join(f"  {line}\n" for line in examples)
    epilog += "\nexit codes:\n" + "".join(f"  {line}\n" for line in exits)
    return _Parser(prog=prog, description=purpose, epilog=epilog, formatter_class=argparse.RawDescriptionHelpFormatter)


def _app_parser() -> _Parser:
    parser = command_parser(
        "idsync-tui",
        "Design, check and demo Segment Engage ID Sync configurations: opens the app on a space file. "
        "Other commands: validate, simulate, diff, schema, import segment, export segment, serve, new "
        "(`idsync-tui COMMAND --help` for each).",
        (
            "idsync-tui                       # the demo space (a working copy)",
            "idsync-tui space.toml --theme idsync-ansi",
        ),
        ("0 the app was closed", "2 usage, or a space file that cannot be opened"),
    )
    parser.add_argument("space", nargs="?", help="space file to open (default: a working copy of the demo space)")
    parser.add_argument("--theme", help="theme name (see the command palette, ctrl+p, for the list)")
    parser.add_argument(
        "--fresh-demo", action="store_true", help="replace the demo working copy with the bundled demo first"
    )
    parser.add_argument("--read-only", action="store_true", help="open the space without saving (the header says so)")
    parser.add_argument(
        "--scratch-demo",
        action="store_true",
        help="open a throwaway copy of the bundled demo, removed when the app ends (each `serve` tab gets one)",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    return parser


def _validate_parser() -> _Parser:
    parser = command_parser(
        "idsync-tui validate",
        "Check space files against every ID Sync rule (docs/rules.md).",
        (
            "idsync-tui validate sample_spaces/*.toml",
            "idsync-tui validate --format github --strict space.toml   # annotations in a GitHub workflow",
        ),
        (
            "0 no error (warnings allowed unless --strict)",
            "1 an error (or, with --strict, a warning) was found",
            "2 usage, or a file that cannot be read",
        ),
    )
    parser.add_argument("spaces", nargs="+", metavar="SPACE", help="space files to check")
    parser.add_argument(
        "--format",
        choices=("text", "json", "github"),
        default="text",
        help="text: PATH:LINE: CODE name: message (default); json: one object; "
        "github: GitHub Actions annotations (::error file=...,line=...,title=...::...)",
    )
    parser.add_argument("--strict", action="store_true", help="warnings fail the check too (exit 1)")
    parser.add_argument(
        "--spaces-only",
        action="store_true",
        help="skip TOML files that are not space files (no version and no [space]: pyproject.toml, ...), "
        "as the pre-commit hook does",
    )
    return parser


def is_space_file(path: str) -> bool:
    """Whether a file given to `validate --spaces-only` is meant as a space: it has a `[space]` table or a
    `version` key (a file that is not valid TOML counts when such a line is in it; unreadable ones count too)."""
    import re

    from idsync_tui.space.toml_read import TomlError, toml_loads

    try:
        text = Path(path).read_bytes().decode("utf-8", "replace")
    except OSError:
        return True
    try:
        data = toml_loads(text)  # the same parser and limits as the loader (no recursion error on deep nesting)
    except TomlError:
        return re.search(r"^\s*(\[space\]|version\s*=)", text, re.M) is not None
    return "space" in data or "version" in data


def _serve_parser() -> _Parser:
    from idsync_tui.serve import add_arguments

    parser = command_parser(
        "idsync-tui serve",
        "Serve the app to web browsers (each tab its own app), for demos. Needs the [web] extra.",
        (
            "idsync-tui serve                          # the demo, http://127.0.0.1:8000",
            "idsync-tui serve space.toml --read-only --port 8080",
        ),
        ("0 the server stopped", "2 usage, a space file that cannot be opened, or the [web] extra is missing"),
    )
    add_arguments(parser)
    return parser


def _simulate_parser() -> _Parser:
    parser = command_parser(
        "idsync-tui simulate",
        "Print the sync events the space would send for its sample profiles (docs/space-file.md, the event record).",
        (
            "idsync-tui simulate sample_spaces/acme.toml --audience high_value --format text",
            "idsync-tui simulate sample_spaces/acme.toml --timeline > events.jsonl",
        ),
        ("0 ran", "1 the space has errors (run validate)", "2 usage, or a file that cannot be read"),
    )
    parser.add_argument("space", metavar="SPACE", help="the space file")
    parser.add_argument("--profiles", help="sample profiles (JSON Lines); default: the space's [space].profiles")
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--audience", metavar="KEY", help="only this audience")
    target.add_argument("--journey", metavar="KEY", help="only this journey")
    parser.add_argument(
        "--format",
        choices=("jsonl", "json", "text"),
        default="jsonl",
        help="jsonl: one JSON event per line (default; json is the same); text: one readable line per event",
    )
    parser.add_argument(
        "--timeline", action="store_true", help="apply the profiles file's change lines after the first sync"
    )
    parser.add_argument(
        "--notes",
        action="store_true",
        help="with --format jsonl, print every note (a member with nothing to send, an ignored change) to stderr; "
        "by default stderr gets how many of each kind",
    )
    return parser


class _Out:
    """stdout that survives a reader going away (`validate broken.toml | head -1`): after a broken pipe, writes
    are dropped, so the command still finishes its work and its exit status still says what it found."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.broken = False

    def write(self, text: str) -> int:
        if not self.broken:
            try:
                self.stream.write(text)
            except BrokenPipeError:
                self._closed()
        return len(text)

    def flush(self) -> None:
        if not self.broken:
            try:
                self.stream.flush()
            except BrokenPipeError:
                self._closed()

    def _closed(self) -> None:
        self.broken = True
        # What Python's docs advise: point the file descriptor at devnull, so the flush at exit cannot fail again.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self.stream.fileno())
            os.close(devnull)
        except (OSError, ValueError, AttributeError):
            pass


def _new_parser() -> _Parser:
    parser = command_parser(
        "idsync-tui new",
        "Start a new space file: version = 1 and a [space] table with a key and a name. "
        "Asks for what is not given; never overwrites a file that holds text.",
        (
            'idsync-tui new acme.toml --key acme-prod --name "Acme (production)"',
            "idsync-tui new acme.toml                # asks for the key and the name",
        ),
        ("0 written", "1 the file already holds text (left as it is)", "2 usage, or the file cannot be written"),
    )
    parser.add_argument("space", metavar="SPACE", help="the file to create (missing or empty)")
    parser.add_argument("--key", help="the space key: lower-case letters, digits, - and _ (e.g. acme-prod)")
    parser.add_argument("--name", help='the space name (e.g. "Acme (production)")')
    return parser


def _ask_on(err: TextIO) -> Callable[[str], str] | None:
    """A question asked on stderr and answered on stdin, when stdin is a terminal; None otherwise."""
    if not sys.stdin or not sys.stdin.isatty():
        return None

    def ask(prompt: str) -> str:
        err.write(prompt)
        err.flush()
        line = sys.stdin.readline()
        if not line:
            raise EOFError
        return line.rstrip("\n")

    return ask


def main(argv: list[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    safe = _Out(out or sys.stdout)
    code = _main(argv, safe, err or sys.stderr)  # type: ignore[arg-type]  # _Out writes like a TextIO
    safe.flush()
    return code


def _main(argv: list[str], out: TextIO, err: TextIO) -> int:
    _Parser.help_out = out
    try:
        if argv and argv[0] == "validate":
            return run_validate(_validate_parser().parse_args(argv[1:]), out, err)
        if argv and argv[0] == "simulate":
            from idsync_tui.simulator.command import run_simulate

            args = _simulate_parser().parse_args(argv[1:])
            if args.format == "json":  # a synonym: the events are JSON, one per line
                args.format = "jsonl"
            return run_simulate(args, out, err)
        if argv and argv[0] == "serve":
            from idsync_tui.serve import run_serve

            return run_serve(_serve_parser().parse_args(argv[1:]), out, err)
        if argv and argv[0] == "schema":
            from idsync_tui import schema

            schema.configure(schema_parser := command_parser("idsync-tui schema", *schema.HELP))
            return schema.run(schema_parser.parse_args(argv[1:]), out, err)
        if argv and argv[0] in ("import", "export"):
            from idsync_tui import segment_api

            if len(argv) < 2 or argv[1] != "segment":
                raise UsageError(
                    f"idsync-tui {argv[0]}: the only source is segment: idsync-tui {argv[0]} segment --help"
                )
            help_of = segment_api.IMPORT_HELP if argv[0] == "import" else segment_api.EXPORT_HELP
            parser = command_parser(f"idsync-tui {argv[0]} segment", *help_of)
            (segment_api.configure_import if argv[0] == "import" else segment_api.configure_export)(parser)
            run = segment_api.run_import if argv[0] == "import" else segment_api.run_export
            return run(parser.parse_args(argv[2:]), out, err)
        if argv and argv[0] == "diff":
            from idsync_tui import reviewdiff

            parser = command_parser("idsync-tui diff", *reviewdiff.HELP)
            parser.usage = "%(prog)s OLD NEW [--profiles F] [--format FORMAT]\n       %(prog)s --git REV SPACE [...]"
            reviewdiff.configure(parser)
            return reviewdiff.run(parser, parser.parse_args(argv[1:]), out, err)
        if argv and argv[0] == "new":
            from idsync_tui.newspace import run_new

            new = _new_parser().parse_args(argv[1:])
            return run_new(new.space, new.key, new.name, out, err, _ask_on(err))
        args = _app_parser().parse_args(argv)
        if args.version:
            print(f"idsync-tui {__version__}", file=out)
            return 0
        return run_app(args, err)
    except UsageError as error:
        print(error, file=err)
        return 2
    except SystemExit as done:  # --help
        return done.code if isinstance(done.code, int) else 0
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # a write that did not go through `out` (`idsync-tui simulate ... | head`)
        sys.stdout = None  # type: ignore[assignment]  # keep Python from complaining again at exit
        return 0


def run_validate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from idsync_tui import github
    from idsync_tui.rules import validate
    from idsync_tui.text import InertWriter

    # Text from the files (keys, names, paths in messages) never reaches the terminal as control characters;
    # the JSON output is escaped by json itself (ensure_ascii), which this leaves as it is.
    out, err = cast(TextIO, InertWriter(out)), cast(TextIO, InertWriter(err))
    from idsync_tui.space.loader import SpaceReadError, load_space
    from idsync_tui.space.problems import count, sort_key

    files: list[dict[str, object]] = []
    errors = warnings = 0
    unreadable = False
    skipped = 0
    for path in args.spaces:
        if getattr(args, "spaces_only", False) and not is_space_file(path):
            skipped += 1
            continue
        try:
            problems = sorted(validate(load_space(path)), key=sort_key)
        except SpaceReadError as error:
            unreadable = True
            files.append({"path": path, "error": str(error), "problems": []})
            if args.format != "json":
                print(f"idsync-tui: {error}", file=err)
            if args.format == "github":
                print(github.unreadable(path, str(error)), file=out)
            continue
        file_errors, file_warnings = count(problems)
        errors += file_errors
        warnings += file_warnings
        files.append({"path": path, "problems": [p.as_dict() for p in problems]})
        if args.format == "text":
            for problem in problems:
                print(problem.as_text(), file=out)
        elif args.format == "github":
            for problem in problems:
                print(github.annotation(problem, path), file=out)
    if args.format == "json":
        import json

        json.dump({"files": files, "errors": errors, "warnings": warnings}, out, indent=None)
        out.write("\n")
    else:
        checked = len(files)
        print(
            f"{checked} file{'s' * (checked != 1)} checked: {errors} error{'s' * (errors != 1)}, "
            f"{warnings} warning{'s' * (warnings != 1)}"
            + (", some files could not be read" if unreadable else "")
            + (f", {skipped} not a space file (skipped)" if skipped else ""),
            file=out,
        )
    if unreadable:
        return 2
    if errors or (args.strict and warnings):
        return 1
    return 0


def data_dir() -> Path:
    """Where the demo's working copy lives: $IDSYNC_TUI_DATA_DIR, else $XDG_DATA_HOME/idsync-tui."""
    override = os.environ.get("IDSYNC_TUI_DATA_DIR")
    if override:
        return Path(override)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "idsync-tui"


def bundled_demo_dir() -> Path:
    return Path(__file__).resolve().parent / "demo"


def copy_demo(target: Path, fresh: bool = True) -> Path:
    """The bundled demo's files copied into `target` (kept where they exist unless `fresh`); its space file."""
    import shutil

    target.mkdir(parents=True, exist_ok=True)
    for name in DEMO_FILES:
        if fresh or not (target / name).exists():
            shutil.copyfile(bundled_demo_dir() / name, target / name)
    return target / DEMO_FILES[0]


def demo_working_copy(fresh: bool = False) -> Path:
    """The demo space as a working copy the app may save to; the packaged file itself is never modified."""
    return copy_demo(data_dir() / "demo", fresh)


def run_app(args: argparse.Namespace, err: TextIO) -> int:
    import shutil
    import tempfile

    if args.scratch_demo and args.space is not None:
        raise UsageError("idsync-tui: --scratch-demo opens a copy of the demo: give it no SPACE")
    demo = args.space is None
    scratch: Path | None = None
    try:
        if args.scratch_demo:  # a copy of its own for this process (each `serve` tab), removed when it ends
            scratch = Path(tempfile.mkdtemp(prefix="idsync-tui-demo-"))
            path = copy_demo(scratch)
        else:
            path = demo_working_copy(args.fresh_demo) if demo else Path(args.space)
    except OSError as error:
        where = scratch or data_dir()
        print(f"idsync-tui: cannot prepare the demo working copy in {where}: {error}", file=err)
        print("Set IDSYNC_TUI_DATA_DIR to a folder you can write to, or open a space file: idsync-tui SPACE", file=err)
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
        return 2
    try:
        return _open_and_run(path, demo, args.theme, err, read_only=args.read_only)
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


def _open_and_run(path: Path, demo: bool, theme: str | None, err: TextIO, read_only: bool = False) -> int:
    # A large file is parsed in a child process while this one imports the app (space/parse_ahead.py).
    from idsync_tui.space.parse_ahead import ParseAhead

    ahead = ParseAhead.start(path)
    try:
        return _open_and_run_with(path, ahead, demo, theme, err, read_only)
    finally:
        if ahead is not None:
            ahead.close()


def _open_and_run_with(
    path: Path, ahead: ParseAhead | None, demo: bool, theme: str | None, err: TextIO, read_only: bool
) -> int:
    terminal = sys.stdout.isatty() or bool(os.environ.get("TEXTUAL_DRIVER"))
    if ahead is not None and terminal:
        import idsync_tui.ui.app  # noqa: F401  # Textual and the screens: the slow imports, while the child parses
    from idsync_tui.space.document import SpaceDocument
    from idsync_tui.space.loader import SpaceReadError

    try:
        document = SpaceDocument.open(path, ahead)
    except SpaceReadError as error:
        print(f"idsync-tui: {error}", file=err)
        return 2
    result = document.result()
    if result.space is None:  # cannot be parsed: say where and what to do, before any screen is drawn
        for problem in result.problems:
            print(problem.as_text(), file=err)
        print(f"Fix the file, then run: idsync-tui {path}   (or check it with: idsync-tui validate {path})", file=err)
        return 2
    if not terminal:
        # TEXTUAL_DRIVER names a driver that needs no terminal: textual-serve sets it (`idsync-tui serve`).
        print(
            "idsync-tui: the app needs a terminal; for scripts use `idsync-tui validate` / `simulate`, "
            "for a browser `idsync-tui serve`",
            file=err,
        )
        return 2
    from idsync_tui.ui.app import create_app, run

    # The connection rules' results for this space, when the child has worked them out by now (never waited for).
    checked = ahead.take_checks() if ahead is not None else None
    return run(create_app(document, theme=theme, demo=demo, read_only=read_only, checked=checked))
