"""End-to-end tests: the installed command in tmux."""
