"""The sync simulator: profiles in, the events a space's connections would send out (pure, streaming)."""
