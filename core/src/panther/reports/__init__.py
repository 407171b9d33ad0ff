"""What a run's reports contain: ``results.json``, ``junit.xml``, ``summary.md`` and
``report.html``, for one run or for the merged outputs of several shards.

:mod:`~panther.reports.document` is the run as data (what ``results.json`` holds and
``panther merge`` reads back); :mod:`~panther.reports.cells` turns matrix tests into
tables of cells; one module per format renders them; :mod:`~panther.reports.writer`
writes every file, called from the one place a run (or a merge) writes its reports.
"""


class MergeError(Exception):
    """Outputs that ``panther merge`` cannot merge; the message says which and why."""
