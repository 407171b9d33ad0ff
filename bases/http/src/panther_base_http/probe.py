"""Readiness of an HTTP server: TCP connect for HTTP/1.1 and h2, QUIC for h3.

A server offering both is ready only when both listen, since a client may use either.
The QUIC probe comes from ``panther-base-quic``, imported only when h3 is asked for
(the ``[h3]`` extra).
"""

from __future__ import annotations

from collections.abc import Sequence

from panther.services.manager import ServiceManagerError
from panther.services.readiness import ReadinessProbe, TcpConnectProbe


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
    if any(version != "h3" for version in versions) or not versions:
        probes.append(TcpConnectProbe(host, port))
    if "h3" in versions:
        try:
            from panther_base_quic.probe import version_negotiation_probe
        except ImportError as error:
            raise ServiceManagerError("HTTP/3 readiness needs the QUIC base: install panther-base-http[h3]") from error
        probes.append(version_negotiation_probe(host, port))
    return probes[0] if len(probes) == 1 else AllOfProbe(probes)
