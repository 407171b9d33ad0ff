"""The Docker image: quiche at a pinned tag, its apps built by cargo, two stages, a non-root user."""

from __future__ import annotations

import re

from panther_iut_quiche import QuicheConfig, QuicheServiceManager
from panther_iut_quiche.config_schema import QUICHE_TAG


def test_dockerfile_pins_quiche() -> None:
    text = QuicheServiceManager().generate_dockerfile_content()
    assert '"https://github.com/cloudflare/quiche.git", "/src/quiche"' in text
    assert f'["git", "-C", "/src/quiche", "checkout", "--detach", "{QUICHE_TAG}"]' in text
    assert QUICHE_TAG == "0.29.3"


def test_dockerfile_builds_the_apps_with_cargo() -> None:
    text = QuicheServiceManager().generate_dockerfile_content()
    assert "ARG PANTHER_BUILDER_IMAGE=rust:1.88-bookworm" in text
    assert 'RUN ["cargo", "build", "--release", "--features", "qlog", "--manifest-path", "apps/Cargo.toml"]' in text
    assert re.search(r"apt-get install -y --no-install-recommends .*\bcmake\b.*\bclang\b", text)


def test_dockerfile_is_multi_stage_and_runs_as_a_user() -> None:
    text = QuicheServiceManager().generate_dockerfile_content()
    assert re.findall(r"^FROM \S+ AS (\w+)$", text, re.MULTILINE) == ["builder", "runtime"]
    runtime = text[text.index("AS runtime") :]
    for binary in ("quiche-server", "quiche-client"):
        assert f"COPY --from=builder /src/quiche/target/release/{binary} /usr/local/bin/{binary}" in runtime
    assert runtime.rstrip().splitlines()[-1] == "USER panther"


def test_dockerfile_holds_no_secret() -> None:
    text = QuicheServiceManager().generate_dockerfile_content()
    assert not re.search(r"PRIVATE KEY|password|token|SSLKEYLOGFILE|key\.pem", text, re.IGNORECASE)


def test_the_tag_can_be_overridden() -> None:
    text = QuicheServiceManager(QuicheConfig(quiche_ref="0.24.0")).generate_dockerfile_content()
    assert '"checkout", "--detach", "0.24.0"]' in text
    assert QUICHE_TAG not in text
