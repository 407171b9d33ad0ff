"""Reading what gtlsserver and gtlsclient print about a run.

ngtcp2 0.12's qlog leaves out the negotiated version and ALPN, and gtlsclient exits
0 even when no handshake ever completed. Its debug log says both plainly
(``the negotiated version is 0x00000001``, ``Negotiated ALPN is h3``) and names the
error that ended a connection (``ERR_HANDSHAKE_TIMEOUT`` ...). This module reads
that log; the plugin turns it into checks, and into a small qlog trace marked as
derived from the log, so that the QUIC protocol's version and ALPN checks see
what the program reported.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

_VERSION = re.compile(r"the negotiated version is (0x[0-9a-fA-F]+)")
# Each pattern starts with its literal text, which the regex engine finds fast:
# the logs are megabytes of packet lines.
_ALPN = re.compile(r"Negotiated ALPN is (\S+)")
_HANDSHAKE = "QUIC handshake has completed"
_ERROR = re.compile(r"(ngtcp2_conn_\w+): (ERR_\w+)")
_KEY_PHASE_ONE = re.compile(r"type=1RTT\b.*\bk=1\b")
# Errors that end a connection without the transfer having happened.
FATAL_ERRORS = {
    "ERR_HANDSHAKE_TIMEOUT": "no handshake completed before the handshake timeout (is a QUIC server listening?)",
    "ERR_RECV_VERSION_NEGOTIATION": "the server does not speak the requested QUIC version",
    "ERR_CRYPTO": "the TLS handshake failed",
    "ERR_IDLE_CLOSE": "the connection went idle and was closed",
}

EVIDENCE_FILE = "ngtcp2-log-handshake.qlog"


@dataclass
class RunLog:
    handshakes: int = 0
    versions: list[int] = field(default_factory=list)
    alpns: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    key_phase_one_seen: bool = False

    @property
    def fatal(self) -> list[str]:
        return [f"{error}: {FATAL_ERRORS[error]}" for error in self.errors if error in FATAL_ERRORS]


def read_run_log(*paths: Path, key_phase: bool = False) -> RunLog:
    """What the program logged; whether a 1-RTT packet used key phase 1 is looked
    for only when ``key_phase`` asks (a key update was requested): that search
    reads every packet line of a log that is megabytes long."""
    log = RunLog()
    for path in paths:
        try:
            text = path.read_text(errors="replace")
        except OSError:
            continue
        log.handshakes += text.count(_HANDSHAKE)
        log.versions += [int(value, 16) for value in _VERSION.findall(text)]
        log.alpns += _ALPN.findall(text)
        log.errors += [error for _, error in _ERROR.findall(text)]
        if key_phase:
            log.key_phase_one_seen = log.key_phase_one_seen or _KEY_PHASE_ONE.search(text) is not None
    return log


def write_evidence_qlog(log: RunLog, qlog_dir: Path, role: str) -> Path | None:
    """A qlog trace holding the version and ALPN the program reported; None if it reported none."""
    if not (log.versions or log.alpns) or not qlog_dir.is_dir():
        return None
    events = [
        {"name": "transport:version_information", "data": {"chosen_version": f"{version:08x}"}}
        for version in sorted(set(log.versions))
    ] + [{"name": "transport:alpn_information", "data": {"chosen_alpn": alpn}} for alpn in sorted(set(log.alpns))]
    trace = {
        "vantage_point": {"name": "ngtcp2 (derived from its debug log)", "type": role},
        "events": events,
    }
    path = qlog_dir / EVIDENCE_FILE
    path.write_text(json.dumps({"qlog_format": "JSON", "qlog_version": "0.3", "traces": [trace]}) + "\n")
    return path
