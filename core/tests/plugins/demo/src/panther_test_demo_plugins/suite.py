"""``demo_cases``: a test-case suite over the demo protocol, so that the core's matrix
tests run real cells without QUIC.

Cases: ``tcp`` and ``udp`` (lines echoed over each transport), ``long_lines`` (lines
longer than ``demo_echo_tcp``'s server keeps), ``rate`` (a measurement: lines per
second, over several iterations).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import msgspec
from panther import Check, ServiceOutcome, SuiteCell, TestContext, TestSuite, register_plugin

CASES = {
    "tcp": "lines echoed over TCP",
    "udp": "lines echoed over UDP",
    "long_lines": "200-byte lines echoed whole over TCP",
    "rate": "lines per second over TCP, measured over 3 iterations",
}
LONG_LINE = 200
RATE_ITERATIONS = 3


class DemoCasesOptions(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    #: Lines a client sends in every case but ``rate`` (which sends ten times as many).
    lines: int = 3


@register_plugin(
    plugin_type="tester",
    name="demo_cases",
    version="0.1.0",
    description="Echo test cases over the demo protocol",
    supported_protocols=["demo"],
)
class DemoCases(TestSuite):
    name = "demo_cases"
    protocol = "demo"
    options_class = DemoCasesOptions

    def cases(self) -> dict[str, str]:
        return dict(CASES)

    def cell(self, case: str, server: str, client: str, options: Any) -> SuiteCell:
        assert isinstance(options, DemoCasesOptions)
        transport = "udp" if case == "udp" else "tcp"
        lines = options.lines * (10 if case == "rate" else 1)
        message = "x" * LONG_LINE if case == "long_lines" else "hello"
        return SuiteCell(
            services={
                "server": {
                    "implementation": {"name": server},
                    "protocol": {"name": "demo", "role": "server", "transport": transport},
                },
                "client": {
                    "implementation": {"name": client, "message": message},
                    "protocol": {
                        "name": "demo",
                        "role": "client",
                        "target": "server",
                        "transport": transport,
                        "lines": lines,
                    },
                },
            },
            timeout=30,
            iterations=RATE_ITERATIONS if case == "rate" else None,
        )

    def prepare_test(self, case: str, test: TestContext) -> None:
        # What the cell was asked, next to its evidence.
        (test.output_dir / "case.txt").write_text(f"{case}: {CASES[case]}\n")

    def evaluate_test(self, case: str, test: TestContext, outcomes: Mapping[str, ServiceOutcome]) -> list[Check]:
        client = test.services["client"]
        log = Path(client.host_output_dir) / "client.log"
        name = f"{case}: every echo came back unchanged"
        if not log.exists():
            return [Check(name=name, status="unsupported", reason="the client wrote no client.log")]
        entries = log.read_text().splitlines()
        wrong = [entry for entry in entries if not entry.startswith("ok\t")]
        checks = [
            Check(
                name=name,
                status="failed" if wrong or not entries else "passed",
                reason=f"{len(wrong)} of {len(entries)} echoes differ" if wrong else f"{len(entries)} echoes",
                evidence=[str(log)],
            )
        ]
        outcome = outcomes.get("client")
        if case == "rate" and outcome is not None and outcome.duration > 0:
            test.measurements["lines_per_second"] = len(entries) / outcome.duration
        return checks
