"""picoquic's qlog, restated in the shape the quic protocol's checks read.

picoquic writes qlog draft-00: each event is an array laid out by the trace's
``event_fields``, packet headers carry the version as hex text (``"version":
"00000001"``), and the negotiated ALPN is the ``"alpn"`` of a ``parameters_set``
event. At the verified commit the file is not even valid JSON (its
``version_negotiation`` parameter is written as ``"version_negotiation": "chosen":
...``), so the two facts are picked out of the text rather than parsed. The quic
protocol reads named events (``version_information``, ``alpn_information``), so
after a run picoquic's qlog files are summarised into one small trace beside them,
marked as derived from picoquic's own. A client's qlog records no ALPN at all;
picoquicdemo prints it ("Negotiated ALPN: h3"), so its output is read for that.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

EVIDENCE_FILE = "picoquic-qlog-handshake.json"
_VERSION = re.compile(r'"version": "([0-9a-fA-F]{8})"')
# "alpn" as a key of its own: "proposed_alpn" lists offers, not the choice.
_ALPN = re.compile(r'"alpn": "([^"]+)"')
_PRINTED_ALPN = re.compile(r"^Negotiated ALPN: (\S+)$", re.MULTILINE)


def write_evidence(qlog_dir: Path, role: str, output: Path | None = None) -> Path | None:
    """Summarise picoquic's qlog files in ``qlog_dir`` and its ``output``; None when they say nothing."""
    versions: set[int] = set()
    alpns: set[str] = set()
    if output is not None and output.is_file():
        alpns.update(_PRINTED_ALPN.findall(output.read_text(errors="replace")))
    for path in sorted(qlog_dir.glob("*.qlog")) if qlog_dir.is_dir() else []:
        try:
            text = path.read_text(errors="replace")
        except OSError:
            continue
        versions.update(int(value, 16) for value in _VERSION.findall(text))
        alpns.update(_ALPN.findall(text))
    versions.discard(0)  # Version Negotiation packets name no version of their own
    if not (versions or alpns):
        return None
    events = [
        {"name": "transport:version_information", "data": {"chosen_version": f"{version:08x}"}}
        for version in sorted(versions)
    ] + [{"name": "transport:alpn_information", "data": {"chosen_alpn": alpn}} for alpn in sorted(alpns)]
    trace = {"vantage_point": {"name": "picoquic (derived from its qlog and output)", "type": role}, "events": events}
    path = qlog_dir / EVIDENCE_FILE
    path.write_text(json.dumps({"qlog_format": "JSON", "qlog_version": "0.3", "traces": [trace]}) + "\n")
    return path
