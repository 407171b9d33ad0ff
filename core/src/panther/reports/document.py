"""A run as data: what ``results.json`` holds, and what ``panther merge`` reads back.

Besides every test iteration (:class:`~panther.runner.results.TestResult`), a document
says which experiment it ran (``experiment_id``: a digest of the experiment's tests, so
that outputs of different experiments are never merged), which tests the selection
held before it was split into shards (``planned``), which share of them this run was
(``shard``), the axes of every matrix, and every matrix cell with its verdict over
its iterations (``cells``).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from panther.__about__ import __version__
from panther.config.models import ExperimentConfig
from panther.config.resolved import MatrixAxes, ResolvedExperiment
from panther.reports.cells import CellReport, cell_reports
from panther.runner.results import TestResult

if TYPE_CHECKING:
    from panther.runner.selection import Shard

#: Changes when a reader of results.json would misread a newer document.
FORMAT = 1


class ShardInfo(msgspec.Struct, kw_only=True, frozen=True):
    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


class MergedRun(msgspec.Struct, kw_only=True):
    """One output a merged report was made from."""

    output_dir: str
    run_id: str
    shard: ShardInfo | None = None
    duration: float = 0.0
    tests: int = 0


class RunDocument(msgspec.Struct, kw_only=True):
    experiment: str
    experiment_id: str
    run_id: str
    output_dir: str
    exit_code: int
    interrupted: bool
    duration: float
    verdicts: dict[str, int]
    #: False while tests are still to come (the reports are rewritten as each ends).
    finished: bool = True
    source: str = ""
    format: int = FORMAT
    panther_version: str = __version__
    shard: ShardInfo | None = None
    #: Every test the selection held, in order, before it was split into shards.
    planned: list[str] = []
    matrices: list[MatrixAxes] = []
    #: The outputs a merged report was made from (empty for a run).
    merged_from: list[MergedRun] = []
    #: Every matrix cell, its iterations taken together.
    cells: list[CellReport] = []
    tests: list[TestResult] = []

    def with_cells(self) -> RunDocument:
        """The document with ``cells`` computed from ``tests``."""
        return msgspec.structs.replace(self, cells=cell_reports(self.matrices, self.tests))


class UnreadableRunError(Exception):
    """A folder that does not hold a run's results.json that this version can read."""


def run_document(
    experiment: ResolvedExperiment,
    *,
    run_id: str,
    output_dir: Path,
    results: list[TestResult],
    duration: float,
    exit_code: int,
    interrupted: bool,
    finished: bool,
    planned: list[str],
    shard: Shard | None = None,
) -> RunDocument:
    """The document of a run of ``experiment`` (its cells are computed when it is written)."""
    return RunDocument(
        experiment=experiment.name,
        experiment_id=experiment_id(experiment.config),
        source=str(experiment.source),
        run_id=run_id,
        output_dir=str(output_dir),
        exit_code=exit_code,
        interrupted=interrupted,
        finished=finished,
        duration=duration,
        verdicts=dict(Counter(result.verdict for result in results)),
        shard=ShardInfo(index=shard.index, count=shard.count) if shard is not None else None,
        planned=planned,
        matrices=experiment.matrices,
        tests=results,
    )


def experiment_id(config: ExperimentConfig) -> str:
    """A digest of what an experiment tests: its name, its tests, its Docker settings.

    Presentation (logging, observers, the output folder) is left out: changing where
    the reports go does not make another experiment.
    """
    tested = {"name": config.name, "docker": config.docker, "tests": config.tests}
    canonical = msgspec.json.encode(msgspec.to_builtins(tested, order="sorted"))
    return hashlib.sha256(canonical).hexdigest()[:16]


def encode(document: RunDocument) -> bytes:
    return msgspec.json.format(msgspec.json.encode(document), indent=2)


def read_document(path: Path) -> RunDocument:
    """The run recorded in ``path`` (a results.json)."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise UnreadableRunError(f"{path}: cannot be read: {error.strerror or error}") from None
    try:
        version = msgspec.json.decode(raw, type=dict[str, object]).get("format")
    except msgspec.DecodeError as error:
        raise UnreadableRunError(f"{path}: not a PANTHER results.json: {error}") from None
    if version != FORMAT:
        raise UnreadableRunError(
            f"{path}: written by a PANTHER whose results.json format is {version!r}; this one reads format {FORMAT}"
        )
    try:
        return msgspec.json.decode(raw, type=RunDocument)
    except msgspec.ValidationError as error:
        raise UnreadableRunError(f"{path}: not a PANTHER results.json: {error}") from None
