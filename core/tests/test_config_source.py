"""Files that are not YAML text at all: missing, a folder, too large, binary, badly encoded.

These are made in a temporary folder rather than committed (a 10 MB file, raw bytes).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from panther.config.errors import ConfigError
from panther.config.loader import load_experiment, load_experiment_text
from panther.config.yaml_source import MAX_DEPTH, MAX_FILE_BYTES, read_source
from panther.plugins.registry import PluginRegistry

MINIMAL = """\
tests:
  - name: t
    services:
      server:
        implementation: {name: your_implementation}
        protocol: {name: quic, role: server}
"""


@pytest.fixture(scope="module")
def registry() -> PluginRegistry:
    return PluginRegistry.discover()


def _error(path: Path, registry: PluginRegistry) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_experiment(path, registry)
    assert caught.value.file == path
    return caught.value


def test_missing_file(tmp_path: Path, registry: PluginRegistry) -> None:
    error = _error(tmp_path / "absent.yaml", registry)
    assert error.message == "no such file"
    assert str(error).startswith(f"{tmp_path / 'absent.yaml'}: no such file")


def test_directory(tmp_path: Path, registry: PluginRegistry) -> None:
    error = _error(tmp_path, registry)
    assert error.message == "is a directory, not an experiment file"


def test_unreadable_file(tmp_path: Path, registry: PluginRegistry) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads every file: an unreadable file cannot be made")
    path = tmp_path / "secret.yaml"
    path.write_text(MINIMAL)
    path.chmod(0)
    assert _error(path, registry).message == "cannot be read: permission denied"


def test_file_over_the_size_limit_is_refused_with_its_size(tmp_path: Path, registry: PluginRegistry) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("w") as stream:
        stream.write(MINIMAL)
        stream.write("# padding\n" * ((MAX_FILE_BYTES // 10) + 1))
    size = path.stat().st_size
    error = _error(path, registry)
    assert error.message == "is too large to be an experiment file"
    assert error.expected == "at most 10 MB (10485760 bytes)"
    assert error.found == f"{size / (1024 * 1024):.1f} MB ({size} bytes)"


def test_file_at_the_size_limit_loads(tmp_path: Path, registry: PluginRegistry) -> None:
    path = tmp_path / "large.yaml"
    padding = MAX_FILE_BYTES - len(MINIMAL.encode())
    path.write_text(MINIMAL + "#" * (padding - 1) + "\n")
    assert path.stat().st_size == MAX_FILE_BYTES
    assert load_experiment(path, registry).tests[0].name == "t"


def test_binary_junk(tmp_path: Path, registry: PluginRegistry) -> None:
    path = tmp_path / "junk.yaml"
    path.write_bytes(b"tests:\n" + bytes(range(256)) * 4)
    error = _error(path, registry)
    assert error.message == "is not a text file: it contains NUL bytes (binary data?)"
    assert error.line == 2


def test_invalid_utf8(tmp_path: Path, registry: PluginRegistry) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(MINIMAL.replace("name: t", "name: caf\xe9").encode("latin-1"))
    error = _error(path, registry)
    assert error.message == "is not valid UTF-8 text: byte 0xe9 at column 14 cannot be decoded"
    assert error.line == 2


def test_control_character(tmp_path: Path, registry: PluginRegistry) -> None:
    path = tmp_path / "bell.yaml"
    path.write_text(MINIMAL.replace("name: t", "name: t\x07"))
    error = _error(path, registry)
    assert error.message.startswith("invalid YAML")
    assert "U+0007" in error.message or "#x0007" in error.message
    assert error.line == 2


def test_empty_file(tmp_path: Path, registry: PluginRegistry) -> None:
    path = tmp_path / "empty.yaml"
    path.write_bytes(b"")
    error = _error(path, registry)
    assert error.message == "the file is empty (no YAML document)"
    assert error.found == "nothing"


def test_byte_order_mark_is_accepted(tmp_path: Path, registry: PluginRegistry) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + MINIMAL.encode())
    assert load_experiment(path, registry).tests[0].services["server"].protocol.role == "server"


def test_deep_nesting_is_bounded(registry: PluginRegistry) -> None:
    nested = "x: " + "[" * 5000 + "]" * 5000 + "\n"
    with pytest.raises(ConfigError) as caught:
        load_experiment_text(MINIMAL + nested, Path("deep.yaml"), registry)
    # libyaml refuses it while scanning, the pure-Python parser while composing: both say so.
    assert "nest" in caught.value.message
    assert caught.value.file == Path("deep.yaml")


def test_nesting_limit_counts_levels(registry: PluginRegistry) -> None:
    nested = "x: " + "[" * (MAX_DEPTH + 2) + "]" * (MAX_DEPTH + 2) + "\n"
    with pytest.raises(ConfigError) as caught:
        load_experiment_text(MINIMAL + nested, Path("deep.yaml"), registry)
    assert caught.value.message == "the document is nested too deeply (a YAML alias referring to itself?)"
    assert caught.value.path == "x"
    assert caught.value.line == 7


def test_read_source_gives_text(tmp_path: Path) -> None:
    path = tmp_path / "ok.yaml"
    path.write_text("tests: []\n# é\n", encoding="utf-8")
    assert read_source(path) == "tests: []\n# é\n"


@pytest.mark.parametrize("kind", ["junk", "huge", "directory"])
def test_cli_validate_reports_unreadable_input(tmp_path: Path, kind: str) -> None:
    pytest.importorskip("panther.cli.app", reason="the CLI is not part of this build yet")
    path = tmp_path / f"{kind}.yaml"
    if kind == "junk":
        path.write_bytes(bytes(range(256)))
        message = "is not a text file"
    elif kind == "huge":
        path.write_bytes(b"#" * (MAX_FILE_BYTES + 1))
        message = "is too large to be an experiment file"
    else:
        path.mkdir()
        # The CLI may refuse a folder before the loader sees it; either way it names the path.
        message = f"{path}:"
    result = subprocess.run(
        [sys.executable, "-m", "panther", "validate", str(path)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
