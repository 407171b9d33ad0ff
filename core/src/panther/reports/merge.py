"""``panther merge``: the outputs of several runs of one experiment (its shards) as one report.

Each output is read back from its ``results.json``; outputs of different experiments
(another file, or the same file with other tests) are refused, and so is a test found in
two outputs. Paths are re-rooted at where each output is now (a CI job downloads its
shards elsewhere than where they ran), so the merged report links to the shards'
evidence folders. A test the selection planned but no output ran (a shard that is
missing) is reported as ``skipped``, with the shard it belongs to.
"""

from __future__ import annotations

import os
import uuid
from collections import Counter
from pathlib import Path

import msgspec

from panther.config.resolved import CellCoordinates, MatrixAxes
from panther.reports import MergeError
from panther.reports.document import MergedRun, RunDocument, UnreadableRunError, read_document
from panther.runner.experiment import create_output_dir
from panther.runner.results import TestResult
from panther.runner.selection import shard_of


def find_outputs(folders: list[Path]) -> list[Path]:
    """Run folders: each folder given, or the run folders right inside it (``outputs/``)."""
    found: list[Path] = []
    for folder in (folder.resolve() for folder in folders):
        if not folder.is_dir():
            raise MergeError(f"{folder}: no such folder")
        if (folder / "results.json").is_file():
            runs = [folder]
        else:
            runs = sorted(path.parent for path in folder.glob("*/results.json"))
        if not runs:
            raise MergeError(f"{folder}: holds no results.json (neither in it nor in a folder right inside it)")
        found += [run for run in runs if run not in found]
    return found


def merge_into(folders: list[Path], output_dir: Path | None) -> tuple[RunDocument, Path]:
    """The merged document of the runs in ``folders`` and the folder for its reports
    (``output_dir``, made if needed, or a new ``outputs/<experiment>-merged-<time>``)."""
    document = merge_outputs(folders)
    if output_dir is None:
        output_dir = create_output_dir(Path("outputs"), f"{document.experiment}-merged")
    output_dir = output_dir.resolve()
    for run in document.merged_from:
        if Path(run.output_dir).resolve() == output_dir:
            raise MergeError(f"{output_dir}: the merged reports would overwrite those of {run.output_dir}")
    output_dir.mkdir(parents=True, exist_ok=True)
    return msgspec.structs.replace(document, output_dir=str(output_dir)), output_dir


def merge_outputs(folders: list[Path]) -> RunDocument:
    """The merged document of the runs in ``folders``, with paths valid from where they are now."""
    outputs = find_outputs(folders)
    documents = [(folder, _read(folder)) for folder in outputs]
    _check_same_experiment(documents)
    owners: dict[tuple[str, int], Path] = {}
    tests: list[TestResult] = []
    for folder, document in documents:
        for test in document.tests:
            key = (test.name, test.iteration)
            if key in owners:
                raise MergeError(
                    f"the test {test.label!r} is in both {owners[key]} and {folder}: "
                    "each test must come from one output (were two shards run with the same --shard?)"
                )
            owners[key] = folder
            tests.append(_rerooted(test, Path(document.output_dir), folder))
    planned = list(dict.fromkeys(name for _, document in documents for name in document.planned))
    ran = {test.name for test in tests}
    split = _common_split(documents)
    matrices = _matrices(documents)
    missing = [_missing(name, position, split, matrices) for position, name in enumerate(planned) if name not in ran]
    position = {name: index for index, name in enumerate(planned)}
    tests = sorted([*tests, *missing], key=lambda test: (position.get(test.name, len(position)), test.iteration))
    first = documents[0][1]
    verdicts = dict(Counter(test.verdict for test in tests))
    return RunDocument(
        experiment=first.experiment,
        experiment_id=first.experiment_id,
        source=first.source,
        run_id=uuid.uuid4().hex,
        output_dir="",
        exit_code=0 if all(test.verdict == "passed" for test in tests) else 1,
        interrupted=any(document.interrupted for _, document in documents),
        finished=all(document.finished for _, document in documents),
        # The shards ran side by side: the longest is how long the whole took.
        duration=max(document.duration for _, document in documents),
        verdicts=verdicts,
        planned=planned,
        matrices=matrices,
        merged_from=[
            MergedRun(
                output_dir=str(folder),
                run_id=document.run_id,
                shard=document.shard,
                duration=document.duration,
                tests=len(document.tests),
            )
            for folder, document in documents
        ],
        tests=tests,
    )


def merge_note(document: RunDocument) -> str:
    shards = [str(run.shard) for run in document.merged_from if run.shard is not None]
    note = f"Merged from {len(document.merged_from)} output(s)" + (f" (shards {', '.join(shards)})" if shards else "")
    missing = sum(test.verdict == "skipped" and test.reason.startswith(_NOT_RUN) for test in document.tests)
    if missing:
        note += f"; {missing} planned test(s) are in none of them"
    return note + "."


_NOT_RUN = "not run: "


def _read(folder: Path) -> RunDocument:
    try:
        return read_document(folder / "results.json")
    except UnreadableRunError as error:
        raise MergeError(str(error)) from None


def _check_same_experiment(documents: list[tuple[Path, RunDocument]]) -> None:
    first_folder, first = documents[0]
    seen: dict[str, Path] = {}
    for folder, document in documents:
        if document.run_id in seen:
            raise MergeError(f"{seen[document.run_id]} and {folder} are the same run")
        seen[document.run_id] = folder
        if document.experiment_id == first.experiment_id:
            continue
        if document.experiment != first.experiment:
            raise MergeError(
                f"{first_folder} is a run of the experiment {first.experiment!r} and {folder} of "
                f"{document.experiment!r}: outputs of different experiments cannot be merged"
            )
        raise MergeError(
            f"{first_folder} and {folder} ran different versions of the experiment {first.experiment!r} "
            f"(its tests differ: experiment id {first.experiment_id} and {document.experiment_id}); "
            "outputs of different experiments cannot be merged"
        )


def _rerooted(test: TestResult, ran_in: Path, now_in: Path) -> TestResult:
    """``test`` with every path under the run's folder moved to where the folder is now."""

    def moved(path: str) -> str:
        if not path:
            return path
        relative = os.path.relpath(path, ran_in)
        return path if relative.startswith("..") else str(now_in / relative)

    return msgspec.structs.replace(
        test,
        output_dir=moved(test.output_dir),
        checks=[msgspec.structs.replace(check, evidence=[moved(p) for p in check.evidence]) for check in test.checks],
        services=[msgspec.structs.replace(service, output_dir=moved(service.output_dir)) for service in test.services],
    )


def _common_split(documents: list[tuple[Path, RunDocument]]) -> int | None:
    """N, when every output is a shard of one split into N."""
    counts = {document.shard.count if document.shard is not None else None for _, document in documents}
    (count,) = counts if len(counts) == 1 else (None,)
    return count


def _missing(name: str, position: int, split: int | None, matrices: list[MatrixAxes]) -> TestResult:
    if split is not None:
        reason = f"{_NOT_RUN}shard {shard_of(position, split)}/{split}, which runs it, is not among the merged outputs"
    else:
        reason = f"{_NOT_RUN}it is in none of the merged outputs"
    return TestResult(
        name=name,
        iteration=1,
        iterations=1,
        verdict="skipped",
        reason=reason,
        output_dir="",
        matrix=_coordinates(name, matrices),
    )


def _matrices(documents: list[tuple[Path, RunDocument]]) -> list[MatrixAxes]:
    # One experiment: every output has the same matrices.
    return documents[0][1].matrices


def _coordinates(name: str, matrices: list[MatrixAxes]) -> CellCoordinates | None:
    parts = name.split("/")
    if len(parts) == 4 and any(axes.group == parts[0] for axes in matrices):
        return CellCoordinates(group=parts[0], case=parts[1], server=parts[2], client=parts[3])
    return None
