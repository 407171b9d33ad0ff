"""The QUIC test cases: one vocabulary for every implementation and every tester.

A test case names what a test asks of a QUIC server and client beyond "transfer
these files": which files, which ALPN and QUIC version, which address family,
how many connections, and what each role must do (send a Retry, resume a session,
send 0-RTT requests, update its keys ...). The names follow quic-interop-runner's
test cases, so that implementers recognise them.

This module only *names* the cases. An implementation plugin says how it does each
one (:mod:`panther_base_quic.case_support`); the ``quic`` protocol plugin hands the
case to every service (``protocol: {test_case: retry}``); a tester decides how the
result is judged, from evidence it observes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

from panther.config.errors import ConfigError
from panther.transfer import TransferFile, numbered_plan, transfer_plan

Role = Literal["server", "client"]
ROLES: tuple[Role, ...] = ("server", "client")

KIB = 1024
MIB = 1024 * KIB

#: The cipher suite the ``chacha20`` case restricts both endpoints to (TLS 1.3 name, without "TLS_").
CHACHA20_SUITE = "CHACHA20_POLY1305_SHA256"
#: The most bidirectional streams a server may allow at once in the ``multiplexing``
#: case; fewer than the files requested, so the client must wait for MAX_STREAMS.
MULTIPLEXING_STREAM_LIMIT = 100
#: The link of the cases that limit the rate, as quic-interop-runner's simulator has it:
#: 10 Mbit/s, a queue of 25 datagrams and 15 ms each way.
LINK_10MBIT: Mapping[str, Any] = MappingProxyType({"delay_ms": 15, "rate_mbit": 10, "queue_datagrams": 25})
#: Connections of the ``handshakeloss`` and ``handshakecorruption`` cases (the runner
#: makes 50; at 30% loss each way a handshake may wait for several probe timeouts,
#: so fewer keep a cell within a minute or two).
LOSSY_HANDSHAKES = 10
#: Bytes of DER the server's certificate has at least in ``amplificationlimit``: its
#: first flight is then well above three times the client's first Initial (1200 bytes).
LARGE_CERTIFICATE = 9000


@dataclass(frozen=True)
class Files:
    """The files a case transfers: given ``sizes`` (distinct), or ``count`` files of ``size`` bytes."""

    sizes: tuple[int, ...] = ()
    count: int = 0
    size: int = 0

    def plan(self, seed: int) -> list[TransferFile]:
        if self.count:
            return numbered_plan(self.count, self.size, seed)
        return transfer_plan(self.sizes, seed)

    @property
    def total(self) -> int:
        return sum(self.sizes) + self.count * self.size

    def describe(self) -> str:
        if self.count:
            return f"{self.count} files of {_size(self.size)}"
        return ", ".join(_size(size) for size in self.sizes)


def _size(size: int) -> str:
    if size >= MIB and size % MIB == 0:
        return f"{size // MIB} MiB"
    if size >= KIB and size % KIB == 0:
        return f"{size // KIB} KiB"
    return f"{size} B"


@dataclass(frozen=True)
class QuicTestCase:
    """One test case of the vocabulary."""

    name: str
    description: str
    files: Files
    # What each role must do beyond serving or fetching the files, in words; a role
    # without an entry does nothing special. An implementation plugin must say how it
    # does each of these (``CaseSupport``), or the case is unsupported for it.
    actions: Mapping[Role, str] = field(default_factory=dict)
    # ``get_supported_features()`` keys each role needs; a plugin saying False is unsupported.
    features: Mapping[Role, tuple[str, ...]] = field(default_factory=dict)
    # None: the pair's choice (hq-interop when both speak it, else h3).
    alpn: str | None = None
    version: str = "rfc9000"
    # Connections the client makes; the second resumes the first's session.
    connections: int = 1
    ip_version: Literal[4, 6] = 4
    # Network path settings the case asks for (``{}``: a perfect path that records).
    path: Mapping[str, Any] = field(default_factory=dict)
    # A measurement case repeats its transfer and reports a figure per iteration.
    iterations: int = 1
    measurement: str | None = None
    # Seconds a cell may take (None: the tester's default).
    timeout: float | None = None
    # Bytes of DER the server's certificate has at least (0: the usual small one).
    certificate_bytes: int = 0

    def action(self, role: str) -> str | None:
        return self.actions.get(role)  # type: ignore[call-overload, no-any-return]

    def required_features(self, role: str) -> tuple[str, ...]:
        return self.features.get(role, ())  # type: ignore[call-overload, no-any-return]


def _cases(*cases: QuicTestCase) -> Mapping[str, QuicTestCase]:
    return MappingProxyType({case.name: case for case in cases})


QUIC_TEST_CASES: Mapping[str, QuicTestCase] = _cases(
    QuicTestCase(
        "handshake",
        "One handshake in QUIC v1, no Retry, and a small file arrives.",
        Files(sizes=(1 * KIB,)),
    ),
    QuicTestCase(
        "transfer",
        "Several files, megabytes each, arrive byte for byte over one connection.",
        Files(sizes=(512 * KIB, 1 * MIB, 2 * MIB)),
    ),
    QuicTestCase(
        "multiplexing",
        "A thousand small files over one connection; the server allows fewer streams at once "
        "than the client requests, so the client must wait for more.",
        Files(count=1000, size=32),
        actions={"server": f"allow at most {MULTIPLEXING_STREAM_LIMIT} concurrent bidirectional streams"},
    ),
    QuicTestCase(
        "http3",
        "Files over HTTP/3 (ALPN h3).",
        Files(sizes=(5 * KIB, 10 * KIB, 500 * KIB)),
        features={"server": ("h3",), "client": ("h3",)},
        alpn="h3",
    ),
    QuicTestCase(
        "chacha20",
        "The client offers only TLS_CHACHA20_POLY1305_SHA256, and the handshake negotiates it.",
        Files(sizes=(1 * MIB,)),
        actions={"client": f"offer only TLS_{CHACHA20_SUITE}"},
        features={"server": ("chacha20",), "client": ("chacha20",)},
    ),
    QuicTestCase(
        "retry",
        "The server sends a Retry; the client's next Initial carries its token and the transfer completes.",
        Files(sizes=(10 * KIB,)),
        actions={"server": "validate the client's address with a Retry packet"},
        features={"server": ("retry",)},
    ),
    QuicTestCase(
        "resumption",
        "The client connects twice; the second connection resumes the first's TLS session "
        "(the server sends no certificate).",
        Files(sizes=(5 * KIB, 10 * KIB)),
        actions={"client": "connect twice, resuming the first connection's TLS session in the second"},
        features={"client": ("session_resumption",)},
        connections=2,
    ),
    QuicTestCase(
        "zerortt",
        "The second connection sends its requests in 0-RTT packets and the server accepts them.",
        Files(count=20, size=32),
        actions={
            "server": "accept 0-RTT data",
            "client": "connect twice, sending the second connection's requests as 0-RTT data",
        },
        features={"server": ("0rtt",), "client": ("0rtt",)},
        connections=2,
    ),
    QuicTestCase(
        "keyupdate",
        "The client updates its 1-RTT keys during the transfer; both endpoints then send packets in key phase 1.",
        Files(sizes=(1 * MIB,)),
        actions={"client": "update the 1-RTT keys once the handshake is confirmed"},
        features={"server": ("key_updates",), "client": ("key_updates",)},
    ),
    QuicTestCase(
        "v2",
        "The handshake runs in QUIC version 2 (RFC 9369, 0x6b3343cf).",
        Files(sizes=(1 * KIB,)),
        features={"server": ("v2",), "client": ("v2",)},
        version="v2",
    ),
    QuicTestCase(
        "ipv6",
        "The transfer runs over IPv6 only.",
        Files(sizes=(5 * KIB, 10 * KIB)),
        ip_version=6,
    ),
    QuicTestCase(
        "goodput",
        "A large file, transferred again in each iteration: the goodput of each, its mean and deviation.",
        Files(sizes=(5 * MIB,)),
        iterations=5,
        measurement="goodput",
    ),
    QuicTestCase(
        "goodput-10mbit",
        "The goodput measurement over a 10 Mbit/s link (15 ms each way, a queue of 25 datagrams).",
        Files(sizes=(2 * MIB,)),
        path=LINK_10MBIT,
        iterations=5,
        measurement="goodput",
    ),
    QuicTestCase(
        "longrtt",
        "A handshake over a path with a 1.5 s round trip: the client's first Initial times out "
        "before the server's answer arrives, so it sends its ClientHello again.",
        Files(sizes=(1 * KIB,)),
        path={"delay_ms": 750},
    ),
    QuicTestCase(
        "handshakeloss",
        f"{LOSSY_HANDSHAKES} short connections, one after the other, each fetching 1 KiB, "
        "while the path loses 30% of the datagrams each way.",
        Files(count=LOSSY_HANDSHAKES, size=1 * KIB),
        actions={"client": "make one connection per file, one after the other"},
        connections=LOSSY_HANDSHAKES,
        path={"delay_ms": 15, "loss": 0.3},
        timeout=240.0,
    ),
    QuicTestCase(
        "transferloss",
        "A transfer of 2 MiB while the path loses 2% of the datagrams each way.",
        Files(sizes=(2 * MIB,)),
        path={"delay_ms": 15, "loss": 0.02},
    ),
    QuicTestCase(
        "handshakecorruption",
        f"{LOSSY_HANDSHAKES} short connections, one after the other, each fetching 1 KiB, "
        "while the path flips a bit in 30% of the datagrams each way.",
        Files(count=LOSSY_HANDSHAKES, size=1 * KIB),
        actions={"client": "make one connection per file, one after the other"},
        connections=LOSSY_HANDSHAKES,
        path={"delay_ms": 15, "corrupt": 0.3},
        timeout=240.0,
    ),
    QuicTestCase(
        "transfercorruption",
        "A transfer of 2 MiB while the path flips a bit in 2% of the datagrams each way.",
        Files(sizes=(2 * MIB,)),
        path={"delay_ms": 15, "corrupt": 0.02},
    ),
    QuicTestCase(
        "blackhole",
        "A transfer of 5 MiB over a 10 Mbit/s link that drops everything, both ways, "
        "from 1 s to 3 s into the test; the transfer still completes.",
        Files(sizes=(5 * MIB,)),
        path={**LINK_10MBIT, "blackholes": [{"start": 1.0, "duration": 2.0}]},
    ),
    QuicTestCase(
        "amplificationlimit",
        "The server's certificate is large, so its first flight is more than three times the client's "
        "first Initial: it must not send more than three times what it received before the client's "
        "address is validated.",
        Files(sizes=(5 * KIB,)),
        path={"delay_ms": 15},
        certificate_bytes=LARGE_CERTIFICATE,
    ),
    QuicTestCase(
        "rebind-port",
        "A transfer of 2 MiB over a 10 Mbit/s link during which the path gives the client a new "
        "port twice (a NAT rebinding): the server validates each new path and keeps serving.",
        Files(sizes=(2 * MIB,)),
        path={**LINK_10MBIT, "rebind": [{"at": 0.5, "change": "port"}, {"at": 1.0, "change": "port"}]},
    ),
    QuicTestCase(
        "rebind-addr",
        "A transfer of 2 MiB over a 10 Mbit/s link during which the path gives the client a new "
        "address twice: the server validates each new path and keeps serving.",
        Files(sizes=(2 * MIB,)),
        path={**LINK_10MBIT, "rebind": [{"at": 0.5, "change": "address"}, {"at": 1.0, "change": "address"}]},
    ),
    QuicTestCase(
        "connectionmigration",
        "During a transfer of 2 MiB the client moves the connection to a new local address (an active "
        "migration, with a new connection ID); the server validates the new path.",
        Files(sizes=(2 * MIB,)),
        actions={"client": "move the connection to a new local address during the transfer"},
        features={"client": ("connection_migration",)},
        path=LINK_10MBIT,
    ),
)
"""Every test case, by name, in the order reports list them."""

if TYPE_CHECKING:
    TestCaseName = str
else:
    # The names as a Literal: the loader rejects an unknown name listing the known
    # ones, and ``panther schema`` offers them for completion.
    TestCaseName = Literal[tuple(QUIC_TEST_CASES)]


def quic_test_case(name: str) -> QuicTestCase:
    """The case called ``name``; an unknown name is a configuration error listing the known ones."""
    try:
        return QUIC_TEST_CASES[name]
    except KeyError:
        raise ConfigError(
            f"unknown QUIC test case {name!r}",
            path="protocol.test_case",
            expected=f"one of {', '.join(QUIC_TEST_CASES)}",
            found=repr(name),
        ) from None
