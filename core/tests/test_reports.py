"""Reports: results.json, junit.xml and summary.md are valid and say what happened and where."""

from __future__ import annotations

import json
import time
import xml.etree.ElementTree as ET

from runner_support import echo_test, run_yaml, service


def _run_mixed(tmp_path):
    text = "name: mixed\ntests:\n" + "".join(
        [
            echo_test("ok"),
            echo_test("fails", client={"behaviour": "crash"}),
            echo_test("breaks", client={"binary_path": "/nonexistent/program"}),
            echo_test("unsupported", client={"behaviour": "unsupported"}),
        ]
    )
    return run_yaml(text, tmp_path)


def test_results_json_lists_every_test_with_verdict_checks_and_services(tmp_path):
    result = _run_mixed(tmp_path)
    document = json.loads((result.output_dir / "results.json").read_text())

    assert document["experiment"] == "mixed" and document["exit_code"] == 1 == result.exit_code
    assert document["verdicts"] == {"passed": 1, "failed": 1, "error": 1, "unsupported": 1}
    failed = next(t for t in document["tests"] if t["name"] == "fails")
    check = next(c for c in failed["checks"] if c["status"] == "failed")
    assert check["name"] == "client exit"
    assert check["evidence"] == [
        str(result.output_dir / "fails" / "client" / "stderr.log"),
        str(result.output_dir / "fails" / "client" / "stdout.log"),
    ]
    client = next(s for s in failed["services"] if s["name"] == "client")
    assert client["exit_code"] == 3 and client["argv"][0] and client["implementation"] == "demo_echo"


def test_junit_has_one_testcase_per_test_with_failure_error_and_skipped(tmp_path):
    result = _run_mixed(tmp_path)
    root = ET.parse(result.output_dir / "junit.xml").getroot()  # noqa: S314 - the harness's own report

    suite = root.find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors"), suite.get("skipped")) == (
        "4",
        "1",
        "1",
        "1",
    )
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert set(cases) == {"ok", "fails", "breaks", "unsupported"}
    assert cases["ok"].find("failure") is None and cases["ok"].find("error") is None
    failure = cases["fails"].find("failure")
    assert failure is not None and failure.get("message") == "client exit: client exited with 3"
    assert "evidence: " + str(result.output_dir / "fails" / "client" / "stderr.log") in (failure.text or "")
    error = cases["breaks"].find("error")
    assert error is not None and "binary not found: /nonexistent/program" in (error.get("message") or "")
    skipped = cases["unsupported"].find("skipped")
    assert skipped is not None and (skipped.get("message") or "").startswith("unsupported:")


def test_summary_is_a_table_with_reasons_and_relative_evidence(tmp_path):
    result = _run_mixed(tmp_path)
    summary = (result.output_dir / "summary.md").read_text()

    assert summary.startswith("# mixed: error\n")
    assert "| ok | passed | 0/1 |" in summary
    assert "| fails | failed | 1/1 | client exit: client exited with 3 |" in summary
    assert "| breaks | error | 1/1 | client start: binary not found: /nonexistent/program |" in summary
    assert "- **failed** `client exit`: client exited with 3" in summary
    assert "  - evidence: `fails/client/stderr.log`" in summary
    (ok_line,) = [line for line in summary.splitlines() if line.startswith("- **ok**: ")]
    assert "client exit (passed: exited with 0)" in ok_line


def test_resolved_config_records_the_decoded_plugin_blocks(tmp_path):
    result = run_yaml("tests:\n" + echo_test("one", client={"message": "hey"}), tmp_path)
    resolved = json.loads((result.output_dir / "resolved-config.json").read_text())

    client = resolved["tests"][0]["services"]["client"]
    assert client["implementation"]["message"] == "hey"
    assert client["implementation"]["behaviour"] == "normal"  # the plugin's default, filled in
    assert client["protocol"]["transport"] == "tcp"
    assert resolved["tests"][0]["network_environment"]["readiness_timeout"] == 30.0


def test_slow_rewrites_are_spaced_and_a_test_that_ends_meanwhile_is_written_later(tmp_path, monkeypatch):
    """Rewriting the reports as each test ends may take at most a share of the run
    (here a half): each rewrite takes over 0.3 s, so the next one starts at least as
    long after it ends; the second test (which ends sooner) is written by a deferred
    rewrite, while the third test (5 s long) still runs."""
    from panther.runner import experiment as experiment_module

    real = experiment_module.write_reports
    calls = []

    def slow(document, output_dir, **options):
        began = time.monotonic()
        time.sleep(0.3)
        written = real(document, output_dir, **options)
        calls.append((began, time.monotonic(), [test.name for test in document.tests], document.finished))
        return written

    monkeypatch.setattr(experiment_module, "write_reports", slow)
    monkeypatch.setattr(experiment_module, "REWRITE_SHARE", 0.5)
    waiting = "  - name: waits\n    steps: {wait: 5}\n    services:\n" + service("server", "server")
    result = run_yaml("tests:\n" + echo_test("first") + echo_test("second") + waiting, tmp_path)

    written = [(names, finished) for _, _, names, finished in calls]
    assert written[0] == (["first"], False) and written[-1] == (["first", "second", "waits"], True)
    assert (["first", "second"], False) in written  # before "waits" ended
    rewrites = [(began, ended) for began, ended, _, finished in calls if not finished]
    for (began, ended), (later, _) in zip(rewrites, rewrites[1:], strict=False):
        # The runner's clock starts a little before this one: a 0.05 s margin.
        assert later - began >= (ended - began) / 0.5 - 0.05
    document = json.loads((result.output_dir / "results.json").read_text())
    assert document["finished"] is True and [test["verdict"] for test in document["tests"]] == ["passed"] * 3
