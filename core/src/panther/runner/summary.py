"""``summary.md``: the report a person reads first.

The matrices (a servers x clients table per case, see :mod:`panther.reports.markdown`),
then a table of the other tests (verdict, failures over iterations, reason, duration),
then the failed checks with their evidence, what the passed tests checked, then the
metrics when they were collected.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from panther.observers.metrics import TestMetrics
from panther.reports.cells import CaseTable
from panther.reports.markdown import relative, render_matrices, table_text
from panther.runner.results import TestResult, worst

PHASES = ("prepare", "deploy", "ready", "run", "collect", "verdict", "teardown")


def render_summary(
    experiment: str,
    output_dir: Path,
    results: list[TestResult],
    duration: float,
    metrics: list[TestMetrics] | None = None,
    note: str = "",
    matrices: list[list[CaseTable]] | None = None,
) -> str:
    counts = Counter(result.verdict for result in results)
    overall = worst(counts) if results else "passed"
    lines = [
        f"# {experiment}: {overall}",
        "",
        f"{len(results)} test run(s) in {duration:.2f}s: "
        + ", ".join(f"{count} {verdict}" for verdict, count in sorted(counts.items())),
    ]
    if note:
        lines += ["", f"**{note}**"]
    if matrices:
        lines += ["", *render_matrices(matrices, output_dir)]
    by_test: dict[str, list[TestResult]] = {}
    for result in results:
        if result.matrix is None or not matrices:
            by_test.setdefault(result.name, []).append(result)
    if by_test and matrices:
        lines += ["## Other tests"]
    if by_test or not matrices:
        lines += ["", "| test | verdict | failures | reason | duration | output |", "|---|---|---|---|---|---|"]
    for name, runs in by_test.items():
        verdict = worst(run.verdict for run in runs)
        failures = sum(run.verdict != "passed" for run in runs)
        reason = next((run.reason for run in runs if run.verdict == verdict and run.reason), "")
        folder = relative(str(Path(runs[0].output_dir).parent if len(runs) > 1 else runs[0].output_dir), output_dir)
        total = sum(run.duration for run in runs)
        cells = [
            table_text(name),
            verdict,
            f"{failures}/{len(runs)}",
            table_text(reason),
            f"{total:.2f}s",
            f"`{folder}`",
        ]
        lines.append("| " + " | ".join(cells) + " |")

    failing = [result for result in results if result.verdict != "passed"]
    if failing:
        lines += ["", "## Checks that did not pass", ""]
        for result in failing:
            lines.append(f"### {result.label}: {result.verdict}")
            lines.append("")
            for check in result.checks:
                if check.status == "passed":
                    continue
                lines.append(f"- **{check.status}** `{check.name}`: {check.reason}")
                lines += [f"  - evidence: `{relative(path, output_dir)}`" for path in check.evidence]
            lines.append("")

    # A matrix's passed cells say what they checked under their case's table.
    passing = [result for result in results if result.verdict == "passed" and (result.matrix is None or not matrices)]
    if passing:
        # A pass is only as good as what was checked: say what that was.
        lines += ["", "## What the passed tests checked", ""]
        for result in passing:
            checks = "; ".join(
                f"{check.name} ({check.status}{': ' + check.reason if check.reason else ''})" for check in result.checks
            )
            lines.append(f"- **{result.label}**: {checks}")

    if metrics:
        lines += ["", "## Metrics", "", "| test | " + " | ".join(PHASES) + " |", "|---" * (len(PHASES) + 1) + "|"]
        for test in metrics:
            label = f"{test.test} [{test.iteration}]" if len(by_test.get(test.test, [])) > 1 else test.test
            cells = [f"{test.phases[phase]:.3f}s" if phase in test.phases else "" for phase in PHASES]
            lines.append(f"| {table_text(label)} | " + " | ".join(cells) + " |")
        lines += ["", "| test | service | duration | exit code | ready after |", "|---|---|---|---|---|"]
        for test in metrics:
            for name, service in test.services.items():
                elapsed = f"{service.duration:.3f}s" if service.duration is not None else ""
                ready = f"{service.ready_after:.3f}s" if service.ready_after is not None else ""
                lines.append(
                    f"| {table_text(test.test)} | {table_text(name)} | {elapsed} | {service.exit_code} | {ready} |"
                )
    return "\n".join(lines) + "\n"
