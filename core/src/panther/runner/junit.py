"""``junit.xml``: one testcase per test iteration, for CI systems that read JUnit.

CI systems group test cases by ``classname``: a matrix cell's is its matrix and case
(``interop.retry``) and its name is ``<server>/<client>``, so that a matrix reads as
one group per case; any other test's classname is the experiment's name and its name
the test's. ``failed`` is a failure and ``error`` an error, whose text lists the checks
that did not pass with their evidence, then the test's folder; ``unsupported`` and
``skipped`` are skipped, with their reason.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from panther.runner.results import TestResult


def _details(result: TestResult) -> str:
    lines = []
    for check in result.checks:
        if check.status == "passed":
            continue
        lines.append(f"{check.status}: {check.name}: {check.reason}")
        lines += [f"  evidence: {path}" for path in check.evidence]
    if result.output_dir:
        lines.append(f"output: {result.output_dir}")
    return "\n".join(lines)


def _names(experiment: str, result: TestResult) -> tuple[str, str]:
    """(classname, name) of a test iteration."""
    cell = result.matrix
    if cell is None:
        return experiment, result.label
    name = f"{cell.server}/{cell.client}"
    if result.iterations > 1:
        name += f" [{result.iteration}/{result.iterations}]"
    return f"{cell.group}.{cell.case}", name


def write_junit(path: Path, experiment: str, results: list[TestResult]) -> None:
    counts = {verdict: sum(r.verdict == verdict for r in results) for verdict in ("failed", "error")}
    skipped = sum(r.verdict in ("skipped", "unsupported") for r in results)
    suite = ET.Element(
        "testsuite",
        name=experiment,
        tests=str(len(results)),
        failures=str(counts["failed"]),
        errors=str(counts["error"]),
        skipped=str(skipped),
        time=f"{sum(r.duration for r in results):.3f}",
    )
    for result in results:
        classname, name = _names(experiment, result)
        case = ET.SubElement(suite, "testcase", classname=classname, name=name, time=f"{result.duration:.3f}")
        if result.verdict == "failed":
            ET.SubElement(case, "failure", message=result.reason).text = _details(result)
        elif result.verdict == "error":
            ET.SubElement(case, "error", message=result.reason).text = _details(result)
        elif result.verdict in ("skipped", "unsupported"):
            ET.SubElement(case, "skipped", message=f"{result.verdict}: {result.reason}").text = _details(result)
        ET.SubElement(case, "system-out").text = f"output: {result.output_dir}"
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
