"""The service manager: configuration, command lines, and the checks of the verdict."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import msgspec
import pytest
from panther import Check, ServiceContext, ServiceOutcome, UnsupportedFeatureError
from panther.plugins.manifest import manifest_of
from panther_iut_ping_pong import PingPongConfig, PingPongServiceManager
from panther_iut_ping_pong.report import REPORT_NAME
from processes import RunningServer

Start = Callable[..., RunningServer]


def manager(role: str = "server", tmp_path: Path | None = None, **keys: object) -> PingPongServiceManager:
    config = msgspec.convert({"name": "ping_pong", "type": "iut", **keys}, PingPongConfig)
    context = None
    if tmp_path is not None:
        context = ServiceContext(
            name=role, role=role, test_name="t", host_output_dir=tmp_path, output_dir=tmp_path, port=5000
        )
        context.arguments.update(count=7, payload_size=3)
    return PingPongServiceManager(config, context=context)


def test_manifest_names_the_plugin_and_its_protocol() -> None:
    manifest = manifest_of(PingPongServiceManager)
    assert manifest is not None
    assert (manifest.plugin_type, manifest.name, manifest.supported_protocols) == ("iut", "ping_pong", ("minip",))


def test_guide_style_command_holds_the_port() -> None:
    command = manager().generate_run_command(role="server", port=8080)
    assert "panther_iut_ping_pong.server" in command
    assert "8080" in command


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        ({}, ["--variant", "functional"]),
        ({"variant": "fail"}, ["--variant", "fail"]),
        ({"variant": "flaky", "drop_rate": 0.25}, ["--variant", "flaky", "--drop-rate", "0.25"]),
        ({"variant": "flaky", "seed": 9}, ["--variant", "flaky", "--drop-rate", "0.3", "--seed", "9"]),
        ({"variant": "slow", "delay": 2.5}, ["--variant", "slow", "--delay", "2.5"]),
        ({"variant": "crash", "crash_after": 0}, ["--variant", "crash", "--crash-after", "0"]),
        ({"variant": "malformed"}, ["--variant", "malformed"]),
    ],
)
def test_server_argv_carries_the_variant_and_its_parameters(keys: dict[str, object], expected: list[str]) -> None:
    argv = manager(**keys).generate_run_argv(role="server")
    assert argv[1:3] == ["-m", "panther_iut_ping_pong.server"]
    assert argv[3:7] == ["--host", "127.0.0.1", "--port", "4443"]
    assert argv[7:] == expected


def test_client_argv_in_a_test_takes_the_protocol_parameters(tmp_path: Path) -> None:
    argv = manager("client", tmp_path, reply_timeout=2.5, interval=0.0).generate_run_argv(role="client")
    assert argv[1:3] == ["-m", "panther_iut_ping_pong.client"]
    assert argv[3:] == [
        "--host", "127.0.0.1", "--port", "5000", "--interval", "0.0", "--deadline", "2.5",
        "--count", "7", "--payload-size", "3", "--report", str(tmp_path.resolve() / REPORT_NAME),
    ]  # fmt: skip


def test_retransmissions_reach_the_client_only_when_asked_for(tmp_path: Path) -> None:
    asked = manager("client", tmp_path, retransmissions=3).generate_run_argv(role="client")
    assert asked[asked.index("--retransmissions") + 1] == "3"
    assert "--retransmissions" not in manager("client", tmp_path).generate_run_argv(role="client")


def test_extra_args_follow_the_generated_ones() -> None:
    argv = manager(extra_args=["--seed", "1"], variant="flaky").generate_run_argv(role="server")
    assert argv[-2:] == ["--seed", "1"]


def test_a_peer_role_is_unsupported() -> None:
    with pytest.raises(UnsupportedFeatureError, match="no peer role"):
        manager().generate_run_argv(role="peer")


@pytest.mark.parametrize(
    ("keys", "error"),
    [
        ({"variant": "wobbly"}, "Invalid enum value 'wobbly' - at `$.variant`"),
        ({"drop_rate": 1.5}, "Expected `float` <= 1.0 - at `$.drop_rate`"),
        ({"seed": -1}, "Expected `int` >= 0 - at `$.seed`"),
        ({"crash_after": -2}, "Expected `int` >= 0 - at `$.crash_after`"),
        ({"reply_timeout": 0}, "Expected `float` > 0.0 - at `$.reply_timeout`"),
        ({"interval": "fast"}, "Expected `float`, got `str` - at `$.interval`"),
        ({"count": 5}, "Object contains unknown field `count`"),
        ({"retransmissions": 101}, "Expected `int` <= 100 - at `$.retransmissions`"),
    ],
)
def test_invalid_keys_are_configuration_errors(keys: dict[str, object], error: str) -> None:
    with pytest.raises(msgspec.ValidationError) as raised:
        msgspec.convert({"name": "ping_pong", **keys}, PingPongConfig)
    assert str(raised.value) == error


def _client_outcome(tmp_path: Path, result: subprocess.CompletedProcess[str]) -> ServiceOutcome:
    (tmp_path / "stdout.log").write_text(result.stdout)
    (tmp_path / "stderr.log").write_text(result.stderr)
    return ServiceOutcome(
        name="client",
        role="client",
        exit_code=result.returncode,
        duration=1.0,
        output_dir=tmp_path,
        stdout=tmp_path / "stdout.log",
        stderr=tmp_path / "stderr.log",
    )


def _run_generated_client(tmp_path: Path, server: RunningServer) -> subprocess.CompletedProcess[str]:
    client = manager("client", tmp_path)
    assert client.context is not None
    client.context.port = server.port
    argv = client.generate_run_argv(role="client")
    return subprocess.run(argv, capture_output=True, text=True, timeout=60)


def test_evaluate_names_the_fault_from_the_real_client_report(server_factory: Start, tmp_path: Path) -> None:
    server = server_factory("--variant", "fail")
    outcome = _client_outcome(tmp_path, _run_generated_client(tmp_path, server))
    checks = manager("client", tmp_path).evaluate(outcome)
    assert checks[0] == Check(
        name="client minip exchange",
        status="failed",
        reason="7 pongs carried a wrong sequence number (first: pong for sequence 1 carried sequence 2)",
        evidence=[str(tmp_path / REPORT_NAME)],
    )
    assert [(c.name, c.status) for c in checks[1:]] == [("client exit", "failed")]


def test_evaluate_passes_a_correct_exchange(server_factory: Start, tmp_path: Path) -> None:
    server = server_factory("--variant", "functional")
    outcome = _client_outcome(tmp_path, _run_generated_client(tmp_path, server))
    checks = manager("client", tmp_path).evaluate(outcome)
    assert [(c.name, c.status) for c in checks] == [("client minip exchange", "passed"), ("client exit", "passed")]
    assert checks[0].reason == "all 7 pongs came back right within 1 s"


def test_evaluate_without_a_report_fails_and_says_so(tmp_path: Path) -> None:
    (tmp_path / "stderr.log").write_text("")
    outcome = ServiceOutcome(
        name="client", role="client", exit_code=0, duration=0.1, output_dir=tmp_path,
        stdout=tmp_path / "stdout.log", stderr=tmp_path / "stderr.log",
    )  # fmt: skip
    check = manager("client", tmp_path).evaluate(outcome)[0]
    assert check.status == "failed"
    assert "cannot read the client's report" in check.reason


def test_evaluate_adds_a_crashed_servers_last_words(server_factory: Start, tmp_path: Path) -> None:
    server = server_factory("--variant", "crash", "--crash-after", "0")
    _run_generated_client(tmp_path, server)
    status, stdout, stderr = server.stop()
    (tmp_path / "stderr.log").write_text(stderr)
    outcome = ServiceOutcome(
        name="server", role="server", exit_code=status, duration=1.0, output_dir=tmp_path,
        stdout=tmp_path / "stdout.log", stderr=tmp_path / "stderr.log",
    )  # fmt: skip
    [check] = manager("server", tmp_path).evaluate(outcome)
    assert check.status == "failed"
    assert check.reason == (
        "server exited with 1 while clients still needed it (minip server: crash variant: exiting after 0 pings)"
    )


def test_supported_features_say_what_it_does() -> None:
    features = manager().get_supported_features()
    assert features["minip_v1"] and features["ipv6"] and features["fault_variants"]
    assert features["peer_role"] is False
