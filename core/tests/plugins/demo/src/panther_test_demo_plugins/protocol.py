"""The ``demo`` protocol: lines echoed over TCP or UDP.

``prepare_test`` gives every service its transport and line count and writes the
lines each client must send; ``evaluate_test`` checks that the server received them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from panther import BaseProtocol, Check, ProtocolConfig, ServiceOutcome, TestContext, register_plugin


class DemoProtocolConfig(ProtocolConfig, kw_only=True, forbid_unknown_fields=True):
    transport: Literal["tcp", "udp"] = "tcp"
    lines: int = 3


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
        return checks
