"""picoquic's qlog draft-00 traces, restated for the quic protocol's version and ALPN checks."""

from __future__ import annotations

import json
from pathlib import Path

from panther_base_quic.qlog import read_handshake_evidence
from panther_iut_picoquic.qlog_evidence import EVIDENCE_FILE, write_evidence

# The opening of a qlog picoquicdemo wrote as a server (shortened, same shape, including
# the parameter that makes picoquic's file invalid JSON).
PICOQUIC_QLOG = """{ "qlog_version": "draft-00", "title": "picoquic", "traces": [
{ "vantage_point": { "name": "backend-67", "type": "server" },
"event_fields": ["relative_time", "category", "event", "data"],
"events": [
[0, "transport", "datagram_received", { "byte_length": 1200}],
[0, "transport", "packet_received", { "packet_type": "initial", "header": { "packet_size": 510,
  "packet_number": 0, "version": "6b3343cf", "scid": "1082da7ad595755a", "dcid": "998ea9fe1e8c726f" }}],
[193, "transport", "parameters_set", { "owner": "remote", "proposed_alpn": ["h3", "hq-interop"], "alpn": "hq-interop"}],
[198, "transport", "parameters_set", { "owner": "remote", "version_negotiation": "chosen": "6b3343cf"}],
[300, "transport", "packet_received", { "packet_type": "1RTT", "header": { "packet_size": 50}}]]}]}
"""


def test_versions_and_alpn_are_restated(tmp_path: Path) -> None:
    (tmp_path / "998ea9fe1e8c726f.server.qlog").write_text(PICOQUIC_QLOG)
    assert read_handshake_evidence(tmp_path).versions == set()  # the shape the protocol cannot read
    path = write_evidence(tmp_path, "server")
    assert path == tmp_path / EVIDENCE_FILE
    evidence = read_handshake_evidence(tmp_path)
    assert evidence.versions == {0x6B3343CF}
    assert evidence.chosen_alpns == {"hq-interop"}
    assert (
        json.loads(path.read_text())["traces"][0]["vantage_point"]["name"]
        == "picoquic (derived from its qlog and output)"
    )


def test_nothing_is_claimed_without_evidence(tmp_path: Path) -> None:
    (tmp_path / "cut.server.qlog").write_text(PICOQUIC_QLOG[:300])
    assert write_evidence(tmp_path, "server") is None
    assert write_evidence(tmp_path / "missing", "client") is None
    assert not (tmp_path / EVIDENCE_FILE).exists()


def test_a_client_alpn_comes_from_what_picoquicdemo_printed(tmp_path: Path) -> None:
    (tmp_path / "qlog").mkdir()
    (tmp_path / "qlog" / "56c8.client.qlog").write_text(PICOQUIC_QLOG.replace('"alpn": "hq-interop"', '"x": 1'))
    output = tmp_path / "stdout.log"
    output.write_text("Waiting for packets.\nNegotiated ALPN: h3\nAlmost ready!\n")
    write_evidence(tmp_path / "qlog", "client", output)
    evidence = read_handshake_evidence(tmp_path / "qlog")
    assert evidence.chosen_alpns == {"h3"}
    assert evidence.versions == {0x6B3343CF}
