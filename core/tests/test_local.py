"""The local network environment: literal argv, folders that stay inside the run's
output, process groups and escaped children ended, ports, and its options."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from panther.config.errors import ConfigError
from panther.config.models import ExperimentConfig
from panther.environments.base import ServiceLaunch
from panther.environments.local import LocalConfig, LocalNetworkEnvironment
from panther.environments.ports import PortAllocator, is_free
from panther.events import EventBus
from panther.services.context import ServiceContext
from runner_support import load, processes_of_run, results_by_label, run_yaml

HOSTILE = [
    "; touch pwned",
    "$(touch pwned)",
    "`touch pwned`",
    "a'b\"c",
    "two\nlines",
    "../../../escaped",
    "*",
    "| cat /etc/passwd",
    "",
]


def _all_files(root: Path) -> set[Path]:
    return {path for path in root.rglob("*")}


def test_config_values_reach_the_service_as_literal_argv_items(tmp_path):
    label = "".join(HOSTILE)
    implementation = {"name": "demo_echo", "behaviour": "argv_echo", "label": label, "extra_args": HOSTILE}
    text = (
        "tests:\n  - name: literal\n    services:\n"
        "      server:\n        implementation: {name: demo_echo}\n"
        "        protocol: {name: demo, role: server}\n"
        f"      client:\n        implementation: {json.dumps(implementation)}\n"
        "        protocol: {name: demo, role: client, target: server}\n"
    )
    before = _all_files(tmp_path)
    result = run_yaml(text, tmp_path)

    folder = result.output_dir / "literal" / "client"
    received = json.loads((folder / "argv.received.json").read_text())
    assert received[received.index("--label") + 1] == label
    assert received[-len(HOSTILE) :] == HOSTILE
    assert json.loads((folder / "argv.json").read_text())[-len(HOSTILE) :] == HOSTILE
    assert results_by_label(result)["literal"]["verdict"] == "passed"
    # Nothing was interpreted by a shell, and nothing was written outside the output folder.
    new_files = _all_files(tmp_path) - before
    outside = {path for path in new_files if result.output_dir not in path.parents and path != result.output_dir}
    assert outside == {tmp_path / "outputs", tmp_path / "experiment.yaml"}
    assert not any(path.name in ("pwned", "escaped") for path in _all_files(tmp_path.parent))


def test_test_and_service_names_never_become_paths_outside_the_output(tmp_path):
    text = (
        'tests:\n  - name: "../../outside"\n    services:\n'
        "      srv:\n        implementation: {name: demo_echo}\n"
        "        protocol: {name: demo, role: server}\n"
        "      cli:\n        implementation: {name: demo_echo}\n"
        "        protocol: {name: demo, role: client, target: srv}\n"
    )
    result = run_yaml(text, tmp_path)

    assert results_by_label(result)["../../outside"]["verdict"] == "passed"
    created = [path for path in _all_files(tmp_path) if path.is_dir()]
    assert all(path == tmp_path / "outputs" or tmp_path / "outputs" in path.parents for path in created), created
    test_dirs = [path.name for path in result.output_dir.iterdir() if path.is_dir()]
    assert test_dirs == ["outside"]
    assert sorted(path.name for path in (result.output_dir / "outside").iterdir() if path.is_dir()) == ["cli", "srv"]


def _environment(tmp_path: Path) -> LocalNetworkEnvironment:
    # A run id of this test's own: the processes of runs of these tests elsewhere on the
    # machine (another checkout's session) carry another marker and are not counted.
    run_id = f"local-test-{os.getpid()}-{tmp_path.name}"
    return LocalNetworkEnvironment(
        LocalConfig(), test_dir=tmp_path, bus=EventBus(), experiment=ExperimentConfig(tests=[]), run_id=run_id
    )


def _launch(tmp_path: Path, argv: list[str]) -> ServiceLaunch:
    context = ServiceContext(name="svc", role="server", test_name="t", host_output_dir=tmp_path, output_dir=tmp_path)
    return ServiceLaunch(name="svc", role="server", argv=argv, env={}, context=context, manager=None)  # type: ignore[arg-type]


def _wait_for(predicate, what: str, limit: float = 10.0):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)  # polling a condition, not waiting for readiness by time
    raise AssertionError(f"never happened: {what}")


def test_stop_ends_the_group_and_children_that_left_it(tmp_path):
    program = (
        "import os, sys, time\n"
        "if os.fork() == 0:\n    os.setsid()\n    time.sleep(600)\n"
        "if os.fork() == 0:\n    time.sleep(600)\n"
        "print('forked', flush=True)\ntime.sleep(600)\n"
    )
    environment = _environment(tmp_path)
    running = environment.start(_launch(tmp_path, [sys.executable, "-c", program]))
    _wait_for(lambda: len(processes_of_run(environment.run_id)) == 3, "three processes (leader, child, escaped child)")

    code = running.stop(grace=1.0)

    assert code == -signal.SIGTERM
    assert running.stopped_by_harness
    assert processes_of_run(environment.run_id) == []
    environment.teardown()


def test_a_service_that_exited_by_itself_is_not_marked_stopped(tmp_path):
    environment = _environment(tmp_path)
    running = environment.start(_launch(tmp_path, [sys.executable, "-c", "import sys; sys.exit(4)"]))
    assert running.wait(30) == 4
    assert running.stop(grace=1.0) == 4
    assert not running.stopped_by_harness
    environment.teardown()


def test_services_get_the_harness_environment_plus_their_own(tmp_path, monkeypatch):
    monkeypatch.setenv("FROM_HARNESS", "yes")
    environment = _environment(tmp_path)
    launch = _launch(
        tmp_path, [sys.executable, "-c", "import os; print(os.environ['FROM_HARNESS'], os.environ['MINE'])"]
    )
    launch.env = {"MINE": "$HOME;x"}
    running = environment.start(launch)
    assert running.wait(30) == 0
    assert running.stdout_path.read_text() == "yes $HOME;x\n"
    assert Path(os.getcwd()) != tmp_path  # the harness's own cwd is untouched
    environment.teardown()


def test_plan_gives_servers_distinct_free_ports_and_clients_their_target(tmp_path):
    experiment = load(
        "tests:\n  - name: t\n    services:\n"
        "      a: {implementation: {name: demo_echo}, protocol: {name: demo, role: server}}\n"
        "      b: {implementation: {name: demo_echo}, protocol: {name: demo, role: server}}\n"
        "      c: {implementation: {name: demo_echo}, protocol: {name: demo, role: client, target: b}}\n",
        tmp_path,
    )
    environment = _environment(tmp_path)
    contexts = environment.plan(experiment.tests[0])
    try:
        assert contexts["a"].port != contexts["b"].port
        assert (contexts["c"].host, contexts["c"].port) == (contexts["b"].host, contexts["b"].port)
        assert all(context.host_output_dir.is_dir() for context in contexts.values())
    finally:
        environment.teardown()


def test_port_allocator_never_hands_out_a_held_port():
    allocator = PortAllocator(low=20000, high=20049)
    ports = [allocator.allocate() for _ in range(30)]
    assert len(set(ports)) == 30
    assert all(20000 <= port <= 20049 and is_free("127.0.0.1", port) for port in ports)
    allocator.release(ports)
    assert allocator.held == frozenset()


def test_a_port_another_harness_claimed_is_never_handed_out(tmp_path):
    finder = PortAllocator(claims=tmp_path / "finder")
    low = finder.allocate()  # a port free right now: the only one the allocators below may use
    finder.release([low])
    claims = tmp_path / "claims"
    other = PortAllocator(low=low, high=low, claims=claims)
    assert other.allocate() == low
    # Another process (a worker, another harness) holds its claim through the same folder.
    holder = subprocess.Popen(
        [sys.executable, "-c", CLAIM_AND_WAIT, str(claims / str(low))], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    other.release([low])
    try:
        assert holder.stdout is not None and holder.stdout.readline() == b"claimed\n"
        mine = PortAllocator(low=low, high=low, claims=claims)
        with pytest.raises(RuntimeError, match="no free port"):
            mine.allocate()
    finally:
        holder.kill()  # its claim ends with it, however it ends
        holder.wait()
    assert mine.allocate() == low
    mine.release([low])


CLAIM_AND_WAIT = (
    "import fcntl, os, sys\n"
    "fd = os.open(sys.argv[1], os.O_RDONLY | os.O_CREAT, 0o644)\n"
    "fcntl.flock(fd, fcntl.LOCK_EX)\n"
    "print('claimed', flush=True)\n"
    "sys.stdin.read()\n"
)


@pytest.mark.parametrize(
    ("block", "message"),
    [
        ("{type: local, host: 10.1.2.3}", "loopback"),
        ("{type: local, readiness: 3}", "readiness"),
    ],
)
def test_local_options_are_checked_when_the_file_is_loaded(tmp_path, block, message):
    text = (
        f"tests:\n  - name: t\n    network_environment: {block}\n    services:\n"
        "      s: {implementation: {name: demo_echo}, protocol: {name: demo, role: server}}\n"
    )
    with pytest.raises(ConfigError) as error:
        load(text, tmp_path)
    assert message in str(error.value)
    assert "network_environment" in str(error.value)
