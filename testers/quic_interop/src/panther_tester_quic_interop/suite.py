"""``QuicInteropSuite``: the QUIC interop test cases as a test-case suite.

For a (case, server, client) cell of a ``matrix:`` test, :meth:`QuicInteropSuite.cell`
writes an ordinary test: a server and a client whose ``protocol:`` blocks name the
case (``test_case``), over a network path the environment records (``path: {}``,
plus the case's own path settings; ``host: ::1`` for ``ipv6``). The case's files,
ALPN and version come from the QUIC base's vocabulary; how each implementation does
the case comes from its plugin's case table (a case it cannot do is ``unsupported``
with the plugin's reason before anything starts). Once both endpoints have ended,
:meth:`QuicInteropSuite.evaluate_test` judges the case from the capture.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal

import msgspec
from panther.plugins.manifest import register_plugin
from panther.protocols import TestContext
from panther.services.outcome import EXIT_UNSUPPORTED, Check, ServiceOutcome
from panther.suites import SuiteCell, TestSuite
from panther_base_quic.capture import WarmTshark
from panther_base_quic.cases import QUIC_TEST_CASES, QuicTestCase, quic_test_case

from panther_tester_quic_interop.__about__ import __version__
from panther_tester_quic_interop.evidence import MissingEvidence, Wire, warm_tsharks
from panther_tester_quic_interop.goodput import MEASUREMENT, measured
from panther_tester_quic_interop.judging import CASE_CHECKS, MEASUREMENT_CHECK, SHORT_HEADERS
from panther_tester_quic_interop.pairing import FeatureBook

#: Seconds a cell may take, unless the experiment file says otherwise.
CELL_TIMEOUT = 60.0
CASE_FILE = "case.json"


class QuicInteropOptions(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The ``options:`` of a ``quic_interop`` matrix."""

    # The ALPN of the cases that do not name one: "auto" is hq-interop when both
    # implementations speak it, else h3.
    alpn: Literal["auto", "hq-interop", "h3"] = "auto"
    # ``implementation:`` keys, by implementation name, for every cell it takes part
    # in (a build of your own: {picoquic: {binary_path: ...}}); then for it as a server
    # only, and as a client only. They are checked against the plugin's keys.
    implementations: dict[str, dict[str, Any]] = {}
    servers: dict[str, dict[str, Any]] = {}
    clients: dict[str, dict[str, Any]] = {}
    # ``protocol:`` keys for both services of every cell; they win over the case's
    # (``seed``, or ``alpn``/``version`` to see a case fail).
    protocol: dict[str, Any] = {}
    # Record the path between client and server (the wire checks' evidence). False for
    # a network environment that has no path (local and docker_compose have one):
    # every wire check is then unsupported, and says why.
    record_path: bool = True


@register_plugin(
    plugin_type="tester",
    name="quic_interop",
    version=__version__,
    description="QUIC interop test cases (handshake ... goodput), judged from the capture of the path",
    supported_protocols=["quic"],
)
class QuicInteropSuite(TestSuite):
    name = "quic_interop"
    protocol = "quic"
    options_class = QuicInteropOptions

    def __init__(self) -> None:
        # The implementations' features, from the run's registry (set after __init__).
        self._features = FeatureBook(self.load_plugin)
        # The tshark runs that will read this test's captures, started in prepare_test.
        self._warm: dict[str, WarmTshark] = {}

    def cases(self) -> dict[str, str]:
        return {name: case.description for name, case in QUIC_TEST_CASES.items()}

    def cell(self, case: str, server: str, client: str, options: Any) -> SuiteCell:
        assert isinstance(options, QuicInteropOptions)
        test_case = quic_test_case(case)
        pairing = self._features.pairing(test_case, server, client, None if options.alpn == "auto" else options.alpn)
        protocol = {"name": "quic", "test_case": case, "alpn": pairing.alpn}
        network: dict[str, Any] = {"path": dict(test_case.path)} if options.record_path else {}
        if test_case.ip_version == 6:
            network["host"] = "::1"
        client_protocol = {"role": "client", "target": "server", "verify_peer": pairing.verify_peer}
        return SuiteCell(
            services={
                "server": {
                    "implementation": _implementation(server, options.implementations, options.servers),
                    "protocol": {**protocol, "role": "server", **options.protocol},
                },
                "client": {
                    "implementation": _implementation(client, options.implementations, options.clients),
                    "protocol": {**protocol, **client_protocol, **options.protocol},
                },
            },
            network_environment=network,
            timeout=test_case.timeout or CELL_TIMEOUT * (2 if test_case.connections > 1 else 1),
            iterations=test_case.iterations,
        )

    def prepare_test(self, case: str, test: TestContext) -> None:
        # What the cell asked, next to its evidence.
        test_case = quic_test_case(case)
        described = {
            "case": case,
            "description": test_case.description,
            "files": test_case.files.describe(),
            "connections": test_case.connections,
            "checks": [check.name for check in CASE_CHECKS[case]],
        }
        (test.output_dir / CASE_FILE).write_text(json.dumps(described, indent=2) + "\n")
        self._warm = warm_tsharks(test, both_legs=bool(test_case.path))

    def evaluate_test(self, case: str, test: TestContext, outcomes: Mapping[str, ServiceOutcome]) -> list[Check]:
        warm, self._warm = self._warm, {}
        try:
            if any(_did_not_take_part(outcome) for outcome in outcomes.values()):
                # A service that could not run, or said it cannot do the case, has its own
                # check saying so; judging the wire would only repeat it as failures.
                return []
            test_case = quic_test_case(case)
            wire = Wire.of(
                test, both_legs=bool(test_case.path), short_headers=SHORT_HEADERS.get(case, "none"), warm=warm
            )
            checks = [check.run(wire, test_case) for check in CASE_CHECKS[case]]
            if test_case.measurement == "goodput":
                checks.append(self._goodput(wire, test_case, test))
            return checks
        finally:
            for tshark in warm.values():  # the legs no check read
                tshark.close()

    @staticmethod
    def _goodput(wire: Wire, case: QuicTestCase, test: TestContext) -> Check:
        try:
            verdict, value = measured(wire, case)
        except MissingEvidence as missing:
            return Check(
                name=MEASUREMENT_CHECK, status="unsupported", reason=f"no evidence: {missing}", evidence=wire.files
            )
        test.measurements[MEASUREMENT] = value
        return Check(name=MEASUREMENT_CHECK, status=verdict.status, reason=verdict.reason, evidence=wire.files)


def _implementation(
    name: str, every_role: dict[str, dict[str, Any]], this_role: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    return {"name": name, "type": "iut", **every_role.get(name, {}), **this_role.get(name, {})}


def _did_not_take_part(outcome: ServiceOutcome) -> bool:
    return outcome.exit_code == EXIT_UNSUPPORTED or outcome.start_error is not None
