"""The runner: turns a resolved experiment into started services, verdicts and reports.

:func:`panther.runner.experiment.run_experiment` is the entry point ``panther run``
calls.
"""
