"""Observers: the JSON-lines event log, metrics, console progress and quiet mode."""

from __future__ import annotations

import io
import json

from panther import events
from panther.observers.console import PlainProgress, console_progress
from runner_support import echo_test, run_yaml

PHASES = ["prepare", "deploy", "ready", "run", "collect", "verdict", "teardown"]


def test_event_log_holds_every_event_as_one_json_object_per_line(tmp_path):
    result = run_yaml("name: log\ntests:\n" + echo_test("one"), tmp_path)

    logged = [json.loads(line) for line in (result.output_dir / "events.jsonl").read_text().splitlines()]
    kinds = [event["event"] for event in logged]
    assert kinds[0] == "ExperimentStartedEvent" and kinds[-1] == "ExperimentFinishedEvent"
    for kind in ("ServiceInitializationEvent", "CommandGenerationEvent", "ServiceStartedEvent", "ServiceReadyEvent",
                 "ServiceExitedEvent", "TestStartedEvent", "TestFinishedEvent"):  # fmt: skip
        assert kind in kinds, kind
    started = [e["phase"] for e in logged if e["event"] == "TestPhaseEvent" and e["status"] == "started"]
    assert started == PHASES
    assert all(e["test"] == "one" and e["iteration"] == 1 for e in logged if e["event"] == "CommandGenerationEvent")
    ready = next(e for e in logged if e["event"] == "ServiceReadyEvent")
    assert ready["service_name"] == "server" and "tcp port 127.0.0.1:" in ready["probe"]


def test_metrics_give_time_per_phase_and_each_service(tmp_path):
    result = run_yaml("tests:\n" + echo_test("one"), tmp_path, enable_metrics=True)

    metrics = json.loads((result.output_dir / "metrics.json").read_text())
    assert [m["test"] for m in metrics] == ["one"]
    assert sorted(metrics[0]["phases"]) == sorted(PHASES)
    services = metrics[0]["services"]
    assert services["client"]["exit_code"] == 0
    assert services["server"]["stopped_by_harness"] is True
    assert services["server"]["ready_after"] is not None
    summary = (result.output_dir / "summary.md").read_text()
    assert "## Metrics" in summary and "| one | client |" in summary


def test_observers_can_be_turned_off_in_the_file(tmp_path):
    text = (
        "observers:\n  logger: {enabled: false}\n  metrics: {enabled: false}\n  console: {enabled: false}\n"
        "tests:\n" + echo_test("one")
    )
    result = run_yaml(text, tmp_path, console=True)
    assert not (result.output_dir / "events.jsonl").exists()
    assert not (result.output_dir / "metrics.json").exists()
    assert "## Metrics" not in (result.output_dir / "summary.md").read_text()
    assert (result.output_dir / "results.json").exists()


def test_console_prints_plain_lines_when_not_on_a_terminal(tmp_path, capsys):
    result = run_yaml("tests:\n" + echo_test("good") + echo_test("bad", client={"behaviour": "crash"}), tmp_path,
                      console=True)  # fmt: skip
    out = capsys.readouterr().out
    assert "[ RUN      ] good" in out
    assert "[ PASSED   ] good" in out
    assert "[ FAILED   ] bad" in out
    assert "client exit: client exited with 3" in out
    assert str(result.output_dir) in out
    assert f"report: {result.output_dir}/summary.md" in out


def test_quiet_mode_prints_nothing(tmp_path, capsys):
    run_yaml("tests:\n" + echo_test("good"), tmp_path, console=False)
    assert capsys.readouterr().out == ""


def test_plain_progress_labels_iterations():
    stream = io.StringIO()
    progress = PlainProgress(stream)
    progress(events.TestStartedEvent(test="t", iteration=2))
    progress(events.TestFinishedEvent(test="t", iteration=2, verdict="failed", reason="x: y", duration=1.5))
    assert stream.getvalue() == "[ RUN      ] t [2]\n[ FAILED   ] t [2] (1.50s)\n             x: y\n"


def test_a_plugins_preparation_is_shown_with_its_detail():
    stream = io.StringIO()
    progress = PlainProgress(stream)
    progress(events.PreparationStepEvent(step="quiche (server)", step_type="service", status="started"))
    # The base class's own start and end of a preparation say nothing: not shown.
    progress(events.ServicePreparationEvent(service_name="quiche", preparation_type="prepare", status="started"))
    progress(
        events.ServicePreparationEvent(
            service_name="quiche", preparation_type="cargo build", detail="building it; log: /cache/build.log"
        )
    )
    progress(events.ServicePreparationEvent(service_name="quiche", preparation_type="prepare", status="finished"))
    assert stream.getvalue() == (
        "[ PREPARE  ] quiche (server)\n             quiche: cargo build: building it; log: /cache/build.log\n"
    )


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_console_on_a_terminal_draws_a_live_table():
    terminal = _Terminal()
    progress = console_progress(terminal)
    progress(events.ExperimentStartedEvent(experiment="e", output_dir="/runs/e-1", tests=["shown", "broken"]))
    progress(events.ServicePreparationEvent(service_name="q", preparation_type="cargo build", detail="log: /b.log"))
    progress(events.TestStartedEvent(test="shown", iteration=1))
    progress(events.TestFinishedEvent(test="shown", iteration=1, verdict="passed", duration=0.1))
    progress(events.TestFinishedEvent(test="broken", iteration=1, verdict="failed", reason="client exit: 3"))
    progress(events.ExperimentFinishedEvent(experiment="e", verdicts={"passed": 1}, exit_code=0, duration=0.2))
    progress.close()
    shown = terminal.getvalue()
    assert "shown" in shown and "passed" in shown
    # A person at a terminal sees why a test failed and where the report is.
    assert "client exit: 3" in shown
    assert "report: /runs/e-1/summary.md" in shown
    assert "q: cargo build: log: /b.log" in shown


def test_debug_prints_every_event_with_its_fields(tmp_path, capsys):
    result = run_yaml("tests:\n" + echo_test("watched"), tmp_path, debug=True)
    err = capsys.readouterr().err
    command = json.loads((result.output_dir / "watched" / "server" / "argv.json").read_text())
    assert "watched CommandGenerationEvent" in err
    assert repr(command) in err
    assert "ServiceReadyEvent service_name='server'" in err
    assert "TestFinishedEvent verdict='passed'" in err
