"""Service managers: how an implementation is prepared, started and judged."""
