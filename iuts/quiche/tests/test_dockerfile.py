"""The Docker images: PANTHER's own programs built in a Rust build stage with the
host's toolchain (the default), or quiche's apps at a pinned tag; two stages, a
non-root user."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from panther_base_rust.cargo import build_key
from panther_iut_quiche import QuicheConfig, QuicheServiceManager
from panther_iut_quiche.config_schema import QUICHE_TAG
from panther_iut_quiche.programs import PROJECT


def upstream(**keys: str) -> QuicheServiceManager:
    return QuicheServiceManager(QuicheConfig(programs="upstream", **keys))  # type: ignore[arg-type]


def test_own_programs_build_in_a_rust_stage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PANTHER_CACHE_DIR", str(tmp_path))
    text = QuicheServiceManager().generate_dockerfile_content()
    target = tmp_path / "rust" / "panther-quiche" / "target"
    assert "ARG PANTHER_BUILDER_IMAGE=debian:bookworm" in text
    assert 'RUN ["cargo", "build", "--release", "--features", "qlog", "--locked", "--offline"]' in text
    assert re.search(r"apt-get install -y --no-install-recommends .*\bcmake\b.*\bg\+\+.*\blibclang-dev\b", text)
    runtime = text[text.index("AS runtime") :]
    for binary in ("panther-quiche-server", "panther-quiche-client"):
        assert f"COPY --from=builder {target}/release/{binary} /usr/local/bin/{binary}" in runtime
    assert runtime.rstrip().splitlines()[-1] == "USER panther"
    assert "git clone" not in text and "github.com" not in text


def test_own_programs_image_changes_with_the_sources(tmp_path: Path) -> None:
    text = QuicheServiceManager().generate_dockerfile_content()
    assert f"# Sources: panther-quiche {build_key(PROJECT, ['qlog'])}" in text
    # Another feature set is another build, so another image.
    assert build_key(PROJECT, ["qlog"]) != build_key(PROJECT, [])


def test_dockerfile_pins_quiche() -> None:
    text = upstream().generate_dockerfile_content()
    assert '"https://github.com/cloudflare/quiche.git", "/src/quiche"' in text
    assert f'["git", "-C", "/src/quiche", "checkout", "--detach", "{QUICHE_TAG}"]' in text
    assert QUICHE_TAG == "0.29.3"


def test_dockerfile_builds_the_apps_with_cargo() -> None:
    text = upstream().generate_dockerfile_content()
    assert "ARG PANTHER_BUILDER_IMAGE=rust:1.88-bookworm" in text
    assert 'RUN ["cargo", "build", "--release", "--features", "qlog", "--manifest-path", "apps/Cargo.toml"]' in text
    assert re.search(r"apt-get install -y --no-install-recommends .*\bcmake\b.*\bclang\b", text)


def test_dockerfile_is_multi_stage_and_runs_as_a_user() -> None:
    text = upstream().generate_dockerfile_content()
    assert re.findall(r"^FROM \S+ AS (\w+)$", text, re.MULTILINE) == ["builder", "runtime"]
    runtime = text[text.index("AS runtime") :]
    for binary in ("quiche-server", "quiche-client"):
        assert f"COPY --from=builder /src/quiche/target/release/{binary} /usr/local/bin/{binary}" in runtime
    assert runtime.rstrip().splitlines()[-1] == "USER panther"


@pytest.mark.parametrize("manager", [QuicheServiceManager(), upstream()])
def test_dockerfile_holds_no_secret(manager: QuicheServiceManager) -> None:
    text = manager.generate_dockerfile_content()
    assert not re.search(r"PRIVATE KEY|password|token|SSLKEYLOGFILE|key\.pem", text, re.IGNORECASE)


def test_the_tag_can_be_overridden() -> None:
    text = upstream(quiche_ref="0.24.0").generate_dockerfile_content()
    assert '"checkout", "--detach", "0.24.0"]' in text
    assert QUICHE_TAG not in text
