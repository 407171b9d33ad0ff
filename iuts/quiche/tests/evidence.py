"""Reading what quiche's qlog files show, for the tests: events, and the server's
certificate bytes (a resumed handshake sends none)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

RECORD_SEPARATOR = "\x1e"


def events(path: Path) -> list[dict[str, Any]]:
    """The events of one JSON-SEQ qlog file (quiche writes them)."""
    records = [json.loads(chunk) for chunk in path.read_text().split(RECORD_SEPARATOR) if chunk.strip()]
    return [record for record in records if "name" in record]


def _started(path: Path) -> str:
    header = json.loads(path.read_text().split(RECORD_SEPARATOR)[1])
    return str(header["trace"]["common_fields"]["reference_time"]["wall_clock_time"])


def qlogs(folder: Path) -> list[Path]:
    """The qlog files in ``folder``, in the order their connections began."""
    return sorted(folder.glob("*.sqlog"), key=_started)


def handshake_crypto_bytes(path: Path) -> int:
    """CRYPTO bytes the server sent in Handshake packets: its certificate, unless resumed."""
    return sum(
        frame.get("raw", {}).get("payload_length", 0)
        for event in events(path)
        if event["name"] == "quic:packet_sent" and event["data"]["header"]["packet_type"] == "handshake"
        for frame in event["data"].get("frames", [])
        if frame.get("frame_type") == "crypto"
    )
