"""``Ngtcp2ServiceManager``: command lines for ngtcp2's gtlsserver and gtlsclient.

The options are those the programs print with ``--help`` (ngtcp2 0.12, as packaged
by Debian): ``gtlsserver [OPTIONS] <ADDR> <PORT> <PRIVATE_KEY_FILE>
<CERTIFICATE_FILE>`` and ``gtlsclient [OPTIONS] <HOST> <PORT> [<URI>...]``. What
these builds cannot do (ALPNs other than ``h3``, QUIC versions other than v1,
verifying the server's certificate) is refused with a reason instead of being
run and passed off as done.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any, ClassVar

from panther import Check, ServiceManagerError, ServiceOutcome, UnsupportedFeatureError, register_plugin
from panther_base_quic import BaseQUICServiceManager
from panther_base_quic.case_support import CaseSupport, case_table
from panther_base_quic.cases import CHACHA20_SUITE, MULTIPLEXING_STREAM_LIMIT, QuicTestCase
from panther_base_quic.versions import supported_wire_version

from panther_iut_ngtcp2.__about__ import __version__
from panther_iut_ngtcp2.config_schema import Ngtcp2Config
from panther_iut_ngtcp2.log import read_run_log, write_evidence_qlog

BINARIES = {"server": "gtlsserver", "client": "gtlsclient"}
PACKAGES = {"gtlsserver": "ngtcp2-server", "gtlsclient": "ngtcp2-client"}
# The example programs are HTTP/3 only: their TLS layer offers and accepts just "h3".
ALPNS = ("h3",)
# libngtcp2 0.12 implements QUIC v1, and of v2 only a draft that no name here denotes.
VERSIONS = {0x00000001: "v1"}
# TLS 1.3 suite -> GnuTLS priority keyword.
CIPHERS = {
    "AES_128_GCM_SHA256": "AES-128-GCM",
    "AES_256_GCM_SHA384": "AES-256-GCM",
    "CHACHA20_POLY1305_SHA256": "CHACHA20-POLY1305",
    "AES_128_CCM_SHA256": "AES-128-CCM",
}

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
    "v2": False,
    "hq-interop": False,
    "h3": True,
    "chacha20": True,
    "aes_ccm": True,
    "keylog": True,
    "qlog": True,
    "certificate_verification": False,
}


def _session_files(case: QuicTestCase, arguments: Mapping[str, Any]) -> dict[str, str]:
    """The files gtlsclient keeps its TLS session and the server's transport parameters
    in between its two runs (the second run resumes, and sends 0-RTT, from them)."""
    folder = PurePosixPath(str(arguments["output_dir"]))
    return {
        "session_file": str(folder / "ngtcp2-session.pem"),
        "transport_params_file": str(folder / "ngtcp2-transport-params.pem"),
    }


# How gtlsserver and gtlsclient do each QUIC test case (panther_base_quic.cases).
TEST_CASES = case_table(
    multiplexing=CaseSupport("gtlsserver --max-streams-bidi", server={"max_streams_bidi": MULTIPLEXING_STREAM_LIMIT}),
    chacha20=CaseSupport(
        "gtlsclient --ciphers with CHACHA20-POLY1305 only", client={"cipher_suites": [CHACHA20_SUITE]}
    ),
    retry=CaseSupport("gtlsserver --validate-addr", server={"retry": True}),
    resumption=CaseSupport(
        "gtlsclient runs twice with --session-file and --tp-file", client=_session_files, client_runs=2
    ),
    zerortt=CaseSupport(
        "gtlsclient runs twice with --session-file and --tp-file, and sends 0-RTT from them; "
        "gtlsserver accepts early data",
        server={},
        client=_session_files,
        client_runs=2,
    ),
    keyupdate=CaseSupport("gtlsclient --key-update=1ms", client={"key_update": True}),
    v2=CaseSupport.unsupported("libngtcp2 0.12 implements a draft of QUIC v2, not RFC 9369"),
    handshakeloss=CaseSupport(
        "gtlsclient runs once per file (one connection each), with a 60 s handshake timeout",
        client={"handshake_timeout": 60.0},
        client_runs="per_file",
    ),
    handshakecorruption=CaseSupport(
        "gtlsclient runs once per file (one connection each), with a 60 s handshake timeout",
        client={"handshake_timeout": 60.0},
        client_runs="per_file",
    ),
    connectionmigration=CaseSupport(
        "gtlsclient --change-local-addr=300ms (a new local port, 300 ms after the handshake)",
        client={"change_local_address": 0.3},
    ),
)


def gnutls_priority(suites: list[str]) -> str:
    keywords = []
    for suite in suites:
        key = suite.upper().removeprefix("TLS_")
        if key not in CIPHERS:
            known = ", ".join(CIPHERS)
            raise ServiceManagerError(f"ngtcp2: unknown TLS 1.3 cipher suite {suite!r} (known: {known})")
        keywords.append("+" + CIPHERS[key])
    return "NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:" + ":".join(keywords)


def _duration(seconds: float) -> str:
    return f"{max(1, round(seconds * 1000))}ms"


@register_plugin(
    plugin_type="iut",
    name="ngtcp2",
    version=__version__,
    description="ngtcp2 (C): Debian's gtlsserver and gtlsclient, HTTP/3 over QUIC v1",
    supported_protocols=["quic"],
    capabilities=[name for name, supported in FEATURES.items() if supported],
)
class Ngtcp2ServiceManager(BaseQUICServiceManager):
    config_class: ClassVar[type[Ngtcp2Config]] = Ngtcp2Config
    test_cases = TEST_CASES

    def _get_implementation_name(self) -> str:
        return "ngtcp2"

    def _get_binary_name(self) -> str:
        return BINARIES[self._role()]

    def _role(self) -> str:
        return self.context.role if self.context is not None and self.context.role in BINARIES else "server"

    def _get_executable(self, **kwargs: Any) -> list[str]:
        role = kwargs.get("role", self._role())
        return [str(kwargs.get("binary_path") or BINARIES.get(role, BINARIES["server"]))]

    def _do_prepare(self, plugin_manager: Any = None) -> None:
        binary = self._get_binary_name()
        if self.config.binary_path:
            if not Path(self.config.binary_path).is_file():
                raise ServiceManagerError(f"ngtcp2: binary_path {self.config.binary_path!r} does not exist")
            return
        if shutil.which(binary) is None:
            raise ServiceManagerError(
                f"ngtcp2: {binary} was not found on PATH. Install it with "
                f"'sudo apt-get install {PACKAGES[binary]}' (Debian 12 or newer, Ubuntu 23.04 or newer), "
                "or build ngtcp2's examples with GnuTLS and set implementation.binary_path"
            )

    # ----------------------------------------------------------------- commands
    def _check_supported(self, kwargs: dict[str, Any]) -> None:
        alpn = kwargs.get("alpn")
        if alpn and alpn not in ALPNS:
            raise UnsupportedFeatureError(
                f"ngtcp2: ALPN {alpn!r} is not supported: gtlsserver and gtlsclient speak only HTTP/3 ('h3')"
            )
        supported_wire_version("ngtcp2", kwargs, VERSIONS, "libngtcp2 0.12 implements v1 only")

    def _common_args(self, kwargs: dict[str, Any]) -> list[str]:
        # No --quiet: the debug log is the only place these programs report the
        # negotiated version and ALPN, and the errors that ended a connection.
        args = ["--no-quic-dump", "--no-http-dump"]
        if kwargs.get("qlog_dir"):
            args.append(f"--qlog-dir={kwargs['qlog_dir']}")
        if kwargs.get("cipher_suites"):
            args.append(f"--ciphers={gnutls_priority(list(kwargs['cipher_suites']))}")
        args.append(f"--cc={kwargs.get('congestion_control', 'cubic')}")
        args.append(f"--timeout={_duration(float(kwargs.get('idle_timeout', 30.0)))}")
        args.append(f"--handshake-timeout={_duration(float(kwargs.get('handshake_timeout', 10.0)))}")
        return args

    def _get_server_specific_args(self, **kwargs: Any) -> list[str]:
        self._check_supported(kwargs)
        args = self._common_args(kwargs)
        if kwargs.get("www_dir"):
            args.append(f"--htdocs={kwargs['www_dir']}")
        if kwargs.get("retry"):
            args.append("--validate-addr")
        if kwargs.get("max_streams_bidi") is not None:
            args.append(f"--max-streams-bidi={int(kwargs['max_streams_bidi'])}")
        return [*args, str(kwargs["host"]), str(kwargs["port"]), str(kwargs["key_file"]), str(kwargs["cert_file"])]

    def _get_client_specific_args(self, **kwargs: Any) -> list[str]:
        self._check_supported(kwargs)
        if kwargs.get("verify_peer"):
            raise UnsupportedFeatureError(
                "ngtcp2: gtlsclient does not verify the server's certificate; "
                "set 'verify_peer: false' in the client's protocol block to test it without verification"
            )
        args = self._common_args(kwargs)
        args.append("--exit-on-all-streams-close")
        if kwargs.get("download_dir"):
            args.append(f"--download={kwargs['download_dir']}")
        if kwargs.get("quic_version_wire") is not None:
            args.append(f"--version=0x{int(kwargs['quic_version_wire']):08x}")
        if kwargs.get("key_update"):
            args.append("--key-update=1ms")
        if kwargs.get("session_file"):
            args.append(f"--session-file={kwargs['session_file']}")
        if kwargs.get("transport_params_file"):
            args.append(f"--tp-file={kwargs['transport_params_file']}")
        if kwargs.get("change_local_address") is not None:
            args.append(f"--change-local-addr={_duration(float(kwargs['change_local_address']))}")
        return [*args, str(kwargs["host"]), str(kwargs["port"]), *[str(url) for url in kwargs.get("urls", [])]]

    def get_supported_features(self) -> dict[str, bool]:
        return {**super().get_supported_features(), **FEATURES}

    # ----------------------------------------------------------------- verdict
    def evaluate(self, outcome: ServiceOutcome) -> list[Check]:
        checks = super().evaluate(outcome)
        if outcome.start_error:
            return checks
        key_update = bool(getattr(self.config, "key_update", False))
        log = read_run_log(outcome.stderr, outcome.stdout, key_phase=key_update)
        evidence = [str(outcome.stderr)]
        write_evidence_qlog(log, outcome.output_dir / "qlog", outcome.role)
        if outcome.role != "client":
            return checks
        name = f"{outcome.name} handshake"
        if log.fatal:
            checks.append(Check(name=name, status="failed", reason="; ".join(log.fatal), evidence=evidence))
        elif log.handshakes == 0:
            checks.append(Check(name=name, status="failed", reason="no QUIC handshake completed", evidence=evidence))
        else:
            alpns = ", ".join(sorted(set(log.alpns))) or "none reported"
            checks.append(Check(name=name, status="passed", reason=f"completed (ALPN {alpns}; source: ngtcp2 log)"))
        if key_update:
            if log.key_phase_one_seen:
                checks.append(
                    Check(
                        name=f"{outcome.name} key update", status="passed", reason="1-RTT packets with key phase 1 seen"
                    )
                )
            else:
                checks.append(
                    Check(
                        name=f"{outcome.name} key update",
                        status="failed",
                        reason="a key update was requested but no 1-RTT packet used key phase 1",
                        evidence=evidence,
                    )
                )
        return checks
