"""panther-iut-ping-pong: the MINIP ping-pong implementation of PANTHER.

``PingPongServiceManager`` (entry point ``ping_pong`` in ``panther.iut``) runs the
server (``panther_iut_ping_pong.server``) and the client (``panther_iut_ping_pong.client``)
and judges their exchange; ``PingPongConfig`` holds its ``implementation:`` keys.
"""

from panther_iut_ping_pong.__about__ import __version__
from panther_iut_ping_pong.config_schema import PingPongConfig
from panther_iut_ping_pong.manager import PingPongServiceManager

__all__ = ["__version__", "PingPongConfig", "PingPongServiceManager"]
