"""The wire evidence of one test: the capture of the path between client and server.

The network environment records the path (``path: {}`` in the test's network
environment) into ``<test folder>/path/``: ``server.pcap`` (what the server
received and sent) and ``client.pcap`` (the client's side). Both endpoints write
their TLS secrets to ``keys.log`` in their own folders; the two are joined into the
test's ``keys.log`` so that tshark can decrypt whatever either endpoint could.

Each capture is read once (one tshark run) and only when a check needs it; the
tshark runs are started while the endpoints still run (:func:`warm_tsharks`), so
that their start-up is not added to the test's time. On a perfect path the server's
leg holds every datagram both endpoints exchanged; when the path impairs traffic,
what an endpoint *sent* is read from its own leg.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import msgspec
from panther.netpath import PathRecord, read_path_record
from panther.protocols import TestContext
from panther_base_quic.capture import (
    Capture,
    CaptureError,
    Datagram,
    WarmTshark,
    combined_keylog,
    read_capture,
)
from panther_base_quic.capture_slice import ShortHeaders

PATH_FOLDER = "path"
PATH_RECORD = "path.json"
KEYLOG = "keys.log"


class MissingEvidence(Exception):
    """The evidence a check needs is not there; the message says what and why."""


def path_folder(test: TestContext) -> Path:
    """Where the network environment recorded the test's path."""
    recorded = getattr(test, "network_path", None)
    return Path(recorded.folder) if recorded is not None else test.output_dir / PATH_FOLDER


def path_ports(test: TestContext) -> list[int]:
    """The UDP ports of the path's legs: what reaches them is QUIC."""
    recorded = getattr(test, "network_path", None)
    routes = getattr(recorded, "routes", ()) if recorded is not None else ()
    return [port for route in routes for port in (route.relay[1], route.target[1])]


def legs(both_legs: bool) -> list[str]:
    """The captures a test's checks read."""
    return ["server", "client"] if both_legs else ["server"]


def warm_tsharks(test: TestContext, *, both_legs: bool) -> dict[str, WarmTshark]:
    """A tshark per leg the checks will read, started before the test's services.

    Only for a path the network environment records: without one there is nothing
    to read. The key log they are given is the one :meth:`Wire.of` writes.
    """
    if getattr(test, "network_path", None) is None:
        return {}
    keylog, ports = test.output_dir / KEYLOG, path_ports(test)
    return {leg: WarmTshark(keylog, quic_ports=ports) for leg in legs(both_legs)}


@dataclass
class Wire:
    """The test's captures, read on first use."""

    folder: Path
    keylog: Path | None
    # Also read the client's leg (the path may lose what the client sent).
    both_legs: bool = False
    ports: list[int] = field(default_factory=list)
    # Which datagrams holding only 1-RTT packets the checks read (see capture_slice).
    short_headers: ShortHeaders = "all"
    # tshark runs started ahead for the legs (see warm_tsharks); each is used or ended once.
    warm: dict[str, WarmTshark] = field(default_factory=dict)
    _errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        test: TestContext,
        *,
        both_legs: bool = False,
        short_headers: ShortHeaders = "all",
        warm: dict[str, WarmTshark] | None = None,
    ) -> Wire:
        keylogs = [Path(service.host_output_dir) / KEYLOG for service in test.services.values()]
        keylog = combined_keylog(keylogs, test.output_dir / KEYLOG)
        return cls(
            folder=path_folder(test),
            keylog=keylog,
            both_legs=both_legs,
            ports=path_ports(test),
            short_headers=short_headers,
            warm=dict(warm or {}),
        )

    def _leg(self, name: str) -> Capture:
        pcap = self.folder / f"{name}.pcap"
        if name in self._errors:
            raise MissingEvidence(self._errors[name])
        try:
            return read_capture(
                pcap,
                self.keylog,
                quic_ports=self.ports,
                short_headers=self.short_headers,
                warm=self.warm.pop(name, None),
            )
        except CaptureError as error:
            reason = str(error)
            if not pcap.exists():
                reason = (
                    f"no capture at {pcap}: the network environment recorded no path "
                    "(it needs `path: {}` in the test's network_environment)"
                )
            self._errors[name] = reason
            raise MissingEvidence(reason) from None

    @cached_property
    def server_leg(self) -> Capture:
        return self._leg("server")

    @cached_property
    def client_leg(self) -> Capture:
        return self._leg("client") if self.both_legs else self.server_leg

    def sent_by_server(self) -> list[Datagram]:
        return self.server_leg.sent_by_server()

    def sent_by_client(self) -> list[Datagram]:
        return self.client_leg.sent_by_client()

    def connections(self) -> list[int]:
        return self.server_leg.connections()

    @cached_property
    def _record(self) -> PathRecord | str:
        record = self.folder / PATH_RECORD
        if not record.exists():
            return (
                f"no capture at {self.folder} and no record {record.name}: the network environment recorded "
                "no path (it needs `path: {}` in the test's network_environment)"
            )
        try:
            return read_path_record(record)
        except (OSError, msgspec.DecodeError) as error:
            return f"the path left no readable record at {record}: {error}"

    def path_record(self) -> PathRecord:
        """What the path did (``path.json``: counters, drops, rebindings)."""
        record = self._record
        if isinstance(record, str):
            raise MissingEvidence(record)
        return record

    @property
    def files(self) -> list[str]:
        """The evidence files a check names: the capture(s) read, the key log, the path's record."""
        files = [str(self.folder / f"{leg}.pcap") for leg in legs(self.both_legs)]
        files += [str(self.keylog)] if self.keylog else []
        record = self.folder / PATH_RECORD
        return files + ([str(record)] if record.is_file() else [])

    def source(self) -> str:
        keys = "decrypted with both endpoints' key logs" if self.keylog else "not decrypted: no key log"
        return f"source: capture {self.folder / 'server.pcap'}, {keys}"

    def record_source(self) -> str:
        return f"source: the path's record {self.folder / PATH_RECORD}"

    def require_keys(self, what: str) -> None:
        if self.keylog is None:
            raise MissingEvidence(f"{what} is encrypted and neither endpoint wrote a key log ({KEYLOG})")
