"""Keys a web browser keeps for itself are never the only way to do something (issue 14, `idsync-tui serve`).

Every class of the app's UI with bindings (ours, and the Textual widgets the UI builds) is read through its MRO the
way Textual resolves bindings (a subclass's key wins); any action whose every key is one a browser may keep fails.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

from textual.app import App
from textual.binding import Binding
from textual.dom import DOMNode
from textual.widgets import Input

import idsync_tui.ui
from idsync_tui.ui.app import IdSyncApp
from idsync_tui.ui.widgets.text_field import TextField

# Keys a browser keeps (tabs, windows, reload, history) or commonly takes before the page (print, find, address bar,
# save page, help). Under `idsync-tui serve` a key here may never reach the app.
BROWSER_KEYS = frozenset(
    {
        *("ctrl+w", "ctrl+t", "ctrl+n", "ctrl+shift+n", "ctrl+shift+t", "ctrl+shift+w", "ctrl+shift+q"),
        *("ctrl+tab", "ctrl+shift+tab", "ctrl+pageup", "ctrl+pagedown", "ctrl+shift+pageup", "ctrl+shift+pagedown"),
        *(f"ctrl+{digit}" for digit in "123456789"),
        *(f"alt+{digit}" for digit in "123456789"),
        *("f5", "ctrl+r", "ctrl+shift+r", "ctrl+f5", "f11", "f12", "ctrl+shift+i", "ctrl+shift+j", "ctrl+u"),
        *("alt+left", "alt+right", "alt+home", "alt+f4", "ctrl+l", "alt+d", "f6", "ctrl+p", "ctrl+s", "ctrl+f"),
        *("ctrl+q", "ctrl+h", "ctrl+j", "ctrl+d", "ctrl+shift+delete", "ctrl+shift+b", "ctrl+o", "f1", "f3", "f7"),
        *("f10", "ctrl+plus", "ctrl+minus", "ctrl+0", "ctrl+equals_sign"),
    }
)

# Actions allowed to have only browser keys, and why nothing is lost.
ALLOWED = {
    "page_left": "horizontal paging of a wide table or field: left / right and home / end reach every column",
    "page_right": "horizontal paging of a wide table or field: left / right and home / end reach every column",
}


def ui_classes() -> set[type[DOMNode]]:
    """Our UI classes, and the Textual widget classes our UI modules use."""
    found: set[type[DOMNode]] = {IdSyncApp}
    for module_info in pkgutil.walk_packages(idsync_tui.ui.__path__, "idsync_tui.ui."):
        module = importlib.import_module(module_info.name)
        for value in vars(module).values():
            if inspect.isclass(value) and issubclass(value, DOMNode):
                found.add(value)
    found.discard(Input)  # every field is a TextField (checked below)
    found.discard(App)  # the app is IdSyncApp (its MRO includes App's bindings)
    return found


def keys_by_action(cls: type[DOMNode]) -> dict[str, set[str]]:
    """The keys that reach each action of `cls`, as Textual merges BINDINGS along the MRO (a subclass wins a key)."""
    taken: dict[str, str] = {}
    for klass in cls.__mro__:
        for binding in vars(klass).get("BINDINGS", []):
            keys, action = (binding.key, binding.action) if isinstance(binding, Binding) else binding[:2]
            for key in keys.split(","):
                taken.setdefault(key.strip(), action)
    actions: dict[str, set[str]] = {}
    for key, action in taken.items():
        actions.setdefault(action, set()).add(key)
    return actions


def test_no_action_is_reachable_only_by_a_key_the_browser_keeps() -> None:
    only_browser = sorted(
        f"{cls.__module__}.{cls.__qualname__}: {action} only by {sorted(keys)}"
        for cls in ui_classes()
        for action, keys in keys_by_action(cls).items()
        if keys <= BROWSER_KEYS and action.rpartition(".")[2] not in ALLOWED
    )
    assert only_browser == []


def test_the_checks_see_what_they_claim() -> None:
    # Textual's Input alone deletes a word only with ctrl+w; the app's TextField adds alt+backspace.
    assert keys_by_action(Input)["delete_left_word"] == {"ctrl+w"}
    assert keys_by_action(TextField)["delete_left_word"] == {"ctrl+w", "alt+backspace"}
    # The app's own keys: save, undo, redo, help, quit and the palette all have a plain key beside the ctrl one.
    app = keys_by_action(IdSyncApp)
    assert {"w", "ctrl+s"} <= app["save"] and "u" in app["undo"] and "U" in app["redo"]
    assert "question_mark" in app["help"] and "q" in app["quit"]
    assert app["command_palette"] == {"ctrl+p", "colon"}


def test_every_text_field_is_a_text_field() -> None:
    sources = Path(idsync_tui.ui.__file__).parent.rglob("*.py")
    makers = [str(path) for path in sources if re.search(r"\bInput\(", path.read_text())]
    assert makers == []
