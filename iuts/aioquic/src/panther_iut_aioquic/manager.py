"""``AioquicServiceManager``: runs this package's aioquic server and client.

Both roles run ``python -m panther_iut_aioquic`` (the Python base supplies the
interpreter); this class turns the test's arguments and the plugin's keys into
that program's options.
"""

from __future__ import annotations

from typing import Any, ClassVar

from panther import Check, ServiceOutcome, register_plugin
from panther_base_python.quic import PythonQUICServiceManager
from panther_base_quic.case_support import CaseSupport, case_table
from panther_base_quic.cases import CHACHA20_SUITE, MULTIPLEXING_STREAM_LIMIT

from panther_iut_aioquic.__about__ import __version__
from panther_iut_aioquic.config_schema import AioquicConfig
from panther_iut_aioquic.diagnostics import explain_failure

FEATURES = {
    "rfc9000": True,
    "version_negotiation": True,
    "key_updates": True,
    "retry": True,
    "0rtt": True,
    "session_resumption": True,
    "connection_migration": True,
    "multipath": False,
    "draft29": False,
    "v2": True,
    "hq-interop": True,
    "h3": True,
    "chacha20": True,
    "aes_ccm": False,
    "keylog": True,
    "qlog": True,
}


# How the endpoints do each QUIC test case (panther_base_quic.cases); cases not
# listed ask nothing of them beyond the files, ALPN, version and address.
TEST_CASES = case_table(
    multiplexing=CaseSupport("server --max-streams-bidi", server={"max_streams_bidi": MULTIPLEXING_STREAM_LIMIT}),
    chacha20=CaseSupport("client --cipher-suites", client={"cipher_suites": [CHACHA20_SUITE]}),
    retry=CaseSupport("server --retry", server={"retry": True}),
    resumption=CaseSupport("client --resume (two connections in one run)", client={"resume": True}),
    zerortt=CaseSupport(
        "client --zero-rtt; the server accepts 0-RTT with every ticket it issued", server={}, client={"zero_rtt": True}
    ),
    keyupdate=CaseSupport("client --key-update", client={"key_update": True}),
    handshakeloss=CaseSupport(
        "client --connection-per-file --handshake-timeout 60",
        client={"connection_per_file": True, "handshake_timeout": 60.0},
    ),
    handshakecorruption=CaseSupport(
        "client --connection-per-file --handshake-timeout 60",
        client={"connection_per_file": True, "handshake_timeout": 60.0},
    ),
    connectionmigration=CaseSupport(
        "client --migrate-after 0.3 (a new local port and connection ID)", client={"migrate_after": 0.3}
    ),
)


def _options(arguments: dict[str, Any]) -> list[str]:
    """Options both roles take: TLS secrets, traces, version, ALPN, transport tuning."""
    options: list[str] = []
    if arguments.get("alpn"):
        options += ["--alpn", str(arguments["alpn"])]
    if arguments.get("quic_version_wire") is not None:
        options += ["--quic-version", f"0x{int(arguments['quic_version_wire']):08x}"]
    if arguments.get("cipher_suites"):
        options += ["--cipher-suites", ",".join(arguments["cipher_suites"])]
    if arguments.get("keylog_file"):
        options += ["--keylog-file", str(arguments["keylog_file"])]
    if arguments.get("qlog_dir"):
        options += ["--qlog-dir", str(arguments["qlog_dir"])]
    options += [
        "--congestion-control",
        str(arguments.get("congestion_control", "reno")),
        "--idle-timeout",
        f"{float(arguments.get('idle_timeout', 30.0)):g}",
        "--max-data",
        str(arguments.get("max_data", 16 * 1024 * 1024)),
        "--max-stream-data",
        str(arguments.get("max_stream_data", 8 * 1024 * 1024)),
    ]
    if arguments.get("quiet"):
        options.append("--quiet")
    for fault in arguments.get("faults") or []:
        options += ["--fault", str(fault)]
    return options


@register_plugin(
    plugin_type="iut",
    name="aioquic",
    version=__version__,
    description="aioquic (Python): file server and download client over hq-interop and h3",
    # Its client also fetches files over h3 in an ``http`` test (the arguments it reads
    # are the ones the http protocol gives).
    supported_protocols=["quic", "http"],
    capabilities=[name for name, supported in FEATURES.items() if supported],
)
class AioquicServiceManager(PythonQUICServiceManager):
    config_class: ClassVar[type[AioquicConfig]] = AioquicConfig
    test_cases = TEST_CASES

    def _get_implementation_name(self) -> str:
        return "aioquic"

    def _get_python_module(self) -> str:
        return "panther_iut_aioquic"

    def _get_server_specific_args(self, **kwargs: Any) -> list[str]:
        args = ["server", "--host", str(kwargs["host"]), "--port", str(kwargs["port"])]
        if kwargs.get("cert_file"):
            args += ["--certificate", str(kwargs["cert_file"])]
        if kwargs.get("key_file"):
            args += ["--private-key", str(kwargs["key_file"])]
        if kwargs.get("www_dir"):
            args += ["--www", str(kwargs["www_dir"])]
        if kwargs.get("retry"):
            args.append("--retry")
        if kwargs.get("max_streams_bidi") is not None:
            args += ["--max-streams-bidi", str(int(kwargs["max_streams_bidi"]))]
        return args + _options(kwargs)

    def _get_client_specific_args(self, **kwargs: Any) -> list[str]:
        args = ["client", "--host", str(kwargs["host"]), "--port", str(kwargs["port"])]
        if kwargs.get("download_dir"):
            args += ["--download-dir", str(kwargs["download_dir"])]
        if kwargs.get("ca_file"):
            args += ["--ca-file", str(kwargs["ca_file"])]
        args.append("--verify-peer" if kwargs.get("verify_peer", True) else "--no-verify-peer")
        if kwargs.get("server_name"):
            args += ["--server-name", str(kwargs["server_name"])]
        args += ["--handshake-timeout", f"{float(kwargs.get('handshake_timeout', 10.0)):g}"]
        for flag in ("resume", "zero_rtt", "key_update", "connection_per_file"):
            if kwargs.get(flag):
                args.append("--" + flag.replace("_", "-"))
        if kwargs.get("migrate_after") is not None:
            args += ["--migrate-after", f"{float(kwargs['migrate_after']):g}"]
        for url in kwargs.get("urls", []):
            args += ["--url", str(url)]
        return args + _options(kwargs)

    def get_supported_features(self) -> dict[str, bool]:
        return {**super().get_supported_features(), **FEATURES}

    def evaluate(self, outcome: ServiceOutcome) -> list[Check]:
        return [explain_failure(check, outcome) for check in super().evaluate(outcome)]
