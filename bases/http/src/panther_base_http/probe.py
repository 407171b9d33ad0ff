"""Readiness of an HTTP server: TCP connect for HTTP/1.1 and h2, QUIC for h3.

A server asked for both is ready only when both listen, since a client may use either.
"""

from __future__ import annotations

from collections.abc import Sequence

from panther.services.readiness import ReadinessProbe, TcpConnectProbe
from panther_base_quic.probe import version_negotiation_probe

from panther_base_http.versions import HTTP3


class AllOfProbe(ReadinessProbe):
    """Ready when every one of ``probes`` is."""

    def __init__(self, probes: Sequence[ReadinessProbe]) -> None:
        self.probes = list(probes)

    def attempt(self, timeout: float) -> bool:
        return all(probe.attempt(timeout) for probe in self.probes)

    def describe(self) -> str:
        return " and ".join(probe.describe() for probe in self.probes)


def http_readiness_probe(host: str, port: int, versions: Sequence[str]) -> ReadinessProbe:
    probes: list[ReadinessProbe] = []
    if any(version != HTTP3 for version in versions) or not versions:
        probes.append(TcpConnectProbe(host, port))
    if HTTP3 in versions:
        probes.append(version_negotiation_probe(host, port))
    return probes[0] if len(probes) == 1 else AllOfProbe(probes)
