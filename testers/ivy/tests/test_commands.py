"""Command generation: role inversion, parameters, QUIC settings and image, configuration."""

from __future__ import annotations

import base64
from pathlib import Path

import msgspec
import pytest
from panther import ProtocolConfig, ServiceConfigError
from panther.plugins.manifest import manifest_of
from panther.plugins.registry import PluginRegistry
from panther.services.context import ServiceContext
from panther.services.manager import ServiceManagerError, UnsupportedFeatureError
from panther_tester_ivy import IvyTesterConfig, IvyTesterServiceManager
from panther_tester_ivy.catalog import UnknownTestError, lookup
from panther_tester_ivy.launch import arguments as launch_arguments
from panther_tester_ivy.quic import PANTHER_IVY_COMMIT, PICOTLS_COMMIT


def manager(tmp_path: Path, role: str, *, environment: str = "local", **config: object) -> IvyTesterServiceManager:
    context = ServiceContext(
        name="ivy",
        role=role,
        test_name="t",
        host_output_dir=tmp_path,
        output_dir=tmp_path,
        host="127.0.0.1" if environment == "local" else "server",
        port=4443,
        environment=environment,
        arguments={"count": 5, "alpn": "hq-interop", "cert_file": "/c/cert.pem", "key_file": "/c/key.pem"},
        iteration=3,
    )
    settings = msgspec.convert({"name": "panther_ivy", "type": "testers", **config}, IvyTesterConfig)
    return IvyTesterServiceManager(settings, context=context)


def parameters(argv: list[str]) -> dict[str, str]:
    return dict(item.split("=", 1) for item in argv if "=" in item)


@pytest.mark.parametrize(
    ("name", "tested", "tester"),
    [
        ("minip_server_test", "server", "client"),
        ("minip_client_test", "client", "server"),
        ("quic_server_test_stream", "server", "client"),
        ("quic_client_test_max", "client", "server"),
    ],
)
def test_a_test_of_one_role_makes_the_tester_play_the_other(name: str, tested: str, tester: str) -> None:
    test = lookup(name)
    assert (test.tested_role, test.tester_role) == (tested, tester)


def test_the_tester_refuses_the_role_and_protocol_its_test_does_not_give_it() -> None:
    settings = msgspec.convert({"name": "panther_ivy", "test": "quic_server_test_stream"}, IvyTesterConfig)
    with pytest.raises(ServiceConfigError, match="quic_server_test_stream tests a server.*role to client") as role:
        IvyTesterServiceManager.validate_service(settings, ProtocolConfig(name="quic", role="server"))
    assert (role.value.key, role.value.expected, role.value.found) == ("protocol.role", "client", "server")
    with pytest.raises(ServiceConfigError, match="is a test of quic") as protocol:
        IvyTesterServiceManager.validate_service(settings, ProtocolConfig(name="minip", role="client"))
    assert (protocol.value.key, protocol.value.expected, protocol.value.found) == ("protocol.name", "quic", "minip")
    IvyTesterServiceManager.validate_service(settings, ProtocolConfig(name="quic", role="client"))


def test_minip_server_test_sends_to_the_server_under_test(tmp_path: Path) -> None:
    argv = manager(tmp_path, "client", test="minip_server_test", seed=10).generate_run_argv(role="client")
    assert argv[0] == "minip_server_test"  # the compiled program, before prepare() its name
    values = parameters(argv)
    assert values["server_addr"] == "0x7f000001" and values["server_port"] == "4443"
    assert values["count"] == "5"  # the MINIP protocol's count for this service
    assert values["seed"] == "12"  # seed + iteration - 1
    assert values["iters"] == "6"  # count exchanges and the final `finish`
    assert values["reply_timeout"] == "1000"


def test_minip_client_test_listens_where_the_environment_placed_it(tmp_path: Path) -> None:
    tester = manager(tmp_path, "server", test="minip_client_test", count=8, idle_timeout=2.5)
    values = parameters(tester.generate_run_argv(role="server"))
    assert (values["server_addr"], values["server_port"], values["count"]) == ("0x7f000001", "4443", "8")
    assert values["idle_timeout"] == "2500" and "reply_timeout" not in values


def test_unseeded_runs_draw_a_seed_once_and_keep_it(tmp_path: Path) -> None:
    tester = manager(tmp_path, "client", test="minip_server_test")
    assert tester.seed() == tester.seed()


def test_quic_on_local_needs_the_models_and_picotls(tmp_path: Path) -> None:
    tester = manager(tmp_path, "client", test="quic_server_test_stream")
    with pytest.raises(ServiceManagerError, match="quic_models"):
        tester.compile_request()
    tester = manager(tmp_path, "client", test="quic_server_test_stream", quic_models=str(tmp_path))
    with pytest.raises(ServiceManagerError, match="no quic_tests/ folder"):
        tester.compile_request()
    (tmp_path / "quic_tests").mkdir()
    with pytest.raises(ServiceManagerError, match="picotls"):
        tester.compile_request()
    tester = manager(tmp_path, "client", test="quic_server_test_stream", quic_models=str(tmp_path), picotls="/nowhere")
    with pytest.raises(ServiceManagerError, match="lacks include/picotls.h"):
        tester.compile_request()


def test_quic_server_test_on_local_plays_the_client(tmp_path: Path) -> None:
    tester = manager(tmp_path, "client", test="quic_server_test_stream", quic_models=str(tmp_path / "quic"))
    values = parameters(tester.generate_run_argv(role="client"))
    assert values["server_addr"] == "0x7f000001" and values["server_port"] == "4443"
    assert values["client_addr"] == "0x7f000001" and int(values["client_port"]) > 0
    environment = tester.get_run_environment("client")
    assert environment["TEST_TYPE"] == "server"  # the role under test, as upstream reads it
    assert environment["TEST_ALPN"] == "hq-interop"
    assert environment["PANTHER_IVY_CERT_PATH"] == "/c/cert.pem"
    assert environment["PANTHER_IVY_BASE_DIR"] == str(tmp_path)


def test_quic_client_test_in_a_container_listens_and_resolves_names_there(tmp_path: Path) -> None:
    tester = manager(tmp_path, "server", environment="docker_compose", test="quic_client_test_max")
    argv = tester.generate_run_argv(role="server")
    assert argv[:3] == ["python3", "/opt/panther-ivy/launch.py", "/opt/panther-ivy/build/quic_client_test_max"]
    assert parameters(argv)["server_addr"] == "@self"
    assert tester.get_run_environment("server")["TEST_TYPE"] == "client"
    client = manager(tmp_path, "client", environment="docker_compose", test="quic_server_test_stream")
    assert parameters(client.generate_run_argv(role="client"))["server_addr"] == "@server"


def test_quic_image_is_built_from_pinned_commits_and_compiles_the_test(tmp_path: Path) -> None:
    tester = manager(tmp_path, "server", environment="docker_compose", test="quic_client_test_max")
    dockerfile = tester.generate_dockerfile_content()
    assert dockerfile is not None
    assert f"git checkout {PANTHER_IVY_COMMIT}" in dockerfile and f"git checkout {PICOTLS_COMMIT}" in dockerfile
    assert "panther-ms-ivy==1.10.1" in dockerfile and "z3-solver==5.4.1.0" in dockerfile
    assert "ivyc target=test quic_client_test_max.ivy" in dockerfile
    launcher = base64.b64encode((Path(__file__).parents[1] / "src/panther_tester_ivy/launch.py").read_bytes())
    assert launcher.decode() in dockerfile
    bad = manager(
        tmp_path, "server", environment="docker_compose", test="quic_client_test_max", picotls_commit="main; rm -rf /"
    )
    with pytest.raises(ServiceManagerError, match="picotls_commit"):
        bad.generate_dockerfile_content()


def test_minip_testers_say_they_need_local(tmp_path: Path) -> None:
    tester = manager(tmp_path, "client", environment="docker_compose", test="minip_server_test")
    with pytest.raises(UnsupportedFeatureError, match="local"):
        tester.prepare()


def test_the_launcher_resolves_names_to_ivy_addresses() -> None:
    resolved = launch_arguments(["server_addr=@localhost", "seed=3", "plain"])
    assert resolved == ["server_addr=0x7f000001", "seed=3", "plain"]


def test_configuration_is_checked_when_the_file_is_loaded() -> None:
    with pytest.raises(msgspec.ValidationError, match="unknown Ivy test"):
        msgspec.convert({"test": "quic_bogus"}, IvyTesterConfig)
    with pytest.raises(msgspec.ValidationError, match="window"):
        msgspec.convert({"test": "minip_server_test", "window": 0}, IvyTesterConfig)
    with pytest.raises(msgspec.ValidationError, match="bogus"):
        msgspec.convert({"test": "minip_server_test", "bogus": 1}, IvyTesterConfig)
    with pytest.raises(UnknownTestError):
        lookup("tcp_test")


def test_registered_as_panther_ivy() -> None:
    manifest = manifest_of(IvyTesterServiceManager)
    assert manifest is not None and (manifest.plugin_type, manifest.name) == ("tester", "panther_ivy")
    assert PluginRegistry.discover().load("tester", "panther_ivy") is IvyTesterServiceManager
