"""``python -m panther``: the same CLI as the ``panther`` command."""

from panther.cli.app import main

main()
