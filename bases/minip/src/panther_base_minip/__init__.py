"""panther-base-minip: the MINIP protocol base of PANTHER.

The wire format (``panther_base_minip.wire``), ``BaseMinipServiceManager``,
``MinipConfig`` and the ``minip`` protocol plugin ``MinipProtocol``.
"""

from panther_base_minip.__about__ import __version__
from panther_base_minip.config import MinipConfig
from panther_base_minip.manager import BaseMinipServiceManager
from panther_base_minip.probe import minip_probe
from panther_base_minip.protocol import MinipProtocol, MinipProtocolConfig
from panther_base_minip.wire import DEFAULT_PORT

__all__ = [
    "__version__",
    "BaseMinipServiceManager",
    "DEFAULT_PORT",
    "MinipConfig",
    "MinipProtocol",
    "MinipProtocolConfig",
    "minip_probe",
]
