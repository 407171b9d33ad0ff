"""Network paths: what lies between a test's clients and its servers.

A network environment may put a path between them that it owns: a user-space UDP
relay (:mod:`~panther.netpath.relay`, a process of its own) that records both legs to
pcap files and, when the experiment asks (:class:`~panther.netpath.config.PathConfig`),
delays, loses, corrupts, duplicates, reorders, rate-limits, blackholes and rebinds
datagrams, every random choice drawn from one recorded seed. Readers find what it
recorded through :class:`~panther.netpath.files.NetworkPath` and
:mod:`~panther.netpath.record`.
"""

from panther.netpath.config import Blackhole, DirectionConfig, Impairments, PathConfig, Rebind
from panther.netpath.files import NetworkPath, PathRoute
from panther.netpath.record import PathRecord, read_path_record

__all__ = [
    "Blackhole",
    "DirectionConfig",
    "Impairments",
    "NetworkPath",
    "PathConfig",
    "PathRecord",
    "PathRoute",
    "Rebind",
    "read_path_record",
]
