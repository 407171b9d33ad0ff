"""Finding or building the programs on this host, and the messages when that fails."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from panther.services.context import ServiceContext
from panther.services.manager import ServiceManagerError
from panther_iut_quiche import QuicheConfig, QuicheServiceManager

UPSTREAM = ("quiche-server", "quiche-client")
OWN = ("panther-quiche-server", "panther-quiche-client")


def _programs(folder: Path, names: tuple[str, ...]) -> Path:
    # Real executable files: what the lookup checks is that the path is a file.
    for name in names:
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


def test_missing_upstream_binary_says_how_to_get_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("PANTHER_QUICHE_DIR", raising=False)
    with pytest.raises(ServiceManagerError) as caught:
        _manager("client", tmp_path, QuicheConfig(programs="upstream")).prepare()
    message = str(caught.value)
    assert message.startswith("quiche: quiche-client was not found")
    for hint in ("github.com/cloudflare/quiche", "apps/Cargo.toml", "binary_path", "PANTHER_QUICHE_DIR", "PATH"):
        assert hint in message
    assert "programs: at its default, panther" in message


def test_missing_binary_path_is_named(tmp_path: Path) -> None:
    config = QuicheConfig(programs="upstream", binary_path=str(tmp_path / "nowhere" / "quiche-client"))
    with pytest.raises(ServiceManagerError, match="nowhere/quiche-server does not exist"):
        _manager("server", tmp_path, config).prepare()


def test_upstream_binaries_from_the_environment_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _programs(tmp_path, UPSTREAM)
    monkeypatch.setenv("PANTHER_QUICHE_DIR", str(folder))
    config = QuicheConfig(programs="upstream")
    server, client = _manager("server", tmp_path, config), _manager("client", tmp_path, config)
    server.prepare()
    client.prepare()
    assert server.binary == str(folder / "quiche-server")
    assert client.binary == str(folder / "quiche-client")


def test_binary_path_names_one_program_and_finds_its_sibling(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _programs(tmp_path, UPSTREAM)
    monkeypatch.delenv("PANTHER_QUICHE_DIR", raising=False)
    client = _manager("client", tmp_path, QuicheConfig(programs="upstream", binary_path=str(folder / "quiche-server")))
    client.prepare()
    assert client.generate_run_argv("client", host="127.0.0.1", port=1, verify_peer=False)[0] == str(
        folder / "quiche-client"
    )


def test_own_programs_from_binary_path_are_not_built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _programs(tmp_path, OWN)
    monkeypatch.setenv("PATH", str(tmp_path / "no-cargo-here"))
    monkeypatch.setenv("HOME", str(tmp_path))
    server = _manager("server", tmp_path, QuicheConfig(binary_path=str(folder)))
    server.prepare()
    assert server.cargo_build is None
    assert server.generate_run_argv("server", cert_file="c", key_file="k", port=1)[0] == str(
        folder / "panther-quiche-server"
    )


def test_own_programs_without_cargo_say_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PANTHER_CACHE_DIR", str(tmp_path / "empty-cache"))
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("CARGO_HOME", raising=False)
    with pytest.raises(ServiceManagerError) as caught:
        _manager("server", tmp_path).prepare()
    message = str(caught.value)
    assert message.startswith("quiche: cargo is not installed: building panther-quiche-server, panther-quiche-client")
    for hint in ("Rust 1.88 or newer", "cmake", "libclang", "https://rustup.rs"):
        assert hint in message


@pytest.mark.parametrize("programs", ["panther", "upstream"])
def test_docker_environment_needs_nothing_on_this_host(
    programs: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path))
    manager = _manager("server", tmp_path, QuicheConfig(programs=programs), environment="docker_compose")  # type: ignore[arg-type]
    manager.prepare()
    expected = "panther-quiche-server" if programs == "panther" else "quiche-server"
    assert manager.generate_run_argv("server", cert_file="c", key_file="k", port=1)[0] == expected
