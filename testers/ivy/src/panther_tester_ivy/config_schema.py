"""``IvyTesterConfig``: the ``implementation:`` keys of the ``panther_ivy`` tester.

Every value is checked when the experiment file is loaded: an unknown test name, a
negative count or an unknown key is a configuration error that names the key.
"""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta
from panther import ImplementationConfig

from panther_tester_ivy.catalog import lookup
from panther_tester_ivy.compiler import DEFAULT_COMPILE_TIMEOUT
from panther_tester_ivy.quic import PANTHER_IVY_COMMIT, PICOTLS_COMMIT

Seconds = Annotated[float, Meta(gt=0.0, le=3600.0)]


class IvyTesterConfig(ImplementationConfig, kw_only=True, forbid_unknown_fields=True):
    """Keys of ``implementation: {name: panther_ivy, type: testers, ...}``."""

    #: The Ivy test to run (``minip_server_test``, ``quic_client_test_max``, ...).
    test: str
    #: Seed of the tester's random choices. Unset: a new seed per run (recorded in the
    #: command and the verdict). Set: iteration k of a test runs with ``seed + k - 1``.
    seed: Annotated[int, Meta(ge=0, le=2**31 - 1)] | None = None
    #: Seconds a compilation may take.
    compile_timeout: Annotated[float, Meta(gt=0.0)] = DEFAULT_COMPILE_TIMEOUT

    # MINIP -----------------------------------------------------------------------
    #: PINGs of the exchange. Unset: the ``count`` of the test's MINIP client.
    count: Annotated[int, Meta(ge=1, le=65535)] | None = None
    #: minip_server_test: PINGs the tester leaves unanswered at most at once.
    window: Annotated[int, Meta(ge=1, le=65535)] = 4
    #: minip_server_test: the largest payload of a PING (lengths are random up to it).
    max_payload: Annotated[int, Meta(ge=0, le=1200)] = 1200
    #: minip_server_test: seconds within which each PONG must arrive.
    reply_timeout: Seconds = 1.0
    #: minip_client_test: seconds the client may stay silent before its next PING.
    idle_timeout: Seconds = 5.0

    # QUIC (upstream models) --------------------------------------------------------
    #: local: the upstream ``protocol-testing/quic`` folder of PANTHER-Ivy.
    quic_models: str | None = None
    #: local: a picotls build folder (its ``include/`` and ``libpicotls-*.a``).
    picotls: str | None = None
    #: docker_compose: the commits of the upstream repositories the image is built from.
    panther_ivy_commit: str = PANTHER_IVY_COMMIT
    picotls_commit: str = PICOTLS_COMMIT

    def __post_init__(self) -> None:
        lookup(self.test)  # an unknown test is a configuration error naming `test`
