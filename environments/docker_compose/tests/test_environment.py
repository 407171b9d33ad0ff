"""The docker_compose environment against the real Docker engine.

Two python3 programs (a UDP echo server and its client) run in containers made from
the locally built base image. The test drives the environment through its contract
(plan, start, readiness probe, stop, teardown) the way the runner does, then checks
the verdict, the compose file, the bind-mounted output, and that nothing labelled
with the run id is left on the engine.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml
from panther.config import models
from panther.config.models import ExperimentConfig, ProtocolConfig, ServiceConfig
from panther.config.resolved import ResolvedService, ResolvedTest
from panther.environments.base import ServiceLaunch
from panther.events import EventBus
from panther.protocols import BaseProtocol
from panther.services.docker_build import RUNTIME_IMAGE_ARG
from panther.services.manager import BaseServiceManager
from panther.services.outcome import Check, ServiceOutcome
from panther_env_docker_compose.base_image import BASE_IMAGE_LABEL, DEFAULT_BASE_IMAGE, build_base_image
from panther_env_docker_compose.cleanup import RUN_LABEL, remove_labelled
from panther_env_docker_compose.containers import ContainerService
from panther_env_docker_compose.engine import image_exists
from panther_env_docker_compose.environment import COMPOSE_FILE, DockerComposeConfig, DockerComposeNetworkEnvironment
from panther_env_docker_compose.implementation_images import IMPLEMENTATION_LABEL
from panther_test_docker_echo import SERVER as ECHO_SERVER
from projects import installed_project, module

ECHO_CLIENT = """
import pathlib, socket, sys
host, port, out = sys.argv[1], int(sys.argv[2]), pathlib.Path(sys.argv[3])
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.settimeout(5)
received = []
for i in range(3):
    sock.sendto(f"ping {i}".encode(), (host, port))
    received.append(sock.recvfrom(2048)[0].decode())
(out / "received.txt").write_text("\\n".join(received))
print("got", received, flush=True)
sys.exit(0 if received == [f"echo:ping {i}" for i in range(3)] else 1)
"""

CRASHING_CLIENT = """
import sys
print("about to fail", file=sys.stderr, flush=True)
sys.exit(3)
"""


class UdpEcho(BaseProtocol):
    name = "udp_echo"
    transport = "udp"
    default_port = 7007


class InlinePythonManager(BaseServiceManager):
    """Runs a short python3 program given inline, in whatever image has python3."""

    program = ""

    def _get_implementation_name(self) -> str:
        return "inline_python"

    def _get_binary_name(self) -> str:
        return "python3"

    def _get_executable(self, **kwargs: Any) -> list[str]:
        return ["python3", "-c", self.program]

    def _get_server_specific_args(self, **kwargs: Any) -> list[str]:
        return [kwargs["host"], str(kwargs["port"])]

    def _get_client_specific_args(self, **kwargs: Any) -> list[str]:
        return [kwargs["host"], str(kwargs["port"]), kwargs["output_dir"]]


class EchoServer(InlinePythonManager):
    program = ECHO_SERVER


class EchoClient(InlinePythonManager):
    program = ECHO_CLIENT


class CrashingClient(InlinePythonManager):
    program = CRASHING_CLIENT


def service(name: str, role: str, manager: type[BaseServiceManager], target: str | None = None) -> ResolvedService:
    protocol = ProtocolConfig(name="udp_echo", role=role, target=target)  # type: ignore[arg-type]
    return ResolvedService(
        name=name,
        config=ServiceConfig(implementation={"name": "inline_python"}, protocol={"name": "udp_echo", "role": role}),
        implementation=manager.config_class(name="inline_python"),
        manager_class=manager,
        protocol=protocol,
        protocol_class=UdpEcho,
    )


def echo_test(name: str, client: type[BaseServiceManager]) -> ResolvedTest:
    services = {
        "server": service("server", "server", EchoServer),
        "client": service("client", "client", client, target="server"),
    }
    config = models.TestConfig(
        name=name, network_environment={"type": "docker_compose"}, services={n: s.config for n, s in services.items()}
    )
    return ResolvedTest(
        index=0,
        config=config,
        services=services,
        network_environment_class=DockerComposeNetworkEnvironment,
        network_environment_config=DockerComposeConfig(type="docker_compose"),
    )


def wait_ready(environment: DockerComposeNetworkEnvironment, running: ContainerService, launch: ServiceLaunch) -> bool:
    probe = launch.manager.get_readiness_probe(launch.context.host, launch.context.port) or (
        environment.default_readiness_probe(running, launch.context, UdpEcho.transport)
    )
    assert probe is not None
    deadline = time.monotonic() + environment.readiness_timeout
    while time.monotonic() < deadline:
        if probe.attempt(0.2):
            return True
        if running.wait(0.05) is not None:
            return False
    return False


def new_environment(
    test: ResolvedTest, test_dir: Path, run_id: str, base_image: str
) -> DockerComposeNetworkEnvironment:
    experiment = ExperimentConfig(tests=[test.config])
    experiment.docker.base_image = base_image
    return DockerComposeNetworkEnvironment(
        DockerComposeConfig(type="docker_compose"),
        test_dir=test_dir,
        bus=EventBus(),
        experiment=experiment,
        run_id=run_id,
    )


def launch_of(test: ResolvedTest, contexts: dict[str, Any], name: str, argv: list[str] | None = None) -> ServiceLaunch:
    """How the runner would launch service ``name``: its manager's command, or ``argv``."""
    resolved = test.services[name]
    manager = resolved.manager_class(resolved.implementation, context=contexts[name])
    role = contexts[name].role
    command = argv if argv is not None else manager.generate_run_argv(role=role)
    return ServiceLaunch(name=name, role=role, argv=command, env={}, context=contexts[name], manager=manager)


def run_test(test: ResolvedTest, test_dir: Path, run_id: str, base_image: str) -> dict[str, Any]:
    """Plan, start the server, probe it, start the client, wait, stop, judge, tear down."""
    environment = new_environment(test, test_dir, run_id, base_image)
    result: dict[str, Any] = {"checks": [], "environment": environment}
    try:
        contexts = environment.plan(test)
        result["contexts"] = contexts
        running: dict[str, ContainerService] = {}
        for name in ("server", "client"):
            launch = launch_of(test, contexts, name)
            started = environment.start(launch)
            assert isinstance(started, ContainerService)
            running[name] = started
            if name == "server":
                result["server_ready"] = wait_ready(environment, started, launch)
        result["client_exit"] = running["client"].wait(60.0)
        for name, started in running.items():
            begun = time.monotonic()
            code = started.stop(grace=2.0)
            outcome = ServiceOutcome(
                name=name,
                role=started.launch.role,
                exit_code=code,
                duration=time.monotonic() - begun,
                output_dir=started.launch.context.host_output_dir,
                stdout=started.stdout_path,
                stderr=started.stderr_path,
                stopped_by_harness=started.stopped_by_harness,
            )
            result["checks"].extend(started.launch.manager.evaluate(outcome))
    finally:
        environment.teardown()
    return result


def verdict(checks: list[Check]) -> str:
    order = ["error", "failed", "unsupported", "skipped", "passed"]
    return min((c.status for c in checks), key=order.index, default="error")


def leftovers(client: Any, run_id: str) -> list[str]:
    selector = {"label": f"{RUN_LABEL}={run_id}"}
    return [c.name for c in client.containers.list(all=True, filters=selector)] + [
        n.name for n in client.networks.list(filters=selector)
    ]


def test_udp_echo_between_two_containers(docker_client: Any, base_image: str, tmp_path: Path) -> None:
    run_id = f"test-{uuid.uuid4().hex[:12]}"
    test = echo_test("udp echo", EchoClient)

    result = run_test(test, tmp_path, run_id, base_image)

    assert result["server_ready"], (tmp_path / "server" / "stderr.log").read_text()
    assert result["client_exit"] == 0, (tmp_path / "client" / "stderr.log").read_text()
    assert verdict(result["checks"]) == "passed", result["checks"]
    # The client wrote through its bind mount; its output was copied as it came.
    assert (tmp_path / "client" / "received.txt").read_text().splitlines() == [f"echo:ping {i}" for i in range(3)]
    assert "got ['echo:ping 0'" in (tmp_path / "client" / "stdout.log").read_text()
    server_context = result["contexts"]["server"]
    assert f"listening {server_context.host} 7007" in (tmp_path / "server" / "stdout.log").read_text()
    # Clients reach their server by service name.
    assert result["contexts"]["client"].host == "server"

    compose = yaml.safe_load((tmp_path / COMPOSE_FILE).read_text())
    assert set(compose["services"]) == {"server", "client"}
    assert compose["services"]["client"]["command"][:2] == ["python3", "-c"]
    assert compose["services"]["client"]["command"][3:] == ["server", "7007", "/panther/output"]
    assert compose["services"]["client"]["depends_on"] == ["server"]
    assert compose["services"]["server"]["networks"]["test"]["ipv4_address"] == server_context.host
    assert compose["services"]["server"]["image"] == base_image
    network = compose["networks"]["test"]
    assert network["labels"][RUN_LABEL] == run_id
    if shutil.which("docker-compose"):
        checked = subprocess.run(
            ["docker-compose", "-f", str(tmp_path / COMPOSE_FILE), "config", "--quiet"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert checked.returncode == 0, checked.stderr

    assert leftovers(docker_client, run_id) == []


def test_crashing_container_gets_a_failed_verdict_and_is_removed(
    docker_client: Any, base_image: str, tmp_path: Path
) -> None:
    run_id = f"test-{uuid.uuid4().hex[:12]}"
    test = echo_test("crash", CrashingClient)

    result = run_test(test, tmp_path, run_id, base_image)

    assert result["client_exit"] == 3
    failed = [c for c in result["checks"] if c.status == "failed"]
    assert [c.name for c in failed] == ["client exit"]
    assert "exited with 3" in failed[0].reason
    assert verdict(result["checks"]) == "failed"
    assert "about to fail" in (tmp_path / "client" / "stderr.log").read_text()
    assert leftovers(docker_client, run_id) == []


def test_teardown_removes_everything_even_when_the_test_is_abandoned(
    docker_client: Any, base_image: str, tmp_path: Path
) -> None:
    """A harness interrupted mid-test (timeout, Ctrl-C) only gets to call teardown."""
    run_id = f"test-{uuid.uuid4().hex[:12]}"
    test = echo_test("abandoned", EchoClient)
    environment = new_environment(test, tmp_path, run_id, base_image)
    try:
        running = environment.start(launch_of(test, environment.plan(test), "server"))
        assert running.poll() is None
        assert leftovers(docker_client, run_id) != []
    finally:
        environment.teardown()
    environment.teardown()  # safe twice

    assert leftovers(docker_client, run_id) == []


def test_missing_binary_is_a_start_error_not_a_crash(docker_client: Any, base_image: str, tmp_path: Path) -> None:
    from panther.environments.base import ServiceStartError

    run_id = f"test-{uuid.uuid4().hex[:12]}"
    test = echo_test("no binary", EchoClient)
    environment = new_environment(test, tmp_path, run_id, base_image)
    try:
        launch = launch_of(test, environment.plan(test), "server", argv=["no-such-server", "--port", "1"])
        with pytest.raises(ServiceStartError, match="binary not found.*no-such-server"):
            environment.start(launch)
    finally:
        environment.teardown()
    assert leftovers(docker_client, run_id) == []


def test_the_cli_makes_or_reuses_the_base_image(docker_client: Any, base_image: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "panther", "docker", "base-image", "--tag", base_image],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{base_image}: {docker_client.images.get(base_image).id}"


def test_docker_clean_removes_what_a_killed_run_left_and_only_that(docker_client: Any, base_image: str) -> None:
    killed, other = uuid.uuid4().hex, uuid.uuid4().hex
    made = []
    for run in (killed, other):
        network = docker_client.networks.create(f"panther-clean-{run[:8]}", labels={RUN_LABEL: run})
        container = docker_client.containers.create(
            base_image, ["sleep", "600"], labels={RUN_LABEL: run}, name=f"panther-clean-{run[:8]}"
        )
        made += [network, container]
    try:
        done = subprocess.run(
            [sys.executable, "-m", "panther", "docker", "clean", "--run", killed],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert "2 removed" in done.stdout
        assert docker_client.containers.list(all=True, filters={"label": f"{RUN_LABEL}={killed}"}) == []
        assert docker_client.networks.list(filters={"label": f"{RUN_LABEL}={killed}"}) == []
        assert len(docker_client.containers.list(all=True, filters={"label": f"{RUN_LABEL}={other}"})) == 1
    finally:
        remove_labelled(docker_client, RUN_LABEL, other)
        remove_labelled(docker_client, RUN_LABEL, killed)


def test_docker_clean_images_removes_implementation_images_not_the_base(
    docker_client: Any, base_image: str, tmp_path: Path
) -> None:
    (tmp_path / "Dockerfile").write_text(f"FROM {base_image}\nLABEL {IMPLEMENTATION_LABEL}=cleanable\n")
    tag = f"panther/cleanable:{uuid.uuid4().hex[:12]}"
    docker_client.images.build(path=str(tmp_path), tag=tag, pull=False, rm=True)
    done = subprocess.run(
        [sys.executable, "-m", "panther", "docker", "clean", "--images"], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert f"removed {tag}" in done.stdout
    assert docker_client.images.list(name=tag.split(":")[0]) == []
    assert image_exists(base_image)


def test_base_image_is_reused_and_runs_python(docker_client: Any, base_image: str) -> None:
    first = docker_client.images.get(base_image)
    assert build_base_image(base_image) == first.id
    assert first.labels.get(BASE_IMAGE_LABEL) == "bookworm"
    output = docker_client.containers.run(
        base_image, ["python3", "-c", "import sys, venv; print(sys.version_info[:2])"], remove=True
    )
    assert output.decode().strip() == "(3, 11)"


class DockerfileEchoServer(InlinePythonManager):
    """An implementation with its own Dockerfile: the program is baked into the image.

    The Dockerfile names an image this engine lacks as its default, the way plugin
    Dockerfiles written by DockerBuilderFactory do; the environment substitutes the base image.
    """

    marker = ""

    def _get_implementation_name(self) -> str:
        return "dockerfile_echo"

    def _get_executable(self, **kwargs: Any) -> list[str]:
        return ["python3", "/opt/echo_server.py"]

    def generate_dockerfile_content(self) -> str | None:
        write = f"import pathlib; pathlib.Path('/opt/echo_server.py').write_text({ECHO_SERVER!r})"
        return "\n".join(
            [
                f"ARG {RUNTIME_IMAGE_ARG}=example.invalid/absent:1",
                f"FROM ${{{RUNTIME_IMAGE_ARG}}}",
                f"LABEL org.panther.test-marker={self.marker}",
                f"RUN {json.dumps(['python3', '-c', write])}",
                "",
            ]
        )


class BrokenDockerfileServer(DockerfileEchoServer):
    def _get_implementation_name(self) -> str:
        return "broken_dockerfile"

    def generate_dockerfile_content(self) -> str | None:
        return f'FROM {DEFAULT_BASE_IMAGE}\nRUN ["python3", "-c", "raise SystemExit(\'compiler exploded\')"]\n'


def test_an_implementation_dockerfile_is_built_and_used(docker_client: Any, base_image: str, tmp_path: Path) -> None:
    run_id = f"test-{uuid.uuid4().hex[:12]}"
    # A fresh marker gives a fresh Dockerfile, so the build really runs in this test.
    DockerfileEchoServer.marker = uuid.uuid4().hex
    test = echo_test("dockerfile", EchoClient)
    test.services["server"] = service("server", "server", DockerfileEchoServer)

    result = run_test(test, tmp_path, run_id, base_image)

    assert result["client_exit"] == 0, (tmp_path / "server" / "image-build.log").read_text()
    assert verdict(result["checks"]) == "passed", result["checks"]
    image = yaml.safe_load((tmp_path / COMPOSE_FILE).read_text())["services"]["server"]["image"]
    assert image.startswith("panther/dockerfile_echo:")
    built = docker_client.images.get(image)
    assert built.labels["org.panther.test-marker"] == DockerfileEchoServer.marker
    assert built.labels["org.panther.implementation"] == "dockerfile_echo"
    assert f"{RUNTIME_IMAGE_ARG}={base_image}" in (tmp_path / "server" / "image-build.log").read_text()
    docker_client.images.remove(image, force=True)
    assert leftovers(docker_client, run_id) == []


def test_a_failed_image_build_is_a_start_error_with_the_log(
    docker_client: Any, base_image: str, tmp_path: Path
) -> None:
    from panther.environments.base import ServiceStartError

    run_id = f"test-{uuid.uuid4().hex[:12]}"
    test = echo_test("broken build", EchoClient)
    test.services["server"] = service("server", "server", BrokenDockerfileServer)
    with pytest.raises(
        ServiceStartError, match=r"(?s)no image for broken_dockerfile: building image .*compiler exploded"
    ):
        run_test(test, tmp_path, run_id, base_image)
    assert "compiler exploded" in (tmp_path / "server" / "image-build.log").read_text()
    assert leftovers(docker_client, run_id) == []


def test_tests_side_by_side_get_networks_of_their_own(docker_client: Any, base_image: str, tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    run_id = f"test-{uuid.uuid4().hex[:12]}"
    folders = [tmp_path / "a", tmp_path / "b"]
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(
            pool.map(
                lambda folder: run_test(echo_test(f"side {folder.name}", EchoClient), folder, run_id, base_image),
                folders,
            )
        )

    assert [verdict(r["checks"]) for r in results] == ["passed", "passed"]
    subnets = [
        yaml.safe_load((f / COMPOSE_FILE).read_text())["networks"]["test"]["ipam"]["config"][0]["subnet"]
        for f in folders
    ]
    assert subnets[0] != subnets[1]
    assert leftovers(docker_client, run_id) == []


PROBE_MANAGER = """
from panther.services.manager import BaseServiceManager


class ProbeEchoManager(BaseServiceManager):
    def _get_implementation_name(self):
        return "probe_echo"

    def _get_binary_name(self):
        return "python3"

    def _get_executable(self, **kwargs):
        return ["python3", "-m", "panther_probe_echo.server"]

    def _get_server_specific_args(self, **kwargs):
        return [kwargs["host"], str(kwargs["port"])]
"""


def test_a_python_distribution_without_dockerfile_runs_from_its_wheels(
    docker_client: Any, base_image: str, tmp_path: Path
) -> None:
    from panther_env_docker_compose.implementation_images import implementation_image

    # The manager lives apart from the server so that the container, which runs only
    # the server, needs no other distribution: the wheels are this project's alone.
    sources = {"__init__": "", "manager": PROBE_MANAGER, "server": ECHO_SERVER}
    with installed_project(tmp_path / "probe-echo", "panther_probe_echo", sources):
        manager_class = module("panther_probe_echo.manager").ProbeEchoManager
        run_id = f"test-{uuid.uuid4().hex[:12]}"
        test = echo_test("wheels", EchoClient)
        test.services["server"] = service("server", "server", manager_class)
        result = run_test(test, tmp_path / "run", run_id, base_image)

        assert verdict(result["checks"]) == "passed", result["checks"]
        image = yaml.safe_load((tmp_path / "run" / COMPOSE_FILE).read_text())["services"]["server"]["image"]
        assert image.startswith("panther/probe_echo:")
        # Unchanged sources give the same image: nothing is built again.
        log = tmp_path / "again.log"
        assert implementation_image(manager_class(), base_image=base_image, build=False, log_path=log) == image
        docker_client.images.remove(image, force=True)
        assert leftovers(docker_client, run_id) == []
