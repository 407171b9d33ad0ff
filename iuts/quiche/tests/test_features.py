"""The feature table, the option table, the configuration schema and the README agree."""

from __future__ import annotations

from pathlib import Path

import msgspec
from panther_base_quic import QUIC_FEATURES
from panther_iut_quiche import QuicheConfig, QuicheServiceManager
from panther_iut_quiche.options import FEATURES, OPTION_KEYS, OPTIONS

README = Path(__file__).resolve().parents[1] / "README.md"
PROTOCOL_ARGUMENTS = {
    "www_dir",
    "urls",
    "download_dir",
    "alpn",
    "quic_version",
    "verify_peer",
    "qlog_dir",
    "keylog_file",
}


def test_supported_features_come_from_the_feature_table() -> None:
    features = QuicheServiceManager().get_supported_features()
    assert features == {name: feature.supported for name, feature in FEATURES.items()}
    assert {name for name, supported in features.items() if not supported} == {
        "connection_migration",
        "multipath",
        "draft29",
        "v2",
        "handshake_timeout",
    }


def test_every_guide_feature_is_answered() -> None:
    assert set(QUIC_FEATURES) <= set(FEATURES)


def test_every_configuration_key_is_in_the_option_table() -> None:
    config_keys = {field.name for field in msgspec.structs.fields(QuicheConfig)} - {"name", "type"}
    assert config_keys == {option.key for option in OPTIONS if option.source == "implementation"}
    assert {option.key for option in OPTIONS if option.source == "protocol"} == PROTOCOL_ARGUMENTS


def test_every_option_either_maps_to_a_flag_or_says_why_not() -> None:
    for option in OPTIONS:
        assert option.server or option.client or option.note, option.key


def test_readme_documents_every_key_and_feature() -> None:
    text = README.read_text()
    missing = [key for key in sorted(OPTION_KEYS) if f"`{key}`" not in text]
    missing += [name for name in sorted(FEATURES) if f"`{name}`" not in text]
    assert not missing, f"README.md does not mention {missing}"
