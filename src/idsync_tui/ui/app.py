"""The app: modes for the three screens, keys that work everywhere, saving, undo, problems, help, themes.

The editor, the dialogs and the sync log are imported when first used: the first frame does not wait for them.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from textual import events
from textual.app import App, ScreenStackError, SystemCommand
from textual.binding import Binding
from textual.content import Content
from textual.filter import LineFilter
from textual.reactive import Reactive, reactive
from textual.screen import ModalScreen, Screen
from textual.widgets import Input

from idsync_tui.rules import OwnerProblems
from idsync_tui.session import Found, Outcome, Session
from idsync_tui.space import store
from idsync_tui.space.document import SaveConflict, SaveVerifyError, SpaceDocument
from idsync_tui.space.loader import SpaceReadError
from idsync_tui.space.problems import Problem
from idsync_tui.space.store import ReadOnlyFile
from idsync_tui.text import inert
from idsync_tui.ui import theming
from idsync_tui.ui.inert import InertLines
from idsync_tui.ui.messages import Edited, OpenEditor, ScreenReady, StatusMessage, next_order
from idsync_tui.ui.screens.audiences import AudiencesScreen
from idsync_tui.ui.screens.base import SpaceScreen
from idsync_tui.ui.screens.destinations import DestinationsScreen
from idsync_tui.ui.screens.journeys import JourneysScreen
from idsync_tui.ui.widgets.frame import short_path
from idsync_tui.ui.widgets.list_table import ListTable

# Cursor and scroll keys every list has: summed up in one line of the keys help instead of listed.
NAVIGATION_ACTIONS = ("cursor_", "scroll_", "select_cursor", "page_", "focus_next", "focus_previous", "copy_text")

SCREEN_NAMES = {
    "audiences": "Audiences",
    "journeys": "Journeys",
    "destinations": "Destinations",
    "profiles": "Profiles",
}


def _profiles_screen(session: Session) -> Screen:
    """The Profiles screen, imported when first shown: start-up does not pay for the simulator's modules."""
    from idsync_tui.ui.screens.profiles import ProfilesScreen

    return ProfilesScreen(session)


def screen_for(found: Found) -> str:
    """The screen (mode) that shows a place `Session.find` found: its connection's owner's, or its section's."""
    if found.ref is not None:
        return "audiences" if found.ref.audience is not None else "journeys"
    return {"audiences": "audiences", "journeys": "journeys"}.get(found.section, "destinations")


INERT_LINES = InertLines()
KEPT = "your edits are kept: fix that and save again, or W saves them elsewhere"
READ_ONLY_REFUSAL = "Not saved: this session is read-only (--read-only); edits stay on screen only, v shows them"


class IdSyncApp(App):
    TITLE = "idsync-tui"
    CSS_PATH = "idsync.tcss"
    DEFAULT_MODE = "audiences"
    # The app's own theme is where Textual's `theme` reactive starts, so choosing it at start-up is no change: a
    # change runs Textual's theme watcher, which restyles the app (every stylesheet parsed again) before the first
    # frame (benchmarks/README.md, "the theme and the first screen at start-up"). Any other theme (`--theme`,
    # NO_COLOR) is a change, applied as Textual applies one. See also `get_default_screen`.
    theme: Reactive[str] = Reactive(theming.DEFAULT_THEME)
    # ctrl+s / ctrl+z / ctrl+y / ctrl+q can be eaten by terminals (flow control, job control): each has a plain key.
    BINDINGS = [
        # Screen keys and tab act the moment they are read (priority): in a fast burst, the keys after them go where
        # they lead. Typed into a text field, 1-4 are text (check_action).
        Binding("1", "show('audiences')", "Audiences", show=False, priority=True, id="app.audiences"),
        Binding("2", "show('journeys')", "Journeys", show=False, priority=True, id="app.journeys"),
        Binding("3", "show('destinations')", "Destinations", show=False, priority=True, id="app.destinations"),
        Binding("4", "show('profiles')", "Profiles", show=False, priority=True, id="app.profiles"),
        Binding("tab", "focus_next", "Next panel", show=False, priority=True, id="app.focus_next"),
        Binding("shift+tab", "focus_previous", "Previous panel", show=False, priority=True, id="app.focus_previous"),
        Binding("ctrl+s,w", "save", "Save", id="app.save", key_display="w"),
        Binding("W", "save_as", "Save as", show=False, id="app.save_as"),
        Binding("ctrl+z,u", "undo", "Undo", id="app.undo", key_display="u"),
        Binding("ctrl+y,U", "redo", "Redo", show=False, id="app.redo"),
        Binding("p", "problems", "Problems", show=False, priority=True, id="app.problems"),  # open dialogs: priority
        Binding("v", "diff", "Diff", show=False, priority=True, id="app.diff"),
        Binding("l", "log", "Sync log", show=False, id="app.log"),
        Binding("question_mark,f1", "help", "Keys", id="app.help", key_display="?"),
        Binding("q,ctrl+q", "quit", "Quit", id="app.quit", key_display="q"),
        # Textual's own palette binding, restated (it is only added when no binding opens the palette), and a plain
        # key for it: a browser may keep ctrl+p (print) for itself under `idsync-tui serve`.
        Binding("ctrl+p", "command_palette", "palette", show=False, priority=True, id="app.palette"),
        Binding("colon", "command_palette", "palette", show=False, id="app.palette", key_display=":"),
    ]

    revision: reactive[int] = reactive(0, always_update=True)
    status: reactive[tuple[str, bool]] = reactive(("", False))

    def __init__(self, session: Session, theme: str | None = None) -> None:
        # With NO_COLOR, Textual drops every colour it draws. Drawn with the terminal's own colours (ansi_color),
        # it drops them to the terminal's default foreground and background; otherwise it turns each colour into a
        # grey that can come out black on black (NO_COLOR means no colour, not no contrast). Emphasis and the
        # cursors then rest on bold / reverse / underline: the NO_COLOR theme (idsync-ansi) draws them so.
        super().__init__(ansi_color=True if theming.strips_colour() else None)
        self.session = session
        self.status_order = 0  # when what the status line shows happened (messages.next_order)
        # Each screen gets the session when it is made (attributes down); what happens there comes up as messages.
        self.add_mode("journeys", lambda: JourneysScreen(session))
        self.add_mode("destinations", lambda: DestinationsScreen(session))
        self.add_mode("profiles", lambda: _profiles_screen(session))
        self.held_keys: list[events.Key] = []  # keys read while the screen on top was still opening
        # Themes are chosen before anything is mounted: setting one later restyles every widget a second time.
        loaded = theming.load_themes()
        for bundled in loaded.themes:
            self.register_theme(bundled)
        name, message = theming.pick_theme(theme, list(self.available_themes))
        self.theme = name
        # Textual made the stylesheet in App.__init__, before our themes were registered (with its own default
        # theme's colours); nothing is parsed yet, so giving it the chosen theme's colours now costs nothing.
        self.stylesheet.set_variables(self.get_css_variables())
        self.theme_notes = [*loaded.problems, *([message] if message else [])]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Plain keys that act the moment they are read: typed into a text field they are text, and a dialog is
        # answered (or escaped) first (its own keys, such as p to close the problems, come first there).
        if action in ("show", "problems", "diff"):
            return not (isinstance(self.focused, Input) or isinstance(self.screen, ModalScreen))
        return True

    # -- keys typed while a screen opens ---------------------------------------------------------------------
    def holds_keys(self) -> bool:
        """Whether a key read now must wait: the screen on top is still opening, or earlier keys wait already."""
        if self.held_keys:
            return True
        try:
            screen = self.screen
        except ScreenStackError:
            return False
        return not getattr(screen, "ready", True)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded and self.holds_keys():
            self.held_keys.append(events.Key(event.key, event.character))
            return
        await super().on_event(event)

    async def on_screen_ready(self, _message: ScreenReady) -> None:
        """Hands the held keys on, in the order they were typed, until one opens another screen (which holds the
        rest until it is ready in turn)."""
        while self.held_keys:
            if not getattr(self.screen, "ready", True):
                return
            await super().on_event(self.held_keys.pop(0))

    # -- start -------------------------------------------------------------------------------------------------
    def get_default_screen(self) -> Screen:
        """The Audiences screen, the first one shown. It is the default screen of the start mode ("audiences")
        rather than a mode's screen: Textual restyles the whole app (every stylesheet parsed again) when a mode's
        first screen opens, on top of the first parse (benchmarks/README.md, "the theme and the first screen at
        start-up"). `on_mount` adds the mode, so that `switch_mode("audiences")` returns to this same screen."""
        return AudiencesScreen(self.session)

    def on_mount(self) -> None:
        self.add_mode("audiences", lambda: AudiencesScreen(self.session))  # its screen is up: never called
        if self.theme_notes:
            self.notify("\n".join(self.theme_notes), title="Themes", severity="warning", timeout=10, markup=False)
        self.update_titles()
        errors, warnings = self.session.counts
        if errors or warnings:
            self.say(f"Opened with {errors} errors and {warnings} warnings: press p to list them", error=bool(errors))
        else:
            self.say("Opened: every rule passes. Press ? for the keys.")
        if not self.session.read_only and self.session.path is not None and store.is_read_only(self.session.path):
            self.say(
                f"{self.session.path} is read-only: saving will ask before replacing it (W saves elsewhere)",
                error=True,
            )

        path = self.session.path
        if path is not None and not self.session.read_only and not self.session.document.text.strip():
            self.offer_new_space(path)

    # Long lists add their rows past the first screenful only once this is true (ui/widgets/list_table.py).
    first_frame_shown = False

    def on_ready(self) -> None:
        """Textual's `Ready`: the first frame is on the terminal. The lists of the screens open now may add the rest
        of their rows (at start-up, after-refresh callbacks run before any frame is written: rows added then held
        back the first frame of a 1,000-audience space by ~170 ms)."""
        self.first_frame_shown = True
        for screen in self.screen_stack:
            for table in screen.query(ListTable):
                table.resume_filling()

    def offer_new_space(self, path: Path) -> None:
        """The file is empty: offer to start a new space in it (what `idsync-tui new PATH` writes)."""
        from idsync_tui import newspace
        from idsync_tui.ui.screens.dialogs import FormDialog

        suggestion = newspace.suggest(path)

        def start(values: dict[str, str]) -> str | None:
            problem = newspace.key_problem(values["key"]) or newspace.name_problem(values["name"])
            if problem:
                return problem
            try:
                newspace.create(path, values["key"], values["name"])
            except (newspace.NotEmpty, OSError, ValueError) as error:
                return str(error)
            self.session.reload()
            self.changed()
            self.say(f"Started a new space in {path}: add destinations (3), then audiences (1)")
            return None

        self.push_screen(
            FormDialog(
                f"{path.name} is empty: start a new space?",
                [("key", "Space key:", suggestion.key), ("name", "Space name:", suggestion.name)],
                hint="Writes version = 1 and a [space] table with this key and name to the file, as "
                "`idsync-tui new` does. Escape leaves the file empty.",
                attempt=start,
            )
        )

    def get_line_filters(self) -> list[LineFilter]:
        """Textual's filters, then `InertLines`: no control character from a file reaches the terminal."""
        return [*super().get_line_filters(), INERT_LINES]

    def format_title(self, title: str, sub_title: str) -> Content:
        return super().format_title(inert(title, one_line=True), inert(sub_title, one_line=True))

    def update_titles(self) -> None:
        space = self.session.space
        self.title = f"{space.name or space.key}"
        where = short_path(self.session.path)
        if self.session.demo:
            where = f"demo copy: {where}"
        if self.session.read_only:
            where = f"read-only · {where}"
        self.sub_title = where + ("  ● unsaved" if self.session.dirty else "")

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for mode, label in SCREEN_NAMES.items():
            yield SystemCommand(f"Screen: {label}", f"Show the {label} screen", lambda m=mode: self.action_show(m))
        yield SystemCommand("Save", "Save the space file (w / ctrl+s)", self.action_save)
        yield SystemCommand("Save as", "Save the space to another file (W)", self.action_save_as)
        yield SystemCommand("Problems", "List every problem in the space (p)", self.action_problems)
        yield SystemCommand("Diff", "Show what saving would change (v)", self.action_diff)
        yield SystemCommand("Undo", "Undo the last edit (u / ctrl+z)", self.action_undo)
        yield SystemCommand("Redo", "Redo (U / ctrl+y)", self.action_redo)
        yield SystemCommand("Sync log", "Show or hide the simulator's events for the selection (l)", self.action_log)

    # -- what screens and widgets post -------------------------------------------------------------------------
    def on_status_message(self, message: StatusMessage) -> None:
        self.say(message.text, error=message.error)

    def on_edited(self, message: Edited) -> None:
        self.edited(message.outcome, message.order)

    def on_open_editor(self, message: OpenEditor) -> None:
        from idsync_tui.ui.screens.editor import ConnectionEditor

        self.push_screen(ConnectionEditor(self.session, message.conn_path))

    # -- the status line and redraws -----------------------------------------------------------------------------
    def say(self, message: str, error: bool = False, order: int | None = None) -> None:
        """Shows `message` on the status line, unless something said there happened after it (`order`)."""
        order = next_order() if order is None else order
        if order < self.status_order:
            return
        self.status_order = order
        self.status = (message, error)
        if error:
            self.bell()

    def edited(self, outcome: Outcome, order: int | None = None) -> None:
        self.say(outcome.message, error=not outcome.ok, order=order)
        if outcome.ok:
            self.changed()

    def changed(self) -> None:
        self.update_titles()
        self.revision += 1

    # -- actions -----------------------------------------------------------------------------------------------
    async def action_log(self) -> None:
        from idsync_tui.ui.synclog.log import SyncLog

        log = SyncLog.of(self)
        if isinstance(self.screen, SpaceScreen):
            await self.screen.log_pane()
        log.toggle()

    async def action_show(self, mode: str) -> None:
        """A screen key goes to that screen's own list, from anywhere: the ID Sync editor is left first (it is
        pushed on the screen it was opened from, which would otherwise show it again)."""
        while len(self.screen_stack) > 1 and not isinstance(self.screen, ModalScreen):
            await self.pop_screen()
        await self.switch_mode(mode)

    def action_undo(self) -> None:
        self.edited(self.session.undo())

    def action_redo(self) -> None:
        self.edited(self.session.redo())

    def action_problems(self) -> None:
        from idsync_tui.ui.screens.dialogs import ProblemsDialog

        errors, warnings = self.session.counts
        self.push_screen(
            ProblemsDialog(self.session.problems, f"Problems: {errors} errors, {warnings} warnings"), self.jump
        )

    def action_diff(self) -> None:
        from idsync_tui.ui.screens.dialogs import TextDialog, conflict_text, diff_text

        changes = self.session.document.disk_changes()
        if changes is not None:  # someone else wrote the file: show their change and what saving would overwrite
            self.push_screen(TextDialog("The file changed on disk", conflict_text(*changes), wrap=False))
            return
        diff = self.session.document.diff()
        body = diff_text(diff) if diff else "No changes: the file on disk is what you see."
        self.push_screen(TextDialog("What saving would write (diff against the file on disk)", body, wrap=False))

    def action_help(self) -> None:
        """The keys that work here: the focused panel's first, then the screen's, then the app's, by binding id."""
        from idsync_tui.ui.screens.dialogs import TextDialog, keys_text
        from idsync_tui.ui.screens.editor import ConnectionEditor

        screen = self.screen
        grouped: dict[str, tuple[int, list[str], str]] = {}
        for key, active in screen.active_bindings.items():
            binding = active.binding
            if binding.action.rpartition(".")[2].startswith(NAVIGATION_ACTIONS):
                continue
            rank = 2 if active.node is self else 1 if active.node is screen else 0
            _, keys, _ = grouped.setdefault(
                binding.id or binding.action, (rank, [], binding.description or binding.action)
            )
            keys.append(self.get_key_display(Binding(key, "")))
        rows = sorted(
            (rank, ident, " / ".join(keys), description) for ident, (rank, keys, description) in grouped.items()
        )
        name = (
            "ID Sync editor" if isinstance(screen, ConnectionEditor) else type(screen).__name__.removesuffix("Screen")
        )
        body = keys_text([(keys, description, ident) for _rank, ident, keys, description in rows])
        body.append("\n  arrows move · tab / shift+tab: next / previous panel · enter: open or edit", style="dim")
        body.append("\n  home / end: first / last row of a list · page up / down: a screenful", style="dim")
        self.push_screen(TextDialog(f"Keys: {name}", body))

    def action_save(self, then_quit: bool = False) -> None:
        from idsync_tui.ui.screens.dialogs import ProblemsDialog

        if self.refused_read_only():
            return
        errors = self.session.errors()
        if errors:
            self.say(f"Not saved: {len(errors)} errors must be fixed first", error=True)
            self.push_screen(
                ProblemsDialog(
                    errors,
                    f"Saving is blocked by {len(errors)} error{'s' * (len(errors) != 1)}",
                    "fix them first (warnings do not block) · enter: go to one · escape: close",
                ),
                self.jump,
            )
            return
        self.write(force=False, then_quit=then_quit)

    def refused_read_only(self) -> bool:
        """`--read-only`: every way to write the space (w, ctrl+s, W, the palette, "save and quit") stops here."""
        if self.session.read_only:
            self.say(READ_ONLY_REFUSAL, error=True)
        return self.session.read_only

    def write(self, force: bool, then_quit: bool = False, replace_read_only: bool = False) -> None:
        from idsync_tui.ui.screens.dialogs import ConfirmDialog

        if self.refused_read_only():
            return
        try:
            self.session.document.save(force=force, replace_read_only=replace_read_only)
        except ReadOnlyFile:
            self.push_screen(
                ConfirmDialog(
                    "The file is read-only",
                    f"{self.session.path} has no write permission.\n"
                    "Replace it: write your version anyway (it stays read-only).\n"
                    "Save as: write your version to another file.\n"
                    "Cancel: keep editing; nothing is written.",
                    [
                        ("Replace it", "replace", "warning"),
                        ("Save as…", "save_as", "primary"),
                        ("Cancel", "cancel", "default"),
                    ],
                    default="cancel",  # enter never writes over a protected file
                ),
                lambda choice: self.resolve_read_only(choice, force, then_quit),
            )
            return
        except SaveConflict:
            self.ask_about_conflict(then_quit)
            return
        except SaveVerifyError as error:
            self.say(f"Not saved, the file is untouched: {error}", error=True)
            return
        except OSError as error:
            self.say(f"Not saved, the file is untouched ({error.strerror or error}); {KEPT}", error=True)
            return
        except Exception as error:  # noqa: BLE001 - never lose the edits to a crash: say it, keep them
            self.say(f"Not saved ({type(error).__name__}: {error}); {KEPT}", error=True)
            return
        self.session.refresh()
        self.changed()
        self.say(f"Saved {self.session.path}")
        if then_quit:
            self.exit(0)

    def ask_about_conflict(self, then_quit: bool) -> None:
        """The file changed on disk: Cancel is what enter does; Reload asks again; the diff shows both sides."""
        from idsync_tui.ui.screens.dialogs import ConfirmDialog

        self.push_screen(
            ConfirmDialog(
                "The file changed on disk",
                f"{self.session.path} was changed by something else since it was opened.\n"
                "Diff: what they changed, and what saving over it would write.\n"
                "Reload: drop your edits and read the file again (asks first).\n"
                "Overwrite: write your version over theirs.\n"
                "Cancel: keep editing; nothing is written.",
                [
                    ("Diff", "diff", "primary"),
                    ("Reload…", "reload", "warning"),
                    ("Overwrite", "overwrite", "error"),
                    ("Cancel", "cancel", "default"),
                ],
                default="cancel",
            ),
            lambda choice: self.resolve_conflict(choice, then_quit),
        )

    def resolve_conflict(self, choice: str | None, then_quit: bool) -> None:
        from idsync_tui.ui.screens.dialogs import ConfirmDialog, TextDialog, conflict_text

        if choice == "overwrite":
            self.write(force=True, then_quit=then_quit)
        elif choice == "diff":
            changes = self.session.document.disk_changes()
            if changes is None:  # the file went back to what was opened: a save goes through now
                self.say("The file on disk is as you opened it again: w saves")
                return
            self.push_screen(
                TextDialog("The file changed on disk", conflict_text(*changes), wrap=False),
                lambda _closed: self.ask_about_conflict(then_quit),
            )
        elif choice == "reload":

            def reload(sure: str | None) -> None:
                if sure != "reload":
                    self.ask_about_conflict(then_quit)
                    return
                try:
                    self.session.reload()
                except Exception as error:  # noqa: BLE001 - deleted, a symlink loop, not UTF-8...: keep the edits
                    reason = str(error) if isinstance(error, SpaceReadError) else f"{type(error).__name__}: {error}"
                    self.say(
                        f"Could not reload ({reason}); your edits are kept: w saves them there (recreating the "
                        "file), W saves them elsewhere",
                        error=True,
                    )
                    return
                self.changed()
                self.say(f"Reloaded {self.session.path} from disk; your edits were dropped")

            self.push_screen(
                ConfirmDialog(
                    "Reload and drop your edits?",
                    f"Your unsaved edits to {self.session.path} will be lost (undo cannot bring them back); "
                    "the file is read again as it is on disk now.",
                    [("Reload, drop my edits", "reload", "error"), ("Cancel", "cancel", "default")],
                    default="cancel",
                ),
                reload,
            )
        else:
            self.say("Not saved: the file on disk was left as it is (v shows both sides)")

    def resolve_read_only(self, choice: str | None, force: bool, then_quit: bool) -> None:
        if choice == "replace":
            self.write(force=force, then_quit=then_quit, replace_read_only=True)
        elif choice == "save_as":
            self.action_save_as(then_quit=then_quit)
        else:
            self.say("Not saved: the read-only file was left as it is")

    def action_save_as(self, then_quit: bool = False) -> None:
        """Save as (W): the space to another file, which the app then edits."""
        from idsync_tui.ui.screens.dialogs import FormDialog

        if self.refused_read_only():
            return
        errors = self.session.errors()
        if errors:
            self.action_save(then_quit=then_quit)  # the same refusal, with the list of errors
            return
        current = str(self.session.path) if self.session.path is not None else "space.toml"

        def chosen(values: dict[str, str] | None) -> None:
            if values:
                self.write_as(Path(values["path"]).expanduser(), force=False, then_quit=then_quit)
            else:
                self.say("Not saved (save as cancelled)")

        self.push_screen(
            FormDialog(
                "Save as",
                [("path", "Save the space to:", current)],
                "a file path; a relative path is from the folder the app started in",
            ),
            chosen,
        )

    def write_as(self, target: Path, force: bool, then_quit: bool = False) -> None:
        from idsync_tui.ui.screens.dialogs import ConfirmDialog

        if self.refused_read_only():
            return
        try:
            self.session.document.save_as(target, force=force)
        except SaveConflict:
            self.push_screen(
                ConfirmDialog(
                    "That file exists",
                    f"{target} already exists. Replace it with this space?",
                    [("Replace it", "replace", "warning"), ("Cancel", "cancel", "default")],
                ),
                lambda choice: (
                    self.write_as(target, True, then_quit)
                    if choice == "replace"
                    else self.say("Not saved: the existing file was left as it is")
                ),
            )
            return
        except SaveVerifyError as error:
            self.say(f"Not saved: {error}", error=True)
            return
        except OSError as error:
            self.say(f"Not saved to {target} ({error.strerror or error}); {KEPT}", error=True)
            return
        except Exception as error:  # noqa: BLE001 - never lose the edits to a crash: say it, keep them
            self.say(f"Not saved to {target} ({type(error).__name__}: {error}); {KEPT}", error=True)
            return
        self.session.refresh()
        self.changed()
        self.say(f"Saved as {target}; this is the file you are editing now")
        if then_quit:
            self.exit(0)

    async def action_quit(self) -> None:
        from idsync_tui.ui.screens.dialogs import ConfirmDialog

        if not self.session.dirty:
            self.exit(0)
            return

        def decide(choice: str | None) -> None:
            if choice == "save":
                self.action_save(then_quit=True)
            elif choice == "discard":
                self.exit(0)

        if self.session.read_only:
            body = f"This session is read-only: your edits to {self.session.path} cannot be saved."
            choices = [("Quit, dropping them", "discard", "error"), ("Cancel", "cancel", "default")]
        else:
            body = f"Your edits to {self.session.path} are not saved."
            choices = [
                ("Save and quit", "save", "primary"),
                ("Quit without saving", "discard", "error"),
                ("Cancel", "cancel", "default"),
            ]
        self.push_screen(ConfirmDialog("Unsaved changes", body, choices), decide)

    # -- jumping to a problem ----------------------------------------------------------------------------------
    async def jump(self, problem: Problem | None) -> None:
        from idsync_tui.ui.screens.editor import ConnectionEditor, RowsTable

        if problem is None:
            return
        found = self.session.find(problem.where)
        if found is None:
            self.say(f"{problem.code}: {problem.message}")
            return
        await self.switch_mode(screen_for(found))
        while isinstance(self.screen, ConnectionEditor):
            self.pop_screen()
        screen = self.screen
        ref = found.ref
        if ref is not None and ref.journey is not None and isinstance(screen, JourneysScreen):
            assert ref.step is not None
            screen.focus_step(ref.journey.key, ref.step.key)
        elif isinstance(screen, SpaceScreen):
            target = ref.audience if ref is not None and ref.audience is not None else found.target
            if target is not None:
                screen.focus_on(target)
        if ref is not None:
            editor = ConnectionEditor(self.session, ref.connection.path)
            await self.push_screen(editor)
            if found.row is not None:
                editor.query_one(RowsTable).move_cursor(row=found.row)
        self.say(f"{problem.code}: {problem.message}", error=problem.is_error)


def create_app(
    document: SpaceDocument,
    theme: str | None = None,
    demo: bool = False,
    read_only: bool = False,
    checked: OwnerProblems | None = None,
) -> IdSyncApp:
    """The app on an opened document: what `idsync-tui SPACE` runs, and what the tests and snapshots drive.
    `checked`: the connection rules' results worked out while the app started (see `Session`)."""
    return IdSyncApp(Session(document, demo=demo, read_only=read_only, checked=checked), theme=theme)


def run(app: IdSyncApp) -> int:
    """Runs the app until it quits; its exit code."""
    app.run()
    return app.return_code or 0
