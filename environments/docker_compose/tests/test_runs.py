"""``panther run`` on ``docker_compose``, as a user runs it: images made before the tests,
Ctrl-C during a build and during a deploy, a harness killed outright, and the clean-up.

Every run is the real command in a process of its own, with the ``docker_echo``
implementation of ``tests/plugins/echo``: its image builds in seconds, and a new
``marker`` makes an image that does not exist yet. What a run leaves is read from the
engine by its labels, independently of the harness.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from panther.testing import ExperimentRun, run_panther
from panther_env_docker_compose.cleanup import HARNESS_LABEL, RUN_LABEL, TEST_LABEL, Harness

# Long enough never to end by itself during a test.
FOREVER = 600


def echo_service(role: str, marker: str, **implementation: Any) -> dict[str, Any]:
    protocol: dict[str, Any] = {"name": "udp_echo", "role": role}
    if role == "client":
        protocol["target"] = "server"
    return {"implementation": {"name": "docker_echo", "marker": marker, **implementation}, "protocol": protocol}


def echo_experiment(test: str, marker: str, *, servers: int = 1, client: bool = True, **extra: Any) -> dict[str, Any]:
    services = {("server" if n == 0 else f"server{n}"): echo_service("server", marker) for n in range(servers)}
    if client:
        services["client"] = echo_service("client", marker)
    return {"tests": [{"name": test, "network_environment": {"type": "docker_compose"}, "services": services, **extra}]}


def panther_run(experiment: dict[str, Any], folder: Path) -> ExperimentRun:
    folder.mkdir(parents=True, exist_ok=True)
    return run_panther(experiment, folder)


def things(client: Any, label: str, value: str) -> list[str]:
    """Names of the containers and networks labelled ``label=value``, as the engine lists them."""
    selector = {"label": f"{label}={value}"}
    return [c.name for c in client.containers.list(all=True, filters=selector)] + [
        n.name for n in client.networks.list(filters=selector)
    ]


def eventually(condition: Callable[[], bool], what: str, limit: float = 60.0) -> None:
    """Wait for ``condition`` (the engine removes things asynchronously); fail after ``limit`` seconds."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"still not so after {limit:.0f}s: {what}")
        time.sleep(0.1)


class HarnessProcess:
    """``panther run`` in a process of its own, for tests that signal or kill it."""

    def __init__(self, experiment: dict[str, Any], folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        path = folder / "experiment.yaml"
        path.write_text(json.dumps(experiment))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "panther", "run", str(path), "--output-dir", str(folder / "out")],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    @property
    def run_dir(self) -> Path | None:
        runs = list((self.folder / "out").glob("*"))
        return runs[0] if runs else None

    def events(self) -> list[dict[str, Any]]:
        run = self.run_dir
        if run is None or not (run / "events.jsonl").is_file():
            return []
        lines = (run / "events.jsonl").read_text().splitlines()
        return [json.loads(line) for line in lines if line.endswith("}")]

    def run_id(self) -> str:
        started = [e for e in self.events() if e["event"] == "ExperimentStartedEvent"]
        return str(started[0]["run_id"]) if started else ""

    def interrupt(self) -> tuple[int, float, str]:
        """SIGINT, as Ctrl-C sends it: the exit code, the seconds it took to exit, the output."""
        sent = time.monotonic()
        self.process.send_signal(signal.SIGINT)
        output, _ = self.process.communicate(timeout=120)
        return self.process.returncode, time.monotonic() - sent, output


def test_the_first_run_builds_the_image_before_the_test_and_passes_like_the_second(
    docker_client: Any, image_marker: str, tmp_path: Path
) -> None:
    experiment = echo_experiment("echo", image_marker)
    first = panther_run(experiment, tmp_path / "first")
    second = panther_run(experiment, tmp_path / "second")

    for run in (first, second):
        assert run.exit_code == 0, run.output
        assert [test.verdict for test in run.tests] == ["passed"]
        [test] = run.results["tests"]
        assert min(test["phases"].values()) >= 0, test["phases"]
        assert "-" not in test["reason"]
        assert not things(docker_client, RUN_LABEL, run.results["run_id"])
    # The build happened in the first run's prepare phase, before the test's clock.
    assert "image for docker_echo: panther/docker_echo:" in first.output
    assert "image for docker_echo" not in second.output
    built = docker_client.images.list(filters={"label": f"org.panther.test-marker={image_marker}"})
    assert len(built) == 1
    [log] = (first.output_dir / "prepare").rglob("image-docker_echo-*.log")
    assert "PANTHER_RUNTIME_IMAGE=panther/debian:bookworm" in log.read_text()


def test_a_failed_build_ends_only_the_tests_that_need_its_image(
    docker_client: Any, image_marker: str, tmp_path: Path
) -> None:
    experiment = echo_experiment("broken", image_marker)
    experiment["tests"][0]["services"]["server"]["implementation"]["build_seconds"] = -1  # sleep: invalid
    experiment["tests"].append(echo_experiment("healthy", image_marker)["tests"][0])
    run = panther_run(experiment, tmp_path)

    assert run.exit_code == 1
    assert run.test("healthy").verdict == "passed", run.output
    broken = run.test("broken")
    assert broken.verdict == "error"
    assert "no image for docker_echo: building image" in broken.reason
    assert "build log:" in broken.reason


def test_ctrl_c_during_an_image_build_ends_the_build_and_the_run(
    docker_client: Any, image_marker: str, tmp_path: Path
) -> None:
    before = {c.id for c in docker_client.containers.list(all=True)}
    experiment = echo_experiment("slow build", image_marker)
    experiment["tests"][0]["services"]["server"]["implementation"]["build_seconds"] = FOREVER
    harness = HarnessProcess(experiment, tmp_path)

    def sleeping() -> bool:  # the build's step that sleeps is running in a container of the engine
        return any(c.id not in before for c in docker_client.containers.list())

    eventually(sleeping, "the image build reached its long step")
    code, seconds, output = harness.interrupt()

    assert code == 130, output
    print(f"exited {seconds:.2f}s after SIGINT during an image build")
    # The engine stopped the build and removed its container; no image was made (the
    # layers of the steps done before stay, untagged, as the engine's build cache).
    eventually(lambda: {c.id for c in docker_client.containers.list(all=True)} <= before, "the build's container left")
    made = docker_client.images.list(filters={"label": f"org.panther.test-marker={image_marker}"})
    assert [image.tags for image in made if image.tags] == []
    results = json.loads((harness.run_dir / "results.json").read_text())  # type: ignore[operator]
    assert results["interrupted"] and results["exit_code"] == 130


def test_ctrl_c_during_a_deploy_removes_every_container_and_network(
    docker_client: Any, image_marker: str, tmp_path: Path
) -> None:
    panther_run(echo_experiment("build first", image_marker), tmp_path / "build")  # the image, beforehand
    test = f"deploy-{image_marker[:8]}"
    experiment = echo_experiment(test, image_marker, servers=6, client=False, steps={"wait": FOREVER})
    harness = HarnessProcess(experiment, tmp_path / "run")

    def deploying() -> bool:
        return any(e.get("phase") == "deploy" and e.get("status") == "started" for e in harness.events())

    eventually(deploying, "the test reached its deploy phase")
    code, seconds, output = harness.interrupt()

    assert code == 130, output
    print(f"exited {seconds:.2f}s after SIGINT during a deploy")
    assert things(docker_client, TEST_LABEL, test) == []


def test_a_killed_harness_leaves_what_the_next_run_and_docker_clean_remove(
    docker_client: Any, image_marker: str, tmp_path: Path
) -> None:
    panther_run(echo_experiment("build first", image_marker), tmp_path / "build")
    waiting = {"steps": {"wait": FOREVER}, "timeout": FOREVER}
    killed = [
        HarnessProcess(echo_experiment(f"killed-{n}", image_marker, client=False, **waiting), tmp_path / f"killed{n}")
        for n in range(2)
    ]
    live = HarnessProcess(echo_experiment("live", image_marker, client=False, **waiting), tmp_path / "live")
    try:
        for harness in [*killed, live]:
            eventually(
                lambda h=harness: any(e["event"] == "ServiceReadyEvent" for e in h.events()), "the server is ready"
            )
        for harness in killed:
            harness.process.kill()
            harness.process.wait()
        left = [things(docker_client, RUN_LABEL, harness.run_id()) for harness in killed]
        assert all(len(names) == 2 for names in left), left  # a container and a network each
        live_things = things(docker_client, RUN_LABEL, live.run_id())

        # The next run removes what dead harnesses left, and only that.
        next_run = panther_run(echo_experiment("next", image_marker), tmp_path / "next")
        assert next_run.exit_code == 0, next_run.output
        assert "removed what killed runs left" in next_run.output
        assert things(docker_client, RUN_LABEL, killed[0].run_id()) == []
        assert things(docker_client, RUN_LABEL, killed[1].run_id()) == []
        assert things(docker_client, RUN_LABEL, live.run_id()) == live_things
    finally:
        live.process.kill()
        live.process.wait()

    # Killed in its turn: `panther docker clean` finds it dead, and removes what it left.
    assert things(docker_client, RUN_LABEL, live.run_id()) == live_things
    cleaned = subprocess.run(
        [sys.executable, "-m", "panther", "docker", "clean"], capture_output=True, text=True, timeout=300
    )
    assert cleaned.returncode == 0, cleaned.stderr
    for name in live_things:
        assert f"removed {name}" in cleaned.stdout
    assert things(docker_client, RUN_LABEL, live.run_id()) == []


def test_docker_clean_keeps_what_a_live_harness_uses(docker_client: Any, base_image: str) -> None:
    """The labels of this very process (alive) and of a process that has ended (dead)."""
    ended = subprocess.Popen(["true"])
    dead = Harness.of(ended.pid)  # read before it is reaped: a zombie still has its start time
    ended.wait()
    alive = Harness.this_process()
    assert not alive.is_dead() and dead.is_dead()
    run = uuid.uuid4().hex
    made = {
        harness: docker_client.containers.create(
            base_image, ["true"], labels={RUN_LABEL: run, HARNESS_LABEL: harness.label()}
        ).name
        for harness in (alive, dead)
    }
    try:
        cleaned = subprocess.run(
            [sys.executable, "-m", "panther", "docker", "clean"], capture_output=True, text=True, timeout=300
        )
        assert cleaned.returncode == 0, cleaned.stderr
        assert f"removed {made[dead]}" in cleaned.stdout
        assert things(docker_client, RUN_LABEL, run) == [made[alive]]
    finally:
        docker_client.containers.get(made[alive]).remove(force=True)


def test_harness_is_dead_on_this_machine_only() -> None:
    me = Harness.this_process()
    assert Harness.parse(me.label()) == me
    assert not me.is_dead()
    assert Harness(me.host, "another-boot", me.pid, me.start_time).is_dead()  # the machine booted since
    assert Harness(me.host, me.boot_id, me.pid, me.start_time + 1).is_dead()  # the pid was reused
    assert not Harness("another-machine", "x", 1, 1).is_dead()  # cannot be seen from here: kept
    assert Harness.parse("not a label") is None
    assert os.getpid() == me.pid
