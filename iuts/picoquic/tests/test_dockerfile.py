"""The Docker image: upstream sources at pinned commits, two stages, a non-root user."""

from __future__ import annotations

import re

from panther_iut_picoquic import PicoquicConfig, PicoquicServiceManager
from panther_iut_picoquic.config_schema import PICOQUIC_COMMIT, PICOTLS_COMMIT


def test_dockerfile_pins_picoquic_and_picotls() -> None:
    text = PicoquicServiceManager().generate_dockerfile_content()
    assert '"https://github.com/private-octopus/picoquic.git", "/src/picoquic"' in text
    assert f'["git", "-C", "/src/picoquic", "checkout", "--detach", "{PICOQUIC_COMMIT}"]' in text
    assert '"https://github.com/h2o/picotls.git", "/src/picotls"' in text
    assert f'["git", "-C", "/src/picotls", "checkout", "--detach", "{PICOTLS_COMMIT}"]' in text
    assert re.fullmatch(r"[0-9a-f]{40}", PICOQUIC_COMMIT) and re.fullmatch(r"[0-9a-f]{40}", PICOTLS_COMMIT)


def test_dockerfile_builds_picotls_first_then_picoquicdemo() -> None:
    text = PicoquicServiceManager().generate_dockerfile_content()
    picotls = text.index('["cmake", "--build", "/src/picotls"')
    picoquic = text.index('["cmake", "--build", "build", "--parallel", "2", "--target", "picoquicdemo"]')
    assert picotls < picoquic
    assert "-DPTLS_CORE_LIBRARY=/src/picotls/libpicotls-core.a" in text


def test_dockerfile_is_multi_stage_and_runs_as_a_user() -> None:
    text = PicoquicServiceManager().generate_dockerfile_content()
    assert re.findall(r"^FROM \S+ AS (\w+)$", text, re.MULTILINE) == ["builder", "runtime"]
    runtime = text[text.index("AS runtime") :]
    assert "COPY --from=builder /src/picoquic/build/picoquicdemo /usr/local/bin/picoquicdemo" in runtime
    assert "libssl3" in runtime
    assert re.search(r"^USER panther$", runtime, re.MULTILINE)
    assert runtime.rstrip().splitlines()[-1] == "USER panther"


def test_dockerfile_holds_no_secret() -> None:
    text = PicoquicServiceManager().generate_dockerfile_content()
    assert not re.search(r"PRIVATE KEY|password|token|SSLKEYLOGFILE|key\.pem", text, re.IGNORECASE)


def test_the_commits_can_be_overridden() -> None:
    config = PicoquicConfig(picoquic_ref="v1.1.30", picotls_ref="0123456789abcdef0123456789abcdef01234567")
    text = PicoquicServiceManager(config).generate_dockerfile_content()
    assert '"checkout", "--detach", "v1.1.30"]' in text
    assert '"checkout", "--detach", "0123456789abcdef0123456789abcdef01234567"]' in text
    assert PICOQUIC_COMMIT not in text
