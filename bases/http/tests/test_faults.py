"""Each check of the HTTP base fails on the fault it exists for, with real programs:
a faulty server (a test plugin: Python's HTTP server with one fault) and the HTTPX client."""

from __future__ import annotations

from pathlib import Path

from panther_base_http.testing import run_http_pair


def _failed(tmp_path: Path, fault: str, version: str) -> dict[str, dict[str, object]]:
    run = run_http_pair(tmp_path, "faulty_http", "httpx", version, tls=True, fault=fault)
    test = run.test()
    assert test.verdict == "failed" and run.exit_code == 1, run.output
    return {name: check for name, check in test.checks.items() if check["status"] == "failed"}


def test_a_server_answering_404_fails_the_status_checks(tmp_path: Path) -> None:
    failed = _failed(tmp_path, "not_found", "http/1.1")
    client_status = failed["client HTTP status"]
    assert "3 of 3 response(s) had status 404" in str(client_status["reason"])
    assert str(client_status["evidence"][0]).endswith("client/exchanges.jsonl")  # type: ignore[index]
    assert "had status 404" in str(failed["server HTTP status"]["reason"])
    # The 404 page was downloaded in the files' place: the content check fails too.
    assert "client received transfer-1024.bin" in failed
    assert "client exit" not in failed and "client HTTP version" not in failed


def test_a_server_serving_truncated_files_fails_the_content_checks(tmp_path: Path) -> None:
    failed = _failed(tmp_path, "truncated", "http/1.1")
    check = failed["client received transfer-65536.bin"]
    assert check["reason"] == "transfer-65536.bin is truncated: expected 65536 bytes, received 32768 bytes"
    assert str(check["evidence"][0]).endswith("client/downloads/transfer-65536.bin")  # type: ignore[index]
    assert set(failed) == {f"client received transfer-{size}.bin" for size in (1024, 65536, 1048576)}


def test_a_server_speaking_only_http1_when_h2_was_asked_fails_the_version_checks(tmp_path: Path) -> None:
    failed = _failed(tmp_path, "http1_only", "h2")
    assert set(failed) == {"client HTTP version", "server HTTP version"}
    assert "expected h2, 3 of 3 exchange(s) used http/1.1" in str(failed["client HTTP version"]["reason"])
    assert str(failed["server HTTP version"]["evidence"][0]).endswith("server/exchanges.jsonl")  # type: ignore[index]
