"""idsync-tui: design, check and demo Segment Engage ID Sync configurations from the terminal."""

__version__ = "0.1.0"
