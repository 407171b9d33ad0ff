"""What the plugin refuses, for both kinds of programs: a user's mistake is an error
naming the key, something quiche cannot do is ``unsupported``, and no value reaches
a shell unquoted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from panther.services.context import ServiceContext
from panther.services.manager import ServiceManagerError, UnsupportedFeatureError
from panther_iut_quiche import QuicheConfig, QuicheServiceManager

SERVER = {"cert_file": "/t/cert.pem", "key_file": "/t/key.pem", "host": "127.0.0.1", "port": 4443}
CLIENT = {"host": "127.0.0.1", "port": 4443, "ca_file": "/t/ca.pem"}
BOTH = ("panther", "upstream")


def argv(programs: str, role: str, keys: dict[str, Any], **kwargs: Any) -> list[str]:
    config = QuicheConfig(programs=programs, **keys)  # type: ignore[arg-type]
    context = ServiceContext(name=role, role=role, test_name="t", host_output_dir=Path("/o"), output_dir=Path("/o"))
    return QuicheServiceManager(config, context=context).generate_run_argv(role=role, **kwargs)


MISTAKES = [
    (BOTH, "server", {"host": "127.0.0.1", "port": 4443}, {}, "needs cert_file and key_file"),
    (BOTH, "server", SERVER, {"session_file": "/s"}, "session_file is a client option"),
    (("panther",), "server", SERVER, {"resumption": True}, "resumption is a client option"),
    (BOTH, "client", CLIENT, {"retry": True}, "retry is a server option"),
    (BOTH, "client", CLIENT, {"max_streams_bidi": 50}, "max_streams_bidi is a server option"),
    (BOTH, "client", {"host": "127.0.0.1", "port": 4443}, {}, "needs ca_file"),
    (("panther",), "client", CLIENT, {"early_data": True}, "early_data needs a session to resume"),
    (("upstream",), "client", CLIENT, {"early_data": True}, "early_data needs session_file"),
    (BOTH, "client", {**CLIENT, "urls": ["https://10.0.0.9:4443/a"]}, {}, "connects to one server"),
    (BOTH, "client", {**CLIENT, "alpn": "h3"}, {"http_version": "HTTP/0.9"}, "contradicts the test's ALPN"),
    (BOTH, "peer", SERVER, {}, "not as a peer"),
]

UNSUPPORTED = [
    (BOTH, "client", {**CLIENT, "quic_version": "v2"}, {}, "QUIC v1 only"),
    (BOTH, "client", {**CLIENT, "quic_version": "draft29"}, {}, "QUIC v1 only"),
    (BOTH, "client", {**CLIENT, "alpn": "doq"}, {}, "ALPN 'doq' is not supported"),
    (BOTH, "server", {**SERVER, "alpn": "doq"}, {}, "ALPN 'doq' is not supported"),
    (("upstream",), "client", CLIENT, {"handshake_timeout": 3.0}, "no handshake timeout"),
    (("upstream",), "server", SERVER, {"handshake_timeout": 3.0}, "no handshake timeout"),
    (("upstream",), "client", CLIENT, {"resumption": True}, "resumption is not supported by quiche's apps"),
]


def _expand(table: list[tuple[tuple[str, ...], str, dict[str, Any], dict[str, Any], str]]) -> list[Any]:
    return [
        pytest.param(programs, role, kwargs, keys, message, id=f"{programs}-{role}-{message}")
        for kinds, role, kwargs, keys, message in table
        for programs in kinds
    ]


@pytest.mark.parametrize(("programs", "role", "kwargs", "keys", "message"), _expand(MISTAKES))
def test_mistakes_are_explained(
    programs: str, role: str, kwargs: dict[str, Any], keys: dict[str, Any], message: str
) -> None:
    with pytest.raises(ServiceManagerError, match=message) as caught:
        argv(programs, role, keys, **kwargs)
    assert not isinstance(caught.value, UnsupportedFeatureError)
    assert str(caught.value).startswith("quiche: ")


@pytest.mark.parametrize(("programs", "role", "kwargs", "keys", "message"), _expand(UNSUPPORTED))
def test_what_quiche_cannot_do_is_unsupported(
    programs: str, role: str, kwargs: dict[str, Any], keys: dict[str, Any], message: str
) -> None:
    with pytest.raises(UnsupportedFeatureError, match=message):
        argv(programs, role, keys, **kwargs)


@pytest.mark.parametrize("programs", BOTH)
def test_the_command_string_is_shell_safe(programs: str) -> None:
    command = argv(programs, "server", {}, **{**SERVER, "www_dir": "/a b;rm -rf /"})
    assert "/a b;rm -rf /" in command
    config = QuicheConfig(programs=programs)  # type: ignore[arg-type]
    line = QuicheServiceManager(config).generate_run_command(role="server", **{**SERVER, "www_dir": "/a b;rm -rf /"})
    assert "'/a b;rm -rf /'" in line
