"""``panther new``: writes a new plugin distribution, tests included, from templates."""
