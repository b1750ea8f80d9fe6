"""The Textual app: screens and widgets over the session. It shows the model and sends edits; no domain logic."""
