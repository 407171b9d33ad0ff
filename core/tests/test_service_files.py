"""``write_service_files``: a plugin's files are written into the service's folder after
the protocol prepared the test and before the program starts, and the program finds them."""

from __future__ import annotations

import json

from runner_support import echo_test, results_by_label, run_yaml


def test_files_written_before_the_start_reach_the_program(tmp_path):
    text = "name: files\ntests:\n" + echo_test(
        "settings", server={"settings_file": True}, client={"settings_file": True}, protocol={"lines": 4}
    )
    result = run_yaml(text, tmp_path)

    test = results_by_label(result)["settings"]
    assert test["verdict"] == "passed", test["checks"]
    for name in ("server", "client"):
        folder = result.output_dir / "settings" / name
        settings = json.loads((folder / "settings.json").read_text())
        # Written after the protocol's prepare_test (its `lines`) and the environment's plan (the port).
        command = json.loads((folder / "argv.json").read_text())
        assert settings["lines"] == 4
        assert str(settings["port"]) == command[command.index("--port") + 1]
        assert settings["folder"] == str(folder.resolve())
    assert not (tmp_path / "settings.json").exists()


def test_a_program_that_misses_its_file_fails(tmp_path):
    # The program's own check is real: pointed at a file nobody wrote, the client fails.
    text = "name: files\ntests:\n" + echo_test("missing", client={"extra_args": ["--settings", "absent.json"]})
    result = run_yaml(text, tmp_path)

    test = results_by_label(result)["missing"]
    assert test["verdict"] == "failed"
    assert "client exit" in {check["name"] for check in test["checks"] if check["status"] == "failed"}
