"""The bottom line: the keys that work here, as one widget.

Textual's Footer makes a widget per key and rebuilds them all whenever the focus moves; on our screens that was a
third of the time to the first frame (benchmarks/bench_startup.py). This draws the same keys as one line of text,
redrawn on the screen's bindings signal. When they do not fit, keys are dropped from the middle so that the keys
help (`?`) and quit stay visible; the keys help lists them all.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.screen import Screen
from textual.widget import Widget

# Always shown, at the end of the line, whatever else has to go.
KEEP = ("help", "quit")


class KeysBar(Widget):
    DEFAULT_CSS = """
    KeysBar {
        dock: bottom; height: 1;
        background: $footer-background; color: $footer-description-foreground;
    }
    KeysBar > .keysbar--key { color: $footer-key-foreground; text-style: bold; }
    KeysBar > .keysbar--disabled { text-style: dim; }
    """
    COMPONENT_CLASSES = {"keysbar--key", "keysbar--disabled"}

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen) -> None:
        if self.is_attached and screen is self.screen:
            self.refresh()

    def keys(self) -> list[tuple[str, str, bool, str]]:
        """(key as shown, description, enabled, action) for each action with a shown binding, first binding wins."""
        seen: set[str] = set()
        keys = []
        for _node, binding, enabled, _tooltip in self.screen.active_bindings.values():
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            keys.append((self.app.get_key_display(binding), binding.description, enabled, binding.action))
        return keys

    def palette(self) -> tuple[str, str] | None:
        """The command palette's key, shown at the right end as Textual's Footer does."""
        if not self.app.ENABLE_COMMAND_PALETTE:
            return None
        active = self.screen.active_bindings.get(self.app.COMMAND_PALETTE_BINDING)
        return None if active is None else (self.app.get_key_display(active.binding), active.binding.description)

    def render(self) -> Text:
        key_style = self.get_component_rich_style("keysbar--key", partial=True)
        dim = self.get_component_rich_style("keysbar--disabled", partial=True)
        keys = self.keys()
        kept = [k for k in keys if k[3].rpartition(".")[2] in KEEP]
        others = [k for k in keys if k not in kept]
        palette = self.palette()
        width = self.size.width - (cell_len(palette[0]) + cell_len(palette[1]) + 3 if palette else 0)

        def length(items: list[tuple[str, str, bool, str]]) -> int:
            return sum(cell_len(key) + cell_len(description) + 3 for key, description, _, _ in items)

        while others and length(others + kept) > width:
            others.pop()
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        for key, description, enabled, _action in others + kept:
            text.append(f" {key} ", key_style if enabled else key_style + dim)
            text.append(f"{description} ", None if enabled else dim)
        if palette is not None:
            text.append(" " * max(width - text.cell_len, 0))
            text.append(f" {palette[0]} ", key_style)
            text.append(f"{palette[1]} ")
        return text
