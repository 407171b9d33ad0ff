"""Reading qlog files: which QUIC version and ALPN a handshake used.

Implementations write qlog in several shapes: one JSON document with
``traces[].events`` (aioquic), JSON-SEQ records separated by the RS character
(ngtcp2, ``.sqlog``), or one JSON object per line. Events are named either
``"category:event"`` or with separate ``category`` and ``event`` keys. A file or
record that cannot be parsed is skipped and counted, never fatal: one broken
qlog must not hide what the others say.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

QLOG_SUFFIXES = (".qlog", ".sqlog", ".json")
_RECORD_SEPARATOR = b"\x1e"


@dataclass
class HandshakeEvidence:
    """What the qlog files of one service say about its handshakes."""

    files: list[Path] = field(default_factory=list)
    # Versions the endpoint reported as chosen (version_information.chosen_version).
    chosen_versions: set[int] = field(default_factory=set)
    # Versions seen in long packet headers, Version Negotiation (0) excluded.
    header_versions: set[int] = field(default_factory=set)
    chosen_alpns: set[str] = field(default_factory=set)
    offered_alpns: set[str] = field(default_factory=set)
    unreadable: list[str] = field(default_factory=list)

    @property
    def versions(self) -> set[int]:
        return self.chosen_versions or self.header_versions


def find_qlog_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(path for path in folder.rglob("*") if path.is_file() and path.suffix in QLOG_SUFFIXES)


# A record holds evidence only if it mentions one of these: records without any
# (nearly all of a transfer's packets) are never decoded.
_EVIDENCE_MARKERS = (b"version_information", b"alpn_information", b'"version"')


def _may_hold_evidence(chunk: bytes) -> bool:
    return any(marker in chunk for marker in _EVIDENCE_MARKERS)


def _decode(chunk: bytes) -> Any:
    return msgspec.json.decode(chunk)


def _records(data: bytes) -> Iterator[Any]:
    stripped = data.strip()
    if not stripped or not _may_hold_evidence(stripped):
        return
    if _RECORD_SEPARATOR not in stripped:
        # A whole document is an object: one cut short (its writer was killed) is
        # not decoded to the end only to fail there.
        if stripped.endswith(b"}"):
            try:
                yield _decode(stripped)
                return
            except msgspec.DecodeError:
                pass  # not one document: try one record per line below
        # One JSON object per line; lines of anything else (picoquic's draft-00 event
        # arrays in a file that is not valid JSON) are not records of this reader.
        chunks = [line for line in stripped.splitlines() if line.lstrip().startswith(b"{")]
    else:
        chunks = stripped.split(_RECORD_SEPARATOR)
    for chunk in chunks:
        chunk = chunk.strip()
        if chunk and _may_hold_evidence(chunk):
            try:
                yield _decode(chunk)
            except msgspec.DecodeError:
                # A trace cut short (the process was killed mid-write) ends in a
                # partial record; the complete ones before it still count.
                continue


def _events(record: Any) -> Iterator[dict[str, Any]]:
    if not isinstance(record, dict):
        return
    traces = record.get("traces")
    if isinstance(traces, list):
        for trace in traces:
            if isinstance(trace, dict):
                for event in trace.get("events", []):
                    if isinstance(event, dict):
                        yield event
    if "name" in record or "event" in record:
        yield record


def _event_name(event: dict[str, Any]) -> str:
    name = event.get("name")
    if isinstance(name, str):
        return name
    return f"{event.get('category', '')}:{event.get('event', '')}"


def parse_version(value: Any) -> int | None:
    """A version written as an int, ``"0x00000001"`` or ``"00000001"``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value, 16)
        except ValueError:
            return None
    return None


def _alpn(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        text = value.get("string_value")
        return text if isinstance(text, str) else None
    return None


def _collect(evidence: HandshakeEvidence, event: dict[str, Any]) -> None:
    name = _event_name(event)
    data = event.get("data")
    if not isinstance(data, dict):
        return
    if name.endswith("version_information"):
        version = parse_version(data.get("chosen_version"))
        if version is not None:
            evidence.chosen_versions.add(version)
    elif name.endswith("alpn_information"):
        chosen = _alpn(data.get("chosen_alpn"))
        if chosen:
            evidence.chosen_alpns.add(chosen)
        for key in ("client_alpns", "server_alpns"):
            for offered in data.get(key) or []:
                text = _alpn(offered)
                if text:
                    evidence.offered_alpns.add(text)
    elif name.endswith(("packet_sent", "packet_received")):
        header = data.get("header")
        if isinstance(header, dict):
            version = parse_version(header.get("version"))
            if version:
                evidence.header_versions.add(version)


def read_handshake_evidence(folder: Path) -> HandshakeEvidence:
    """Everything the qlog files under ``folder`` say about versions and ALPN."""
    evidence = HandshakeEvidence()
    for path in find_qlog_files(folder):
        evidence.files.append(path)
        try:
            data = path.read_bytes()
        except OSError as error:
            evidence.unreadable.append(f"{path}: {error.strerror}")
            continue
        for record in _records(data):
            for event in _events(record):
                _collect(evidence, event)
    return evidence
