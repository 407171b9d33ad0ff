"""The feature table, the option table, the configuration schema and the README agree."""

from __future__ import annotations

from pathlib import Path

from panther_base_quic.option_table import table_disagreements
from panther_iut_picoquic import PicoquicConfig, PicoquicServiceManager
from panther_iut_picoquic.options import FEATURES, OPTIONS, TEST_CASES

README = Path(__file__).resolve().parents[1] / "README.md"


def test_supported_features_come_from_the_feature_table() -> None:
    features = PicoquicServiceManager().get_supported_features()
    assert features == {name: feature.supported for name, feature in FEATURES.items()}
    assert {name for name, supported in features.items() if not supported} == {
        "connection_migration",
        "multipath",
        "bind_address",
        "handshake_timeout",
        "early_data_off_when_resuming",
        "server_early_data_off",
    }


def test_the_tables_the_schema_and_the_readme_agree() -> None:
    assert table_disagreements(PicoquicConfig, OPTIONS, FEATURES, README, TEST_CASES) == []
