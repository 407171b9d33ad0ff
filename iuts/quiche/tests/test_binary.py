"""Finding quiche-server and quiche-client on this host, and the message when they are not there."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from panther.services.context import ServiceContext
from panther.services.manager import ServiceManagerError
from panther_iut_quiche import QuicheConfig, QuicheServiceManager


def _programs(folder: Path) -> Path:
    # Real executable files: what the lookup checks is that the path is a file.
    for name in ("quiche-server", "quiche-client"):
        path = folder / name
        path.write_text("#!/bin/sh\nexit 0\n")
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return folder


def _manager(
    role: str, tmp_path: Path, config: QuicheConfig | None = None, environment: str = "local"
) -> QuicheServiceManager:
    context = ServiceContext(
        name=role, role=role, test_name="t", host_output_dir=tmp_path, output_dir=tmp_path, environment=environment
    )
    return QuicheServiceManager(config, context=context)


def test_missing_binary_says_how_to_get_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("PANTHER_QUICHE_DIR", raising=False)
    with pytest.raises(ServiceManagerError) as caught:
        _manager("client", tmp_path).prepare()
    message = str(caught.value)
    assert message.startswith("quiche: quiche-client was not found")
    for hint in ("github.com/cloudflare/quiche", "apps/Cargo.toml", "binary_path", "PANTHER_QUICHE_DIR", "PATH"):
        assert hint in message


def test_missing_binary_path_is_named(tmp_path: Path) -> None:
    config = QuicheConfig(binary_path=str(tmp_path / "nowhere" / "quiche-client"))
    with pytest.raises(ServiceManagerError, match="nowhere/quiche-server does not exist"):
        _manager("server", tmp_path, config).prepare()


def test_binaries_from_the_environment_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _programs(tmp_path)
    monkeypatch.setenv("PANTHER_QUICHE_DIR", str(folder))
    server, client = _manager("server", tmp_path), _manager("client", tmp_path)
    server.prepare()
    client.prepare()
    assert server.binary == str(folder / "quiche-server")
    assert client.binary == str(folder / "quiche-client")


def test_binary_path_names_one_program_and_finds_its_sibling(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _programs(tmp_path)
    monkeypatch.delenv("PANTHER_QUICHE_DIR", raising=False)
    client = _manager("client", tmp_path, QuicheConfig(binary_path=str(folder / "quiche-server")))
    client.prepare()
    assert client.generate_run_argv("client", host="127.0.0.1", port=1, verify_peer=False)[0] == str(
        folder / "quiche-client"
    )


def test_docker_environment_needs_no_local_binary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    manager = _manager("server", tmp_path, environment="docker_compose")
    manager.prepare()
    assert manager.generate_run_argv("server", cert_file="c", key_file="k", port=1)[0] == "quiche-server"
