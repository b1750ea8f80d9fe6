"""Browser tests: `idsync-tui serve` driven in headless Chromium."""
