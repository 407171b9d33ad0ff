"""QUIC version names, their wire values, and the error for an unknown name."""

from __future__ import annotations

import pytest
from panther.config.errors import ConfigError
from panther_base_quic.versions import QUIC_VERSIONS, quic_version_wire, version_names


@pytest.mark.parametrize(
    ("name", "wire"),
    [
        ("rfc9000", 0x00000001),
        ("v1", 0x00000001),
        ("draft29", 0xFF00001D),
        ("v2", 0x6B3343CF),
        ("rfc9369", 0x6B3343CF),
        ("RFC9000", 1),
    ],
)
def test_names_map_to_wire_values(name: str, wire: int) -> None:
    assert quic_version_wire(name) == wire


def test_no_version_means_rfc9000() -> None:
    assert quic_version_wire(None) == 1


def test_unknown_version_is_a_config_error_listing_the_known_ones() -> None:
    with pytest.raises(ConfigError) as caught:
        quic_version_wire("draft27")
    error = caught.value
    assert error.found == "'draft27'"
    assert error.path == "protocol.version"
    for name in QUIC_VERSIONS:
        assert name in str(error.expected)
    assert "unknown QUIC version 'draft27'" in str(error)


def test_wire_values_name_back() -> None:
    assert version_names(0x6B3343CF) == ["v2", "rfc9369"]
    assert version_names(0x12345678) == []


def test_an_implementation_refuses_a_version_it_lacks_as_unsupported() -> None:
    from panther.services.manager import UnsupportedFeatureError
    from panther_base_quic.versions import supported_wire_version

    assert supported_wire_version("x", {}, {1}, "v1 only") == 1
    assert supported_wire_version("x", {"quic_version_wire": 0x6B3343CF}, {1, 0x6B3343CF}, "") == 0x6B3343CF
    with pytest.raises(UnsupportedFeatureError, match=r"^x: QUIC version v2 \(0x6b3343cf\) is not supported: v1 only$"):
        supported_wire_version("x", {"quic_version": "v2", "quic_version_wire": 0x6B3343CF}, {1}, "v1 only")
