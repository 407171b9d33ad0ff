"""The feature table, the option table, the configuration schema and the README agree."""

from __future__ import annotations

from pathlib import Path

from panther_base_quic.option_table import table_disagreements
from panther_iut_quiche import QuicheConfig, QuicheServiceManager
from panther_iut_quiche.options import FEATURES, OPTIONS, TEST_CASES

README = Path(__file__).resolve().parents[1] / "README.md"


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


def test_the_tables_the_schema_and_the_readme_agree() -> None:
    assert table_disagreements(QuicheConfig, OPTIONS, FEATURES, README, TEST_CASES) == []
