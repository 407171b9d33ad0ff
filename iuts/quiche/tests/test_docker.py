"""quiche in Docker: PANTHER's own programs (``programs: panther``, the default) built
in the Rust build stage of the image, then a transfer with quiche and aioquic, each
in a container of its own. The image is made in the preparation, before the test's
clock; a second run finds it made.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import HOW_TO_BUILD
from panther.testing import require_peer, run_pair
from panther_base_quic.testing import TRANSFER, quic_service
from panther_base_rust.cargo import find_cargo
from panther_env_docker_compose.testing import assert_tls_least_privilege, require_docker


def image_steps(run_dir: Path) -> list[tuple[str, str]]:
    events = map(json.loads, (run_dir / "events.jsonl").read_text().splitlines())
    return [
        (event["step"], event["status"])
        for event in events
        if event["event"] == "PreparationStepEvent" and event["step"].startswith("image for quiche")
    ]


@pytest.mark.parametrize(
    ("server", "client", "alpn"),
    [("quiche", "quiche", "h3"), ("quiche", "aioquic", "hq-interop"), ("aioquic", "quiche", "hq-interop")],
)
def test_transfer_in_docker(server: str, client: str, alpn: str, tmp_path: Path) -> None:
    require_docker()
    require_peer("quiche", find_cargo() is not None, HOW_TO_BUILD + " (the image is built with this host's toolchain)")
    run = run_pair(
        tmp_path,
        quic_service(server, "server", alpn),
        quic_service(client, "client", alpn),
        name=f"{server}-{client}-{alpn}",
        environment="docker_compose",
    )
    test = run.test()
    assert test.verdict == "passed", "\n".join(test.not_passed()) + run.output
    downloads = sorted(path.name for path in test.output_dir.rglob("downloads/*"))
    assert downloads == sorted(f"transfer-{size}.bin" for size in TRANSFER)
    # The quiche side ran the image's programs, not this host's.
    quiche_side = "server" if server == "quiche" else "client"
    command = (test.output_dir / quiche_side / "command.txt").read_text()
    assert f"panther-quiche-{quiche_side}" in command and str(Path.home()) not in command
    # The client's container holds the CA certificate, never the server's private key.
    assert_tls_least_privilege(test.output_dir, server=None)


def test_a_second_run_reuses_the_image(tmp_path: Path) -> None:
    require_docker()
    require_peer("quiche", find_cargo() is not None, HOW_TO_BUILD)
    pair = (quic_service("quiche", "server", "h3"), quic_service("quiche", "client", "h3"))
    first = run_pair(tmp_path / "first", *pair, environment="docker_compose")
    assert first.test().verdict == "passed", "\n".join(first.test().not_passed())
    second = run_pair(tmp_path / "second", *pair, environment="docker_compose")
    assert second.test().verdict == "passed", "\n".join(second.test().not_passed())
    # Made (or found made by an earlier test) before the first run; never built again.
    assert image_steps(second.output_dir) == []
