"""The ``implementation:`` keys of picoquic, checked when an experiment file is loaded.

``QUICConfig`` holds the keys every QUIC implementation accepts (port, host, TLS
files, timeouts); this Struct adds picoquic's own. Each key maps to a real
``picoquicdemo`` option; the table in :mod:`panther_iut_picoquic.options` says which.
"""

from __future__ import annotations

from typing import Literal

from panther_base_quic import QUICConfig

# The upstream commits the Docker image builds and the commands were verified against.
PICOQUIC_REPOSITORY = "https://github.com/private-octopus/picoquic.git"
PICOQUIC_COMMIT = "d199d45be8690dfa8653e214733243524112e3c0"
PICOTLS_REPOSITORY = "https://github.com/h2o/picotls.git"
# The picotls commit picoquic's own CMake file pins for PICOQUIC_FETCH_PTLS.
PICOTLS_COMMIT = "bfa67875982afc4c24f21e146cef4747fa189c2f"

# The names picoquicdemo's -G accepts (picoquic_register_all_congestion_control_algorithms).
CongestionControl = Literal["newreno", "cubic", "dcubic", "fast", "bbr", "prague", "bbr1", "c4"]
# info: picoquicdemo's progress on stdout, and the first 100 packets of each connection in
# its logs (qlog included); debug: every packet (-L). picoquicdemo's -l is parsed but
# never used at the verified commit, so it is not offered.
LogLevel = Literal["info", "debug"]


class PicoquicConfig(QUICConfig, kw_only=True, forbid_unknown_fields=True):
    """Keys of ``implementation:`` for picoquic."""

    # Server name the client sends; by default the host when it is a name, else "localhost".
    sni: str | None = None
    congestion_control: CongestionControl | None = None
    log_level: LogLevel = "info"
    # Client: where session tickets are kept between runs (resumption and 0-RTT).
    session_ticket_file: str | None = None
    # None: picoquicdemo's own behaviour; True/False: insist on it (unsupported if impossible).
    early_data: bool | None = None
    # Server: answer new connections with a Retry packet first.
    retry: bool = False
    # The one TLS 1.3 suite to offer or accept (picoquicdemo -C); empty: picoquic's default.
    cipher_suites: list[str] = []
    # Client: update the 1-RTT keys during the connection (-u).
    key_update: bool = False
    # Docker image: the upstream commits to build (the verified ones by default).
    picoquic_ref: str = PICOQUIC_COMMIT
    picotls_ref: str = PICOTLS_COMMIT
