"""Finding picoquicdemo on this host, and the message when it is not there."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from panther.services.context import ServiceContext
from panther.services.manager import ServiceManagerError
from panther_iut_picoquic import PicoquicConfig, PicoquicServiceManager


def _program(folder: Path) -> Path:
    # A real executable file: what find_binary looks for is a path that exists.
    path = folder / "picoquicdemo"
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_missing_binary_says_how_to_get_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("PANTHER_PICOQUIC_DIR", raising=False)
    with pytest.raises(ServiceManagerError) as caught:
        PicoquicServiceManager().prepare()
    message = str(caught.value)
    assert message.startswith("picoquic: picoquicdemo was not found")
    for hint in (
        "github.com/private-octopus/picoquic",
        "binary_path",
        "PANTHER_PICOQUIC_DIR",
        "PATH",
        "docker_compose",
    ):
        assert hint in message


def test_missing_binary_path_is_named(tmp_path: Path) -> None:
    config = PicoquicConfig(binary_path=str(tmp_path / "nowhere" / "picoquicdemo"))
    with pytest.raises(ServiceManagerError, match="nowhere/picoquicdemo' does not exist"):
        PicoquicServiceManager(config).prepare()


def test_binary_from_the_environment_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    program = _program(tmp_path)
    monkeypatch.setenv("PANTHER_PICOQUIC_DIR", str(tmp_path))
    manager = PicoquicServiceManager()
    manager.prepare()
    command = manager.generate_run_argv("server", cert_file="c", key_file="k", port=1)
    assert command[0] == str(program)


def test_binary_path_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    program = _program(tmp_path)
    monkeypatch.setenv("PANTHER_PICOQUIC_DIR", str(tmp_path / "elsewhere"))
    manager = PicoquicServiceManager(PicoquicConfig(binary_path=str(program)))
    manager.prepare()
    assert manager.generate_run_argv("server", cert_file="c", key_file="k", port=1)[0] == str(program)


def test_binary_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    program = _program(tmp_path)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.delenv("PANTHER_PICOQUIC_DIR", raising=False)
    manager = PicoquicServiceManager()
    manager.prepare()
    assert manager.binary == str(program)


def test_docker_environment_needs_no_local_binary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    context = ServiceContext(
        name="server",
        role="server",
        test_name="t",
        host_output_dir=tmp_path,
        output_dir=Path("/out"),
        environment="docker_compose",
    )
    manager = PicoquicServiceManager(context=context)
    manager.prepare()
    assert manager.generate_run_argv("server", cert_file="c", key_file="k", port=1)[0] == "picoquicdemo"
