"""Modal dialogs: confirm, text prompts, adding a destination, problem lists, the on-disk conflict, the diff and the
keys help."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from rich.markup import escape
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, ScrollableContainer, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from idsync_tui import catalog
from idsync_tui.space.problems import Problem
from idsync_tui.text import inert
from idsync_tui.ui.inert import plain
from idsync_tui.ui.screens.ready import ReadyScreen
from idsync_tui.ui.widgets.text_field import TextField

CANCEL = Binding("escape", "cancel", "Cancel", id="dialog.cancel")


class Dialog(ModalScreen, ReadyScreen):
    """A modal with a title, a body and buttons; escape cancels (dismisses with None).

    Keys typed while it opens are held by the app and reach it once it is drawn (ReadyScreen); tab and shift+tab
    move the focus the moment they are read (the app's priority bindings), so `key<tab>name` fills both fields.
    """

    BINDINGS = [CANCEL]
    DEFAULT_CSS = """
    Dialog { align: center middle; }
    Dialog > Vertical {
        width: 76; max-width: 100%; height: auto; max-height: 100%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    Dialog .title { text-style: bold; width: 100%; }
    Dialog .hint { color: $text-muted; }
    Dialog .message { color: $error; height: auto; text-style: bold; }
    Dialog .field-message { display: none; margin-bottom: 1; }
    Dialog Horizontal.buttons { height: auto; align-horizontal: right; margin-top: 1; }
    Dialog Horizontal.buttons Button { margin-left: 2; min-width: 8; }
    Dialog OptionList { height: auto; max-height: 14; }
    Dialog Input, Dialog Select { margin-bottom: 1; }
    Dialog Input.-textual-compact, Dialog Select.-textual-compact > SelectCurrent { background: $foreground 12%; }
    Dialog Input.-textual-compact:focus, Dialog Select.-textual-compact:focus > SelectCurrent {
        background: $primary 30%;
    }
    """

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmDialog(Dialog):
    """A question with labelled choices; dismisses with the chosen value (None on escape)."""

    BINDINGS = [
        CANCEL,
        Binding("left", "app.focus_previous", "Previous", show=False, id="dialog.previous"),
        Binding("right", "app.focus_next", "Next", show=False, id="dialog.next"),
    ]

    def __init__(
        self, title: str, body: str, choices: Iterable[tuple[str, str, str]], default: str | None = None
    ) -> None:
        super().__init__()
        self.title_text = title
        self.body = body
        self.choices = list(choices)  # (label, value, variant)
        self.default = default  # the choice focused at first (enter takes it); None: the first one

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(plain(self.title_text), classes="title")
            yield Static(plain(self.body) if isinstance(self.body, str) else self.body)
            with Horizontal(classes="buttons"):
                for label, value, variant in self.choices:
                    yield Button(label, id=f"choice-{value}", variant=variant, compact=True)  # type: ignore[arg-type]

    def on_mount(self) -> None:
        if self.default is not None:
            self.query_one(f"#choice-{self.default}", Button).focus()
        else:
            self.query(Button).first().focus()

    @on(Button.Pressed)
    def chosen(self, event: Button.Pressed) -> None:
        assert event.button.id is not None
        self.dismiss(event.button.id.removeprefix("choice-"))


class FormDialog(Dialog):
    """A small form of text inputs and selects; dismisses with {name: value} or None.

    With `attempt`, OK makes the edit there and then: a refusal keeps the dialog open with what was typed and the
    reason under the field it is about (the dialog then dismisses with None: the edit is made).
    """

    def __init__(
        self,
        title: str,
        fields: list[tuple[str, str, object]],
        hint: str = "",
        attempt: Callable[[dict[str, str]], str | None] | None = None,
    ) -> None:
        super().__init__()
        self.title_text = title
        # (name, label, spec): spec is a default string for an Input, or a list of (label, value) for a Select
        self.fields = fields
        self.hint = hint
        self.attempt = attempt

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(plain(self.title_text), classes="title")
            for name, label, spec in self.fields:
                # Compact widgets: a form must fit an 80x24 terminal with room to spare.
                yield Label(plain(label), id=f"label-{name}")
                if isinstance(spec, list):
                    yield Select(spec, id=f"field-{name}", allow_blank=False, compact=True)
                else:
                    yield TextField(str(spec), id=f"field-{name}", compact=True)
                yield Static("", classes="message field-message", id=f"error-{name}", markup=False)
            if self.hint:
                yield Static(self.hint, classes="hint", markup=False)
            yield Static("", classes="message", id="message", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("OK", id="ok", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def values(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for name, _label, spec in self.fields:
            widget = self.query_one(f"#field-{name}")
            if isinstance(spec, list):
                values[name] = str(widget.value)  # type: ignore[attr-defined]
            else:
                values[name] = widget.value.strip()  # type: ignore[attr-defined]
        return values

    def show_message(self, message: str, field: str | None = None) -> None:
        """`message` under `field` (focused, for a correction), or under the form; the other places are cleared."""
        for name, _label, _spec in self.fields:
            under = self.query_one(f"#error-{name}", Static)
            under.update(plain(message) if name == field else "")
            under.display = name == field
        self.query_one("#message", Static).update("" if field else plain(message))
        if field is not None:
            self.query_one(f"#field-{field}").focus()

    def field_of(self, reason: str) -> str | None:
        """The field a refusal is about: the one whose name or label it mentions first (key before name)."""
        lowered = reason.lower()
        for name, label, _spec in self.fields:
            if f"{name} " in lowered or label.rstrip(":").lower() in lowered:
                return name
        return None

    def validate(self, values: dict[str, str]) -> str | None:
        """A reason to refuse the values, or None. Subclasses or callers refine this."""
        for name, label, spec in self.fields:
            if not isinstance(spec, list) and not values[name]:
                return f"{label.rstrip(':')} is required"
        return None

    # The handlers call self.accept() so that a subclass's accept() is the one that runs.
    @on(Input.Submitted)
    def submitted(self) -> None:
        self.accept()

    @on(Button.Pressed, "#ok")
    def ok_pressed(self) -> None:
        self.accept()

    def accept(self) -> None:
        values = self.values()
        reason = self.validate(values)
        if reason is None and self.attempt is not None:
            reason = self.attempt(values)
            if reason is None:
                self.dismiss(None)
                return
        if reason:
            self.show_message(reason, self.field_of(reason))
            return
        self.dismiss(values)

    @on(Button.Pressed, "#cancel")
    def cancel_pressed(self) -> None:
        self.dismiss(None)


class DestinationDialog(FormDialog):
    """Add a destination: the type from the catalogue; Google Ads also asks for its matcher (external_id_type)."""

    def __init__(self) -> None:
        super().__init__(
            "Add a destination to the space",
            [
                ("key", "Key:", ""),
                ("name", "Name:", ""),
                ("type", "Type:", [(catalog.DESTINATION_TYPE_LABELS[t], t) for t in catalog.DESTINATION_TYPES]),
                (
                    "external_id_type",
                    "Google's matcher, external_id_type:",
                    [("email", "email"), ("mobile_id (mobile advertising id)", "mobile_id")],
                ),
            ],
        )

    def on_mount(self) -> None:
        self.show_matcher()

    @on(Select.Changed, "#field-type")
    def show_matcher(self) -> None:
        google = self.query_one("#field-type", Select).value == catalog.GOOGLE
        for widget_id in ("#label-external_id_type", "#field-external_id_type"):
            self.query_one(widget_id).display = google


def problem_prompt(problem: Problem) -> Text:
    style = "bold red" if problem.is_error else "yellow"
    text = Text()
    text.append(f"{problem.code} ", style=style)
    text.append(f"{problem.where or 'space'}: ", style="bold")
    text.append(problem.message)
    return text


class ProblemsDialog(Dialog):
    """Every problem (or the errors that block saving); enter jumps to the place (dismisses with the problem)."""

    BINDINGS = [CANCEL, Binding("p", "cancel", "Close", id="problems.close")]

    def __init__(
        self, problems: list[Problem], title: str, hint: str = "enter: go to the place · escape: close"
    ) -> None:
        super().__init__()
        self.problems = problems
        self.title_text = title
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(plain(self.title_text), classes="title")
            if self.problems:
                yield OptionList(*(Option(problem_prompt(p), id=str(i)) for i, p in enumerate(self.problems)))
            else:
                yield Static("No problems: every rule passes.")
            yield Static(self.hint, classes="hint", markup=False)

    @on(OptionList.OptionSelected)
    def jump(self, event: OptionList.OptionSelected) -> None:
        assert event.option.id is not None
        self.dismiss(self.problems[int(event.option.id)])


class TextDialog(Dialog):
    """A scrollable read-only text (the diff, the keys help)."""

    BINDINGS = [CANCEL, Binding("q", "cancel", "Close", id="text.close")]
    DEFAULT_CSS = """
    TextDialog > Vertical { width: 100%; height: 100%; }
    TextDialog ScrollableContainer { height: 1fr; }
    TextDialog .nowrap { width: auto; text-wrap: nowrap; }
    """

    def __init__(self, title: str, body: Text | str, wrap: bool = True) -> None:
        """`wrap=False` (a diff): long lines run off to the right and scroll sideways, so a wrapped line's
        second half can never pass for a line of its own."""
        super().__init__()
        self.title_text = title
        self.body = body
        self.wrap = wrap

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(plain(self.title_text), classes="title")
            with ScrollableContainer():
                body = plain(self.body) if isinstance(self.body, str) else self.body
                yield Static(body, classes="" if self.wrap else "nowrap")
            hint = "escape / q: close · arrows, page up / down: scroll"
            yield Static(hint if self.wrap else hint + " (← → for long lines)", classes="hint")

    def on_mount(self) -> None:
        self.query_one(ScrollableContainer).focus()


def diff_text(diff: str) -> Text:
    text = Text()
    for line in diff.splitlines():
        style = ""
        if line.startswith("+") and not line.startswith("+++"):
            style = "green"
        elif line.startswith("-") and not line.startswith("---"):
            style = "red"
        elif line.startswith("@@"):
            style = "cyan"
        text.append(inert(line) + "\n", style=style)
    return text


def conflict_text(theirs: str, overwrite: str) -> Text:
    """What changed on disk behind the session's back, and what saving over it would do."""
    text = Text()
    text.append("Their change: the file as you opened it → the file on disk now\n", style="bold")
    text.append_text(diff_text(theirs) if theirs else Text("(no difference in the text)\n", style="dim"))
    text.append("\nWhat Overwrite would do: the file on disk now → your version\n", style="bold")
    text.append_text(diff_text(overwrite) if overwrite else Text("(no difference: your version is on disk)\n"))
    return text


def keys_text(bindings: Iterable[tuple[str, str, str]]) -> Text:
    text = Text()
    for key, description, binding_id in bindings:
        text.append(f"{key:>14}  ", style="bold")
        text.append(f"{description}")
        text.append(f"  ({binding_id})\n" if binding_id else "\n", style="dim")
    return text


def quote(value: str) -> str:
    return escape(value)
