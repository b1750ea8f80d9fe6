"""Tests of the Textual app (Pilot, snapshots)."""
