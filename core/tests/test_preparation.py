"""The experiment's prepare phase: each kind of service manager is prepared once, before
any test's clock starts; what its preparation made reaches every test; a preparation
that fails gives the tests that need it their verdict without running them."""

from __future__ import annotations

import json

from runner_support import echo_test, results_by_label, run_yaml


def _events(result) -> list[dict]:
    return [json.loads(line) for line in (result.output_dir / "events.jsonl").read_text().splitlines()]


def test_each_kind_of_manager_is_prepared_once_and_outside_every_test(tmp_path):
    log = tmp_path / "builds.log"
    built = {"prepare": "build", "build_seconds": 1.0, "build_log": str(log)}
    text = "tests:\n" + "".join(
        echo_test(name, server=built, client=built, extra="    iterations: 2\n" if name == "twice" else "")
        for name in ("first", "second", "twice")
    )
    result = run_yaml(text, tmp_path)

    assert result.exit_code == 0, (result.output_dir / "summary.md").read_text()
    # One build per kind (the server's and the client's), not one per test and iteration.
    builds = dict(line.split()[::-1] for line in log.read_text().splitlines())
    assert sorted(builds) == ["client", "server"]
    tests = results_by_label(result)
    assert len(tests) == 4
    for test in tests.values():
        # The build ran before the test's clock: none of its phases holds its second.
        assert test["phases"]["prepare"] < 1.0, test["phases"]
        for service in test["services"]:
            # What the preparation made (its label) is what the test's service was given.
            argv = service["argv"]
            assert argv[argv.index("--label") + 1] == builds[service["role"]]
    steps = [e for e in _events(result) if e["event"] == "PreparationStepEvent"]
    assert [(e["step"], e["status"]) for e in steps] == [
        ("demo_echo (server)", "started"),
        ("demo_echo (server)", "ready"),
        ("demo_echo (client)", "started"),
        ("demo_echo (client)", "ready"),
    ]
    assert all(e["test"] is None for e in steps)


def test_a_failed_preparation_ends_the_tests_that_need_it_with_its_reason(tmp_path):
    text = "tests:\n" + "".join(
        [
            echo_test("broken build", client={"prepare": "fail"}),
            echo_test("same kind", client={"prepare": "fail"}),
            echo_test("cannot build here", server={"prepare": "unsupported"}),
            echo_test("healthy"),
        ]
    )
    result = run_yaml(text, tmp_path)

    tests = results_by_label(result)
    for name in ("broken build", "same kind"):
        assert tests[name]["verdict"] == "error"
        assert tests[name]["reason"] == "client prepare: demo_echo: the build failed (as configured)"
        assert tests[name]["services"] == []  # never planned, never started
    assert tests["cannot build here"]["verdict"] == "unsupported"
    assert tests["cannot build here"]["reason"] == "server prepare: demo_echo: cannot be built here (as configured)"
    assert tests["healthy"]["verdict"] == "passed"
    failed = [e for e in _events(result) if e["event"] == "PreparationStepEvent" and e["status"] == "error"]
    assert len(failed) == 1  # one kind of manager, prepared once for both tests
    assert "the build failed" in failed[0]["reason"]


def test_a_plugin_bug_while_preparing_is_an_error_with_its_traceback(tmp_path):
    # The build program fails: subprocess raises, which no plugin should let through.
    text = "tests:\n" + echo_test("bug", client={"prepare": "build", "build_seconds": -1})
    result = run_yaml(text, tmp_path)

    test = results_by_label(result)["bug"]
    assert test["verdict"] == "error"
    assert test["reason"].startswith("client prepare: CalledProcessError")
    (check,) = [c for c in test["checks"] if c["name"] == "client prepare"]
    assert "Traceback" in (result.output_dir / "prepare" / "harness-error.log").read_text()
    assert check["evidence"] == [str(result.output_dir / "prepare" / "harness-error.log")]
