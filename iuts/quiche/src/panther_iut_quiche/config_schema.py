"""The ``implementation:`` keys of quiche, checked when an experiment file is loaded.

``QUICConfig`` holds the keys every QUIC implementation accepts (port, host, TLS
files, timeouts); this Struct adds quiche's own. Each key maps to a real option of
the programs that run (PANTHER's own by default, quiche's apps with ``programs:
upstream``) or is refused; the table in :mod:`panther_iut_quiche.options` says which.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from panther_base_quic import QUICConfig

# Which programs run: PANTHER's own over the quiche crate (built with cargo on first
# use, on any machine with Rust), or quiche's apps (found on this host, or built from
# the upstream repository in a Docker image).
Programs = Literal["panther", "upstream"]
# The upstream release the Docker image builds and the commands were verified against.
QUICHE_REPOSITORY = "https://github.com/cloudflare/quiche.git"
QUICHE_TAG = "0.29.3"

# --http-version of quiche's apps (apps/src/args.rs).
HttpVersion = Literal["HTTP/0.9", "HTTP/3", "all"]
# --cc-algorithm (quiche/src/recovery/mod.rs, CongestionControlAlgorithm::from_str).
CongestionControl = Literal["reno", "cubic", "bbr2_gcongestion"]
# RUST_LOG for env_logger.
LogLevel = Literal["error", "warn", "info", "debug", "trace"]


class QuicheConfig(QUICConfig, kw_only=True, forbid_unknown_fields=True):
    """Keys of ``implementation:`` for quiche."""

    programs: Programs = "panther"
    # Default: from the test's ALPN (hq-interop: HTTP/0.9, h3: HTTP/3).
    http_version: HttpVersion | None = None
    congestion_control: CongestionControl | None = None
    log_level: LogLevel = "info"
    # Client: the TLS session kept between runs, for resumption and early data.
    session_file: str | None = None
    # Client: a second connection in the same run resumes the first one's session
    # (the first fetches the first URL, the second the rest).
    resumption: bool = False
    # Client: send 0-RTT data on a resumed connection; server: accept it.
    early_data: bool = False
    # Server: answer new connections with a Retry packet first.
    retry: bool = False
    # Server: bidirectional streams a client may open at once (None: quiche's 100).
    max_streams_bidi: Annotated[int, msgspec.Meta(ge=1)] | None = None
    # Docker image: the upstream tag or commit to build.
    quiche_ref: str = QUICHE_TAG
