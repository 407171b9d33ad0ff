"""The Ivy tests this plugin runs, and which role each makes the tester play.

A test is named after the role it tests, as upstream names them: ``*_server_test*``
tests a server, so the tester plays the client (its ``protocol.role`` is ``client``
and its ``target`` is the server under test); ``*_client_test*`` tests a client, so
the tester plays the server the client's ``target`` names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Role = Literal["server", "client"]

MINIP_TESTS = ("minip_server_test", "minip_client_test")
_QUIC_TEST = re.compile(r"^quic_(?P<tested>server|client)_test(?:_[a-z0-9_]+)?$")


class UnknownTestError(ValueError):
    """A ``test:`` that names no Ivy test."""


@dataclass(frozen=True)
class IvyTest:
    name: str
    protocol: Literal["minip", "quic"]
    #: The role of the implementation under test.
    tested_role: Role

    @property
    def tester_role(self) -> Role:
        """The role the tester plays: the other one."""
        return "client" if self.tested_role == "server" else "server"


def lookup(name: str) -> IvyTest:
    """The test called ``name``; :class:`UnknownTestError` names the known ones."""
    if name in MINIP_TESTS:
        return IvyTest(name, "minip", "server" if name == "minip_server_test" else "client")
    match = _QUIC_TEST.match(name)
    if match:
        tested: Role = "server" if match["tested"] == "server" else "client"
        return IvyTest(name, "quic", tested)
    raise UnknownTestError(
        f"unknown Ivy test {name!r}: expected one of {', '.join(MINIP_TESTS)}, "
        "or an upstream QUIC test (quic_server_test_<name>, quic_client_test_<name>)"
    )
