"""The ``demo`` protocol: lines echoed over TCP or UDP.

``prepare_test`` gives every service its transport and line count and writes the
lines each client must send; ``evaluate_test`` checks that the server received them,
and, with ``capture: true``, that the test's network path captured them on their way
to the server: a check that needs a capture is ``unsupported`` when there is none.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from panther import BaseProtocol, Check, ProtocolConfig, ServiceOutcome, TestContext, register_plugin
from panther.netpath.pcap import read_pcap


class DemoProtocolConfig(ProtocolConfig, kw_only=True, forbid_unknown_fields=True):
    transport: Literal["tcp", "udp"] = "tcp"
    lines: int = 3
    # Check the lines in the network path's capture of the server's leg too.
    capture: bool = False


@register_plugin(plugin_type="protocol", name="demo", version="0.1.0", description="Line echo over TCP or UDP")
class DemoProtocol(BaseProtocol):
    name = "demo"
    transport = "tcp"
    default_port = 7007
    config_class = DemoProtocolConfig

    def prepare_test(self, test: TestContext) -> None:
        for name, service in test.services.items():
            config = test.protocol_configs[name]
            assert isinstance(config, DemoProtocolConfig)
            service.arguments.update(transport=config.transport, lines=config.lines)
            if service.role == "client":
                message = getattr(test.implementation_configs.get(name), "message", "hello")
                expected = [f"{message} {index}" for index in range(config.lines)]
                (test.output_dir / f"expected-{name}.txt").write_text("".join(f"{line}\n" for line in expected))

    def evaluate_test(self, test: TestContext, outcomes: Mapping[str, ServiceOutcome]) -> list[Check]:
        checks = []
        for client in test.services_with_role("client"):
            server = test.services.get(client.target or "")
            if server is None:
                continue
            name = f"demo: {server.name} received every line of {client.name}"
            outcome = outcomes.get(client.name)
            if outcome is None or outcome.exit_code != 0:
                # The client's own check says what went wrong; the lines it never sent prove nothing more.
                checks.append(Check(name=name, status="skipped", reason=f"{client.name} did not finish its exchange"))
                continue
            expected_file = test.output_dir / f"expected-{client.name}.txt"
            received_file = server.host_output_dir / "received.log"
            expected = expected_file.read_text().splitlines()
            received = set(received_file.read_text().splitlines()) if received_file.exists() else set()
            missing = [line for line in expected if line not in received]
            if missing:
                reason = f"{len(missing)} of {len(expected)} lines never reached {server.name} (first: {missing[0]!r})"
                checks.append(
                    Check(name=name, status="failed", reason=reason, evidence=[str(received_file), str(expected_file)])
                )
            else:
                checks.append(Check(name=name, status="passed", reason=f"{len(expected)} lines received"))
            config = test.protocol_configs[client.name]
            if isinstance(config, DemoProtocolConfig) and config.capture:
                checks.append(_captured(test, client.name, server.name, expected))
        return checks


def _captured(test: TestContext, client: str, server: str, expected: list[str]) -> Check:
    name = f"demo: the capture shows every line of {client} reaching {server}"
    path = test.network_path
    if path is None:
        return Check(name=name, status="unsupported", reason="no capture: the test has no network path")
    route = path.route_of(client)
    if route is None:
        return Check(name=name, status="unsupported", reason=f"no capture: {client} does not go through the path")
    seen = {d.payload.decode(errors="replace") for d in read_pcap(path.server_pcap) if d.destination == route.target}
    missing = [line for line in expected if line not in seen]
    if missing:
        reason = f"{len(missing)} of {len(expected)} lines are not in the capture (first: {missing[0]!r})"
        return Check(name=name, status="failed", reason=reason, evidence=[str(path.server_pcap)])
    return Check(name=name, status="passed", reason=f"{len(expected)} lines captured", evidence=[str(path.server_pcap)])
