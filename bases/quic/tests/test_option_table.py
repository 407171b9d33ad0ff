"""The option/feature table check catches each way a plugin's documentation can drift."""

from __future__ import annotations

from pathlib import Path

from panther_base_quic import QUIC_FEATURES, QUICConfig
from panther_base_quic.option_table import (
    PROTOCOL_ARGUMENTS,
    Feature,
    Option,
    capabilities,
    supported_features,
    table_disagreements,
)


class TableConfig(QUICConfig, kw_only=True):
    pass


def _config_keys() -> list[str]:
    import msgspec

    return [field.name for field in msgspec.structs.fields(TableConfig) if field.name not in ("name", "type")]


def _agreeing(tmp_path: Path) -> tuple[list[Option], dict[str, Feature], Path]:
    options = [Option(key, "implementation", f"--{key}", None) for key in _config_keys()]
    options += [Option(key, "protocol", None, f"--{key}") for key in sorted(PROTOCOL_ARGUMENTS)]
    features = {name: Feature(name != "multipath", "how") for name in QUIC_FEATURES}
    readme = tmp_path / "README.md"
    readme.write_text(" ".join(f"`{name}`" for name in [*(o.key for o in options), *features]))
    return options, features, readme


def test_agreeing_tables_have_no_disagreement(tmp_path: Path) -> None:
    options, features, readme = _agreeing(tmp_path)
    assert table_disagreements(TableConfig, options, features, readme) == []
    assert supported_features(features)["multipath"] is False
    assert "multipath" not in capabilities(features) and capabilities(features) == sorted(capabilities(features))


def test_each_kind_of_drift_is_named(tmp_path: Path) -> None:
    options, features, readme = _agreeing(tmp_path)
    dropped = options[0].key
    options = [*options[1:], Option("ghost", "implementation", "--ghost", None), Option("mute", "protocol", None, None)]
    del features["0rtt"]
    readme.write_text(readme.read_text().replace("`keylog_file`", ""))
    problems = table_disagreements(TableConfig, options, features, readme)
    assert f"config keys not in the option table: ['{dropped}']" in problems
    assert "option table keys not in the config: ['ghost']" in problems
    assert "protocol arguments differ: ['mute']" in problems
    assert "mute: neither an option nor a note" in problems
    assert "guide feature '0rtt' not answered" in problems
    assert "README.md does not mention `keylog_file`" in problems
