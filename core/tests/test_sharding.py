"""``panther run --shard K/N`` and ``panther merge``, through the real commands.

The proof the issue asks for: three shards, merged, give the same cells (names and
verdicts) as one run of the same experiment.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml
from panther.testing import ExperimentRun, merge_panther, run_panther

# A matrix with passes, failures and unsupported cells, several iterations, and a plain test.
EXPERIMENT = """\
name: demo
tests:
  - name: echoes
    matrix:
      tester: demo_cases
      servers: [demo_echo, demo_echo_tcp]
      clients: [demo_echo, demo_echo_tcp]
  - name: plain
    services:
      server:
        implementation: {name: demo_echo}
        protocol: {name: demo, role: server}
      client:
        implementation: {name: demo_echo}
        protocol: {name: demo, role: client, target: server}
"""


def _verdicts(run: ExperimentRun) -> dict[tuple[str, int], str]:
    return {(test["name"], test["iteration"]): test["verdict"] for test in run.results["tests"]}


def _cells(run: ExperimentRun) -> dict[str, tuple[str, int, int]]:
    return {cell["name"]: (cell["verdict"], cell["iterations"], cell["failures"]) for cell in run.results["cells"]}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ExperimentRun]:
    """One whole run and its three shards (each through ``panther run``)."""
    found = {"whole": run_panther(EXPERIMENT, tmp_path_factory.mktemp("whole"), args=["--quiet", "--jobs", "2"])}
    for index in (1, 2, 3):
        folder = tmp_path_factory.mktemp(f"shard{index}")
        found[f"{index}/3"] = run_panther(EXPERIMENT, folder, args=["--quiet", "--shard", f"{index}/3"])
    return found


def test_three_merged_shards_give_the_cells_of_one_run(runs: dict[str, ExperimentRun], tmp_path: Path) -> None:
    whole = runs["whole"]
    shards = [runs[f"{index}/3"] for index in (1, 2, 3)]
    merged = merge_panther([shard.output_dir for shard in shards], tmp_path)

    assert len(_cells(whole)) == 16 and len(_verdicts(whole)) == 4 * 3 + 4 * 3 + 1  # rate runs 3 times
    assert _verdicts(merged) == _verdicts(whole)
    assert _cells(merged) == _cells(whole)
    assert set(_cells(whole).values()) >= {("passed", 1, 0), ("failed", 1, 1), ("unsupported", 1, 1), ("passed", 3, 0)}
    assert merged.exit_code == whole.exit_code == 1
    assert merged.results["experiment_id"] == whole.results["experiment_id"]
    # The merged report links to the shards' own evidence.
    failed = next(cell for cell in merged.results["cells"] if cell["verdict"] == "failed")
    assert any(Path(failed["output_dir"]).is_relative_to(shard.output_dir) for shard in shards)
    assert all(Path(path).is_file() for path in failed["evidence"])
    html = (merged.output_dir / "report.html").read_text()
    assert f'href="{quote(os.path.relpath(failed["output_dir"], merged.output_dir))}/"' in html


def test_shards_split_the_selection_evenly_and_each_test_runs_once(runs: dict[str, ExperimentRun]) -> None:
    planned = runs["whole"].results["planned"]
    names = [{test["name"] for test in runs[f"{index}/3"].results["tests"]} for index in (1, 2, 3)]
    assert len(planned) == 17 and all(runs[f"{index}/3"].results["planned"] == planned for index in (1, 2, 3))
    assert set().union(*names) == set(planned) and sum(map(len, names)) == len(planned)
    assert sorted(map(len, names)) == [5, 6, 6]
    # Round robin over the selection: each case's cells are spread over every shard.
    for index, shard_names in enumerate(names, start=1):
        assert shard_names == set(planned[index - 1 :: 3])
        assert runs[f"{index}/3"].results["shard"] == {"index": index, "count": 3}
    summary = (runs["2/3"].output_dir / "summary.md").read_text()
    assert "**Shard 2/3: 6 of the 17 selected test(s).**" in summary


def test_a_missing_shard_leaves_its_cells_skipped_with_the_reason(
    runs: dict[str, ExperimentRun], tmp_path: Path
) -> None:
    merged = merge_panther([runs["1/3"].output_dir, runs["3/3"].output_dir], tmp_path)
    skipped = {test["name"]: test for test in merged.results["tests"] if test["verdict"] == "skipped"}
    shard_two = {test["name"] for test in runs["2/3"].results["tests"]}
    assert set(skipped) == shard_two
    reasons = {test["reason"] for test in skipped.values()}
    assert reasons == {"not run: shard 2/3, which runs it, is not among the merged outputs"}
    assert merged.exit_code == 1
    assert "6 planned test(s) are in none of them" in (merged.output_dir / "summary.md").read_text()


def _merge(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "panther", "merge", *args], capture_output=True, text=True, cwd=cwd, timeout=120
    )


def test_outputs_of_different_experiments_are_refused(runs: dict[str, ExperimentRun], tmp_path: Path) -> None:
    other = run_panther(EXPERIMENT.replace("name: demo\n", "name: other\n"), tmp_path, args=["--quiet", "-k", "plain"])
    done = _merge(str(runs["1/3"].output_dir), str(other.output_dir), cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "is a run of the experiment 'demo' and" in done.stderr and "of 'other'" in done.stderr
    assert "outputs of different experiments cannot be merged" in done.stderr

    # The same name with other tests is another experiment too.
    changed = tmp_path / "changed"
    changed.mkdir()
    edited = run_panther(EXPERIMENT.replace("servers: [demo_echo, demo_echo_tcp]", "servers: [demo_echo]"), changed,
                         args=["--quiet", "-k", "plain"])  # fmt: skip
    done = _merge(str(runs["1/3"].output_dir), str(edited.output_dir), cwd=tmp_path)
    assert done.returncode == 2 and "ran different versions of the experiment 'demo'" in done.stderr


def test_a_test_in_two_outputs_is_refused(runs: dict[str, ExperimentRun], tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(runs["1/3"].output_dir, copy)
    document = json.loads((copy / "results.json").read_text())
    document["run_id"] = "another"
    (copy / "results.json").write_text(json.dumps(document))
    done = _merge(str(runs["1/3"].output_dir), str(copy), cwd=tmp_path)
    assert done.returncode == 2
    assert "is in both" in done.stderr and "were two shards run with the same --shard?" in done.stderr


@pytest.mark.parametrize(
    ("folder", "message"),
    [("nowhere", "nowhere: no such folder"), (".", "holds no results.json")],
)
def test_merge_says_what_is_wrong_with_a_folder(tmp_path: Path, folder: str, message: str) -> None:
    done = _merge(folder, cwd=tmp_path)
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr


def test_a_results_json_of_another_format_is_refused(runs: dict[str, ExperimentRun], tmp_path: Path) -> None:
    old = tmp_path / "old"
    old.mkdir()
    (old / "results.json").write_text(json.dumps({"experiment": "demo", "tests": []}))
    done = _merge(str(runs["1/3"].output_dir), str(old), cwd=tmp_path)
    assert done.returncode == 2 and "results.json format is None; this one reads format 1" in done.stderr


@pytest.mark.parametrize("shard", ["0/3", "4/3", "1/0", "2", "a/b", "1/3/5"])
def test_a_bad_shard_is_a_usage_error(tmp_path: Path, shard: str) -> None:
    (tmp_path / "experiment.yaml").write_text(EXPERIMENT)
    done = subprocess.run(
        [sys.executable, "-m", "panther", "run", "experiment.yaml", "--shard", shard],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 2 and "--shard" in done.stderr and "Traceback" not in done.stderr
    assert "expected: K/N: shard K of N, with 1 <= K <= N" in done.stderr
    assert not (tmp_path / "outputs").exists()


DOCS = Path(__file__).parents[2] / "docs" / "sharding.md"


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}(?: [^\n]*)?\n(.*?)```", DOCS.read_text(), re.S)


def test_the_docs_yaml_is_yaml_and_their_commands_use_options_that_exist() -> None:
    workflow = yaml.safe_load(_blocks("yaml")[1])
    assert set(workflow["jobs"]) == {"shard", "merge"}
    lines = [line for block in _blocks("sh") for line in block.splitlines()]
    lines += [step["run"] for job in workflow["jobs"].values() for step in job["steps"] if "run" in step]
    commands = [shlex.split(line.split("#")[0].split("||")[0]) for line in lines if line.startswith("panther ")]
    assert {command[1] for command in commands} == {"run", "merge"}
    for command in commands:
        shown = subprocess.run(
            [sys.executable, "-m", "panther", command[1], "--help"], capture_output=True, text=True, timeout=60
        )
        for option in (word for word in command[2:] if word.startswith("-")):
            known = re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", shown.stdout)
            assert known, f"{option} of `{' '.join(command)}` is not an option of panther {command[1]}"
