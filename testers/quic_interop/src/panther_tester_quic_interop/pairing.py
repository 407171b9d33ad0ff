"""What a server and a client can agree on before they run: ALPN and certificate checks.

Most cases do not care which application protocol carries the files. They run over
``hq-interop`` (HTTP/0.9, the interop runners' choice) when both implementations
speak it, else over ``h3``; an implementation says what it speaks in
``get_supported_features()`` (keys ``hq-interop`` and ``h3``). A client verifies the
server's certificate unless its plugin says it cannot (``certificate_verification``
false, as for Debian's gtlsclient).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from panther_base_quic.cases import QuicTestCase

# In order of preference.
ALPNS = ("hq-interop", "h3")


@dataclass(frozen=True)
class Pairing:
    alpn: str
    verify_peer: bool


class FeatureBook:
    """``get_supported_features()`` of installed implementations, asked once each.

    ``load`` gives a plugin's class (the suite's ``load_plugin``: the run's registry).
    """

    def __init__(self, load: Callable[[str, str], type]) -> None:
        self._load = load
        self._features: dict[str, Mapping[str, bool]] = {}

    def features(self, implementation: str) -> Mapping[str, bool]:
        if implementation not in self._features:
            manager_class = self._load("iut", implementation)
            self._features[implementation] = dict(manager_class().get_supported_features())
        return self._features[implementation]

    def pairing(self, case: QuicTestCase, server: str, client: str, alpn: str | None = None) -> Pairing:
        server_features, client_features = self.features(server), self.features(client)
        chosen = case.alpn or alpn or _shared_alpn(server_features, client_features)
        return Pairing(alpn=chosen, verify_peer=client_features.get("certificate_verification", True) is not False)


def _shared_alpn(server: Mapping[str, bool], client: Mapping[str, bool]) -> str:
    for alpn in ALPNS:
        if server.get(alpn) is not False and client.get(alpn) is not False:
            return alpn
    # Neither is shared: the first one, which one of them will refuse with its reason.
    return ALPNS[0]
