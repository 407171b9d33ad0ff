"""The feature tables, the option table, the configuration schema and the README agree."""

from __future__ import annotations

from pathlib import Path

from panther_base_quic.option_table import table_disagreements
from panther_iut_quiche import QuicheConfig, QuicheServiceManager
from panther_iut_quiche.options import FEATURES, OPTIONS, TEST_CASES, UPSTREAM_FEATURES, UPSTREAM_TEST_CASES

README = Path(__file__).resolve().parents[1] / "README.md"
NEVER = {"connection_migration", "multipath", "draft29", "v2"}


def test_own_programs_features_come_from_their_table() -> None:
    features = QuicheServiceManager().get_supported_features()
    assert features == {name: feature.supported for name, feature in FEATURES.items()}
    assert {name for name, supported in features.items() if not supported} == NEVER


def test_upstream_features_come_from_theirs() -> None:
    features = QuicheServiceManager(QuicheConfig(programs="upstream")).get_supported_features()
    assert features == {name: feature.supported for name, feature in UPSTREAM_FEATURES.items()}
    assert {name for name, supported in features.items() if not supported} == NEVER | {"handshake_timeout"}


def test_the_tables_the_schema_and_the_readme_agree() -> None:
    assert table_disagreements(QuicheConfig, OPTIONS, FEATURES, README, TEST_CASES) == []
    assert table_disagreements(QuicheConfig, OPTIONS, UPSTREAM_FEATURES, README, UPSTREAM_TEST_CASES) == []


def test_each_kind_of_programs_does_the_cases_its_own_way() -> None:
    own, apps = QuicheServiceManager(), QuicheServiceManager(QuicheConfig(programs="upstream"))
    assert own.case_support() is TEST_CASES and apps.case_support() is UPSTREAM_TEST_CASES
    assert TEST_CASES["resumption"].client_runs == 1 and UPSTREAM_TEST_CASES["resumption"].client_runs == 2
