"""The scaffold's user-facing error."""


class ScaffoldError(Exception):
    """A ``panther new`` request that cannot be done as asked; ``str(error)`` says why."""
