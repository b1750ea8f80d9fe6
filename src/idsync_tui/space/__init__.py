"""The space file: its model, loader, rules, editing document and store. Plain Python, no Textual."""
