"""Case tables: how a plugin does a test case, and the three ways a case is unsupported."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from panther import ServiceContext, UnsupportedFeatureError, register_plugin
from panther_base_quic import BaseQUICServiceManager
from panther_base_quic.case_support import CaseSupport, case_table
from panther_base_quic.option_table import case_table_markdown

TABLE = case_table(
    retry=CaseSupport("-r", server={"retry": True}),
    resumption=CaseSupport(
        "runs twice with a ticket file",
        client=lambda case, arguments: {"tickets": f"{arguments['output_dir']}/tickets"},
        client_runs=2,
    ),
    keyupdate=CaseSupport.unsupported("toyquic cannot update its keys", roles=("client",)),
    handshakeloss=CaseSupport("runs once per file", client={}, client_runs="per_file"),
    v2=CaseSupport.unsupported("toyquic speaks v1 only"),
)


@register_plugin(plugin_type="iut", name="toyquic", supported_protocols=["quic"])
class ToyQuic(BaseQUICServiceManager):
    """A plugin with a case table; its program is a Python one-liner, so the argv is real."""

    test_cases = TABLE

    def _get_implementation_name(self) -> str:
        return "toyquic"

    def _get_binary_name(self) -> str:
        return sys.executable

    def _get_server_specific_args(self, **kwargs: Any) -> list[str]:
        return ["server", *(["-r"] if kwargs.get("retry") else [])]

    def _get_client_specific_args(self, **kwargs: Any) -> list[str]:
        return ["client", *(["-T", kwargs["tickets"]] if kwargs.get("tickets") else []), *kwargs.get("urls", [])]

    def get_supported_features(self) -> dict[str, bool]:
        return {**super().get_supported_features(), "retry": True, "session_resumption": True, "v2": False}


def toy(role: str, tmp_path: Path) -> ToyQuic:
    context = ServiceContext(name=role, role=role, test_name="t", host_output_dir=tmp_path, output_dir=tmp_path)
    context.arguments["urls"] = ["https://h/a", "https://h/b", "https://h/c"]
    return ToyQuic(context=context)


def test_a_case_the_table_answers_adds_its_arguments(tmp_path: Path) -> None:
    assert toy("server", tmp_path).generate_run_argv("server", test_case="retry")[1:] == ["server", "-r"]
    # A case that asks nothing of a role needs no entry.
    assert toy("client", tmp_path).generate_run_argv("client", test_case="retry")[1:3] == ["client", "https://h/a"]
    assert toy("client", tmp_path).generate_run_argv("client", test_case="ipv6")[1] == "client"


def test_a_client_that_connects_once_per_run_runs_twice(tmp_path: Path) -> None:
    argv = toy("client", tmp_path).generate_run_argv("client", test_case="resumption")
    assert argv[:3] == [sys.executable, "-m", "panther_base_quic.reconnect"]
    first, second = (json.loads(run) for run in argv[3:])
    tickets = ["-T", f"{tmp_path}/tickets"]
    assert first[1:] == ["client", *tickets, "https://h/a"]
    assert second[1:] == ["client", *tickets, "https://h/b", "https://h/c"]


def test_a_client_that_connects_once_per_run_runs_once_per_file(tmp_path: Path) -> None:
    argv = toy("client", tmp_path).generate_run_argv("client", test_case="handshakeloss")
    assert argv[:3] == [sys.executable, "-m", "panther_base_quic.reconnect"]
    runs = [json.loads(run)[1:] for run in argv[3:]]
    assert runs == [["client", "https://h/a"], ["client", "https://h/b"], ["client", "https://h/c"]]


@pytest.mark.parametrize(
    ("case", "role", "reason"),
    [
        ("keyupdate", "client", "toyquic cannot do test case 'keyupdate' as a client: toyquic cannot update its keys"),
        ("v2", "server", "toyquic cannot do test case 'v2' as a server: get_supported_features() says 'v2' is not"),
        (
            "multiplexing",
            "server",
            "toyquic cannot do test case 'multiplexing' as a server: the plugin does not say how to allow at most",
        ),
        ("chacha20", "client", "the plugin does not say how to offer only TLS_CHACHA20_POLY1305_SHA256"),
    ],
)
def test_the_three_ways_a_case_is_unsupported_each_say_why(case: str, role: str, reason: str, tmp_path: Path) -> None:
    with pytest.raises(UnsupportedFeatureError) as caught:
        toy(role, tmp_path).generate_run_argv(role, test_case=case)
    assert reason in str(caught.value)


def test_a_case_unsupported_in_one_role_is_done_in_the_other(tmp_path: Path) -> None:
    # A server answers a key update it could not start itself.
    assert toy("server", tmp_path).generate_run_argv("server", test_case="keyupdate")[1:] == ["server"]


def test_a_table_naming_no_case_is_the_plugin_authors_mistake() -> None:
    with pytest.raises(ValueError, match="not QUIC test cases: zero_rtt"):
        case_table(zero_rtt=CaseSupport("-0"))


def test_the_readme_table_says_what_the_plugin_does_and_why_not() -> None:
    table = case_table_markdown(TABLE, ToyQuic().get_supported_features())
    assert "| `retry` | yes | -r |" in table
    assert "| `keyupdate` | not as a client | toyquic cannot update its keys |" in table
    assert "| `v2` | no | get_supported_features(): v2 not supported |" in table
    assert "| `multiplexing` | no | not said for the server |" in table
    assert "| `handshake` | yes | nothing beyond the files, ALPN, version and address |" in table


def test_two_runs_of_a_client_need_the_local_environment(tmp_path: Path) -> None:
    client = toy("client", tmp_path)
    assert client.context is not None
    client.context.environment = "docker_compose"
    with pytest.raises(UnsupportedFeatureError, match="needs the local network environment, not docker_compose"):
        client.generate_run_argv("client", test_case="resumption")
