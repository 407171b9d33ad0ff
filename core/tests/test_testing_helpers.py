"""The helpers plugin authors test with: real UDP peers and the peer requirement."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from panther.testing import UdpResponder, peer_required, private_keys_in, require_peer, run_panther, silent_udp_port
from runner_support import echo_test


def _ask(port: int, payload: bytes) -> bytes | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(0.5)
        sock.sendto(payload, ("127.0.0.1", port))
        try:
            return sock.recv(100)
        except TimeoutError:
            return None


def test_responder_answers_and_records_and_may_stay_silent() -> None:
    with UdpResponder(lambda data: data.upper() if data != b"mute" else None) as responder:
        assert _ask(responder.port, b"ping") == b"PING"
        assert _ask(responder.port, b"mute") is None
        assert responder.received == [b"ping", b"mute"]


def test_a_silent_port_never_answers() -> None:
    with silent_udp_port() as port:
        assert _ask(port, b"anyone?") is None


def test_a_missing_peer_skips_unless_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PANTHER_REQUIRE_PEERS", raising=False)
    with pytest.raises(pytest.skip.Exception, match="peer 'x' is not available: get it"):
        require_peer("x", False, "get it")
    monkeypatch.setenv("PANTHER_REQUIRE_PEERS", "a, X")
    assert peer_required("x") and not peer_required("y")
    with pytest.raises(pytest.fail.Exception, match="required by PANTHER_REQUIRE_PEERS"):
        require_peer("x", False, "get it")
    monkeypatch.setenv("PANTHER_REQUIRE_PEERS", "1")
    assert peer_required("anything")
    require_peer("x", True, "get it")  # present: nothing happens


def test_private_keys_are_found_by_content_whatever_their_names(tmp_path: Path) -> None:
    (tmp_path / "tls").mkdir()
    (tmp_path / "tls" / "ca.pem").write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    assert private_keys_in(tmp_path) == []
    hidden = tmp_path / "notes.txt"
    hidden.write_text("-----BEGIN EC PRIVATE KEY-----\nMHcC\n-----END EC PRIVATE KEY-----\n")
    assert private_keys_in(tmp_path) == [hidden]


def test_run_panther_makes_the_folder_it_is_given(tmp_path: Path) -> None:
    folder = tmp_path / "not" / "there" / "yet"
    run = run_panther("tests:\n" + echo_test("made"), folder)
    assert run.exit_code == 0, run.output
    assert run.test("made").verdict == "passed"
    assert (folder / "experiment.yaml").is_file() and run.output_dir.parent == folder / "out"
