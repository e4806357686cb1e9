"""The deadline sweep and the APScheduler wiring that triggers it."""
