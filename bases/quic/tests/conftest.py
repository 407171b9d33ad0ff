"""Real peers on loopback for the QUIC base tests.

``AioquicServer`` is a real QUIC server (aioquic) in a background event loop;
``UdpResponder`` (from ``panther.testing``) is a plain UDP socket answering with whatever a test wants
(garbage, or our own datagram echoed back); ``silent_port`` is bound but mute.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from aioquic.asyncio import connect, serve
from aioquic.asyncio.server import QuicServer
from aioquic.quic.configuration import QuicConfiguration
from aioquic.quic.logger import QuicFileLogger
from panther.testing import UdpResponder, silent_udp_port
from panther_base_quic.certificates import CertificateSet, make_certificates


class AioquicServer:
    """An aioquic server on 127.0.0.1 running in its own thread's event loop."""

    def __init__(self, certificates: CertificateSet, alpn: str = "hq-interop") -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()
        configuration = QuicConfiguration(is_client=False, alpn_protocols=[alpn])
        configuration.load_cert_chain(certificates.cert_file, certificates.key_file)
        self._server: QuicServer = self.run(serve("127.0.0.1", 0, configuration=configuration))
        self.port: int = self._server._transport.get_extra_info("sockname")[1]

    def run(self, coroutine):  # type: ignore[no-untyped-def]
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=30)

    def handshake(self, certificates: CertificateSet, alpn: str, qlog_dir: Path) -> None:
        """Connect a real aioquic client (logging qlog into ``qlog_dir``), then close."""
        configuration = QuicConfiguration(
            is_client=True,
            alpn_protocols=[alpn],
            server_name="localhost",
            quic_logger=QuicFileLogger(str(qlog_dir)),
        )
        configuration.load_verify_locations(str(certificates.ca_file))

        async def exchange() -> None:
            async with connect("127.0.0.1", self.port, configuration=configuration) as client:
                await client.ping()

        self.run(exchange())

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self._server.close)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        self.loop.close()


@pytest.fixture(scope="session")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> CertificateSet:
    return make_certificates(tmp_path_factory.mktemp("tls"), ["server"])


@pytest.fixture
def aioquic_server(certificates: CertificateSet) -> Iterator[AioquicServer]:
    server = AioquicServer(certificates)
    yield server
    server.close()


@pytest.fixture
def responder_factory() -> Iterator[Callable[[Callable[[bytes], bytes | None]], UdpResponder]]:
    made: list[UdpResponder] = []

    def make(respond: Callable[[bytes], bytes | None]) -> UdpResponder:
        made.append(UdpResponder(respond))
        return made[-1]

    yield make
    for responder in made:
        responder.close()


@pytest.fixture
def silent_port() -> Iterator[int]:
    with silent_udp_port() as port:
        yield port
