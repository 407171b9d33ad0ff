"""The ``path:`` block: what each key means per direction, and every mistake reported with
its file, line, what was expected and what was found, before anything runs."""

from __future__ import annotations

import pytest
from panther.config.errors import ConfigError
from panther.netpath.config import Impairments, PathConfig
from runner_support import load

SERVICES = (
    "    services:\n"
    "      s: {implementation: {name: demo_echo}, protocol: {name: demo, role: server, transport: udp}}\n"
    "      c: {implementation: {name: demo_echo}, protocol: {name: demo, role: client, target: s, transport: udp}}\n"
)


def _text(path: str, host: str = "127.0.0.1") -> str:
    return (
        "tests:\n  - name: t\n    timeout: 20\n    network_environment:\n      type: local\n"
        f"      host: {host!r}\n      path:\n" + "".join(f"        {line}\n" for line in path.splitlines()) + SERVICES
    )


@pytest.mark.parametrize(
    ("path", "line", "where", "expected", "found"),
    [
        ("loss: 1.5", 8, "path.loss", "a number <= 1.0", "1.5"),
        ("to_server: {corrupt: -0.1}", 8, "path.to_server.corrupt", "a number >= 0.0", "-0.1"),
        ("delay_ms: -1", 8, "path.delay_ms", "a number >= 0.0", "-1"),
        ("rate_mbit: 0", 8, "path.rate_mbit", "a number > 0.0", "0"),
        ("queue_datagrams: 0", 8, "path.queue_datagrams", "an integer >= 1", "0"),
        ("loss_burst: 0.5", 8, "path.loss_burst", "a number >= 1.0", "0.5"),
        ("delay_ms: 5\nto_client: {jitter_ms: 8}", 9, "path.to_client.jitter_ms", "jitter_ms <= delay_ms", "8"),
        ("loss: 0.8\nloss_burst: 2", 9, "path.loss_burst", "loss_burst >= 4", "2"),
        ("blackholes:\n  - {start: 15, duration: 10}", 9, "path.blackholes[0]", "start + duration <= 20", "= 25"),
        ("blackholes: [{start: 1, duration: 0}]", 8, "path.blackholes[0].duration", "a number > 0.0", "0"),
        ("rebind:\n  - {at: 20}", 9, "path.rebind[0].at", "at < 20", "20"),
        ("rebind: [{at: 1, change: mac}]", 8, "path.rebind[0].change", "one of port, address", '"mac"'),
        ("lose: 0.1", 8, "path.lose", "one of the keys", "`lose`"),
        ("seed: -1", 8, "path.seed", "an integer >= 0", "-1"),
    ],
)
def test_a_mistake_names_the_file_line_expected_and_found(tmp_path, path, line, where, expected, found):
    with pytest.raises(ConfigError) as caught:
        load(_text(path), tmp_path)
    error = caught.value
    assert error.file == tmp_path / "experiment.yaml" and error.line == line, str(error)
    assert error.path == f"tests[0].network_environment.{where}", str(error)
    assert expected in (error.expected or ""), str(error)
    assert found in (error.found or ""), str(error)


def test_address_rebinding_needs_ipv4_on_local(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load(_text("rebind: [{at: 1, change: address}]", host="::1"), tmp_path)
    assert "IPv4" in str(caught.value) and caught.value.line is not None


def test_keys_apply_to_both_directions_and_a_direction_block_overrides_them():
    path = PathConfig(delay_ms=15.0, loss=0.1, rate_mbit=10.0)
    path.to_client = msgspec_convert({"loss": 0.0, "rate_mbit": None})
    assert path.impairments("to_server") == Impairments(delay_ms=15.0, loss=0.1, rate_mbit=10.0)
    assert path.impairments("to_client") == Impairments(delay_ms=15.0, loss=0.0, rate_mbit=None)
    assert PathConfig().perfect and not path.perfect


def test_an_empty_path_is_a_perfect_path_that_records(tmp_path):
    experiment = load(_text("{}"), tmp_path)
    config = experiment.tests[0].network_environment_config
    assert isinstance(config.path, PathConfig) and config.path.perfect


def msgspec_convert(block: dict) -> object:
    import msgspec
    from panther.netpath.config import DirectionConfig

    return msgspec.convert(block, DirectionConfig)
