"""The ``panther`` command line (``panther.cli.app:main``)."""
