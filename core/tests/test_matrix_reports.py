"""What a person reads after a matrix run: the terminal, summary.md, report.html, and
what a program reads: results.json (every cell) and junit.xml."""

from __future__ import annotations

import re
import statistics
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest
from panther.config.resolved import CellCoordinates, MatrixAxes
from panther.reports.cells import case_tables, cell_reports
from panther.reports.markdown import render_matrices
from panther.runner import results as runner_results
from panther.testing import ExperimentRun, run_panther

EXPERIMENT = """\
name: reports
tests:
  - name: echoes
    matrix:
      tester: demo_cases
      servers: [demo_echo, demo_echo_tcp]
      clients: [demo_echo]
      cases: [long_lines, udp, rate]
  - name: plain
    services:
      server:
        implementation: {name: demo_echo}
        protocol: {name: demo, role: server}
      client:
        implementation: {name: demo_echo, behaviour: crash}
        protocol: {name: demo, role: client, target: server}
"""


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> ExperimentRun:
    # Not --quiet: the terminal's tables are part of what is checked.
    return run_panther(EXPERIMENT, tmp_path_factory.mktemp("reports"), args=["--jobs", "2"])


def _cell(run: ExperimentRun, name: str) -> dict:
    return next(cell for cell in run.results["cells"] if cell["name"] == name)


def test_results_json_holds_every_cell_with_coordinates_verdict_evidence_and_measurements(run: ExperimentRun) -> None:
    servers = ("demo_echo", "demo_echo_tcp")
    assert [cell["name"] for cell in run.results["cells"]] == [
        f"echoes/{case}/{server}/demo_echo" for case in ("long_lines", "udp", "rate") for server in servers
    ]
    failed = _cell(run, "echoes/long_lines/demo_echo_tcp/demo_echo")
    folder = run.output_dir / "echoes" / "long_lines" / "demo_echo_tcp" / "demo_echo"
    assert (failed["group"], failed["case"], failed["server"], failed["client"]) == (
        "echoes", "long_lines", "demo_echo_tcp", "demo_echo"
    )  # fmt: skip
    assert (failed["verdict"], failed["reason"], failed["output_dir"]) == (
        "failed", "client exit: client exited with 1", str(folder)
    )  # fmt: skip
    assert failed["evidence"] == [
        str(folder / "client" / "stderr.log"),
        str(folder / "client" / "stdout.log"),
        str(folder / "client" / "client.log"),
    ]
    rate = _cell(run, "echoes/rate/demo_echo/demo_echo")
    assert (rate["iterations"], rate["failures"], rate["output_dir"]) == (
        3,
        0,
        str(run.output_dir / "echoes" / "rate" / "demo_echo" / "demo_echo"),
    )
    values = [
        test["measurements"]["lines_per_second"]
        for test in run.results["tests"]
        if test["name"] == "echoes/rate/demo_echo/demo_echo"
    ]
    summary = rate["measurements"]["lines_per_second"]
    assert summary["values"] == values and len(values) == 3
    assert summary["mean"] == pytest.approx(statistics.fmean(values))
    assert summary["stdev"] == pytest.approx(statistics.stdev(values))
    # Each iteration keeps its coordinates and durations (phases and services).
    iteration = next(test for test in run.results["tests"] if test["name"] == rate["name"])
    assert iteration["matrix"] == {"group": "echoes", "case": "rate", "server": "demo_echo", "client": "demo_echo"}
    assert set(iteration["phases"]) >= {"prepare", "run", "verdict"}
    assert all(service["duration"] > 0 for service in iteration["services"])
    assert run.results["matrices"] == [
        {
            "group": "echoes",
            "tester": "demo_cases",
            "protocol": "demo",
            "servers": ["demo_echo", "demo_echo_tcp"],
            "clients": ["demo_echo"],
            "cases": {
                "long_lines": "200-byte lines echoed whole over TCP",
                "udp": "lines echoed over UDP",
                "rate": "lines per second over TCP, measured over 3 iterations",
            },
        }
    ]


def test_summary_draws_a_table_per_case_and_keeps_the_other_tests_table(run: ExperimentRun) -> None:
    summary = (run.output_dir / "summary.md").read_text()
    assert "## echoes: demo_cases, 2 server(s) x 1 client(s) x 3 case(s)" in summary
    assert "6 cell(s): 1 failed, 4 passed, 1 unsupported" in summary
    table = summary[summary.index("### long_lines") :].split("\n\n")[1].splitlines()
    assert table == [
        "| server \\ client | demo_echo |",
        "|---|---|",
        '| **demo_echo** | [✅](<echoes/long_lines/demo_echo/demo_echo> "passed") |',
        "| **demo_echo_tcp** | [❌](<echoes/long_lines/demo_echo_tcp/demo_echo>"
        ' "failed: client exit: client exited with 1") |',
    ]
    rate = summary[summary.index("### rate") :]
    assert "Measured: lines_per_second (mean ± standard deviation over the iterations)." in rate
    mean = _cell(run, "echoes/rate/demo_echo/demo_echo")["measurements"]["lines_per_second"]
    assert f"[✅ {mean['mean']:.3g} ± {mean['stdev']:.2g}](<echoes/rate/demo_echo/demo_echo> " in rate
    assert "Passed cells checked: `client exit`; `demo: server received every line of client`;" in rate
    # A plain test is shown as before, under the matrices.
    other = summary[summary.index("## Other tests") :]
    assert "| plain | failed | 1/1 | client exit: client exited with 3 |" in other
    assert "### echoes/long_lines/demo_echo_tcp/demo_echo: failed" in summary


class _Page(HTMLParser):
    """Collects what a self-contained page must not have, and where its links go."""

    VOID = {"meta", "br", "img", "link", "input", "hr"}

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.links: list[str] = []
        self.external: list[str] = []
        self.titles: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag not in self.VOID:
            self.open.append(tag)
        if "src" in values:  # an image, a script, a frame: nothing is loaded from elsewhere
            self.external.append(f"<{tag} src={values['src']}>")
        href = values.get("href")
        if href is not None:
            (self.external if "://" in href or href.startswith("//") else self.links).append(href)
        if tag in ("script", "link", "iframe", "object"):
            self.external.append(tag)
        if values.get("title"):
            self.titles.append(values["title"] or "")
        if values.get("id"):
            self.ids.add(values["id"] or "")

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, f"</{tag}> closes <{self.open[-1] if self.open else None}>"
        self.open.pop()


def test_report_html_is_one_self_contained_page_whose_links_all_lead_somewhere(run: ExperimentRun) -> None:
    page = _Page()
    page.feed((run.output_dir / "report.html").read_text())
    assert page.open == [] and page.external == []
    for link in page.links:
        if link.startswith("#"):
            assert link[1:] in page.ids, link
        else:
            assert (run.output_dir / unquote(link)).exists(), link
    assert "failed: client exit: client exited with 1" in page.titles
    assert "unsupported: server prepare: demo_echo_tcp speaks TCP only, not udp" in page.titles
    html = (run.output_dir / "report.html").read_text()
    assert html.count('<table class="grid">') == 3
    assert '<a href="echoes/long_lines/demo_echo_tcp/demo_echo/client/client.log">' in html
    assert ">plain</a></td>" in html  # the other tests, linking to their failed checks


def test_junit_groups_cells_by_matrix_and_case_with_server_and_client_as_names(run: ExperimentRun) -> None:
    root = ET.parse(run.output_dir / "junit.xml").getroot()  # noqa: S314 - the harness's own report
    cases = {(case.get("classname"), case.get("name")): case for case in root.iter("testcase")}
    assert len(cases) == len(run.results["tests"]) == 4 + 2 * 3 + 1
    assert sorted(cases) == sorted(
        [
            *[(f"echoes.{case}", f"{server}/demo_echo") for case in ("long_lines", "udp")
              for server in ("demo_echo", "demo_echo_tcp")],
            *[("echoes.rate", f"{server}/demo_echo [{i}/3]") for server in ("demo_echo", "demo_echo_tcp")
              for i in (1, 2, 3)],
            ("reports", "plain"),  # a test that is not a cell: as before
        ]
    )  # fmt: skip
    # A failed cell: its reason, then every check that did not pass with its evidence, and the cell's folder.
    folder = run.output_dir / "echoes" / "long_lines" / "demo_echo_tcp" / "demo_echo"
    failure = cases[("echoes.long_lines", "demo_echo_tcp/demo_echo")].find("failure")
    assert failure is not None and failure.get("message") == "client exit: client exited with 1"
    text = (failure.text or "").splitlines()
    assert "failed: long_lines: every echo came back unchanged: 3 of 3 echoes differ" in text
    for evidence in ("client/stderr.log", "client/stdout.log", "client/client.log"):
        assert f"  evidence: {folder / evidence}" in text
    assert text[-1] == f"output: {folder}"
    # unsupported is skipped, with its reason.
    skipped = cases[("echoes.udp", "demo_echo_tcp/demo_echo")].find("skipped")
    assert skipped is not None
    assert skipped.get("message") == "unsupported: server prepare: demo_echo_tcp speaks TCP only, not udp"
    passed = cases[("echoes.rate", "demo_echo/demo_echo [2/3]")]
    assert [child.tag for child in passed] == ["system-out"]
    assert passed.find("system-out").text == f"output: {run.output_dir / 'echoes/rate/demo_echo/demo_echo/iteration-2'}"  # type: ignore[union-attr]


def test_the_terminal_shows_each_case_as_a_table(run: ExperimentRun) -> None:
    tail = run.output[run.output.index("echoes (tester demo_cases): 6 cell(s)") :]
    for case in ("long_lines", "udp", "rate"):
        assert case in tail
    # Tables may stand side by side: the row of demo_echo_tcp in long_lines (the first) shows its failure.
    assert re.search(r"│ demo_echo_tcp │ +✗ +│", tail) and "✓ passed  ✗ failed" in tail
    assert f"report: {run.output_dir / 'report.html'}" in tail


def _result(
    name: str, verdict: str, iteration: int = 1, iterations: int = 1, **measured: float
) -> runner_results.TestResult:
    group, case, server, client = name.split("/")
    return runner_results.TestResult(
        name=name,
        iteration=iteration,
        iterations=iterations,
        verdict=verdict,
        reason="" if verdict == "passed" else f"{verdict} in {iteration}",
        output_dir=f"/runs/x/{name}" + (f"/iteration-{iteration}" if iterations > 1 else ""),
        matrix=CellCoordinates(group=group, case=case, server=server, client=client),
        measurements=measured,
    )


def test_a_cell_is_the_worst_of_its_iterations_and_a_table_draws_only_what_ran() -> None:
    axes = MatrixAxes(group="m", tester="t", protocol="p", servers=["a", "b"], clients=["a", "b"], cases={"x": "X"})
    tests = [
        _result("m/x/b/a", "passed", 1, 3, rate=1.0),
        _result("m/x/b/a", "failed", 2, 3, rate=2.0),
        _result("m/x/b/a", "passed", 3, 3, rate=4.0),
        _result("m/x/a/a", "passed"),
    ]
    cells = cell_reports([axes], tests)
    assert [cell.name for cell in cells] == ["m/x/a/a", "m/x/b/a"]  # the axes' order, not the runs'
    spread = cells[1]
    assert (spread.verdict, spread.failures, spread.iterations, spread.output_dir) == (
        "failed",
        1,
        3,
        "/runs/x/m/x/b/a",
    )
    assert spread.reason == "iteration 2/3: failed in 2"
    assert spread.measurements["rate"].mean == pytest.approx(7 / 3)
    assert spread.measurements["rate"].stdev == pytest.approx(statistics.stdev([1.0, 2.0, 4.0]))
    (tables,) = case_tables([axes], cells)
    # Client b has no cell in this run (a filter, a shard): it is not a column.
    assert tables[0].servers == ["a", "b"] and tables[0].clients == ["a"]
    lines = render_matrices([tables], Path("/runs/x"))
    assert '| **b** | [❌ 1/3 2.33 ± 1.5](<m/x/b/a> "failed: iteration 2/3: failed in 2") |' in lines
