"""Shared helpers: experiments that put the Ivy tester opposite the ping-pong implementation.

The tool environment and the compiled testers live in the user's cache folder (or
``$PANTHER_IVY_CACHE``), outside the clone: every session of a CI run shares them, so
the models are compiled once per run.
"""

from __future__ import annotations

import shutil
from typing import Any

import pytest
from panther.testing import require_peer


@pytest.fixture(autouse=True)
def _needs_a_compiler() -> None:
    require_peer("ivy", shutil.which("g++") is not None, "install g++ (Debian: apt-get install g++)")


def server_test(variant: str = "functional", *, seed: int = 7, count: int = 6, **server: Any) -> dict[str, Any]:
    """The tester plays the client against a ping-pong server."""
    return {
        "name": f"ivy_server_test_{variant}",
        "tests": [
            {
                "name": f"minip_server_test_{variant}",
                "network_environment": {"type": "local"},
                "services": {
                    "server": {
                        "implementation": {"name": "ping_pong", "type": "iut", "variant": variant, **server},
                        "protocol": {"name": "minip", "role": "server"},
                    },
                    "ivy": {
                        "implementation": {
                            "name": "panther_ivy",
                            "type": "testers",
                            "test": "minip_server_test",
                            "seed": seed,
                        },
                        "protocol": {"name": "minip", "role": "client", "target": "server", "count": count},
                        "timeout": 60,
                    },
                },
                "timeout": 120,
            }
        ],
    }


def client_test(*, count: int = 6, seed: int = 3) -> dict[str, Any]:
    """The tester plays the server against the ping-pong client."""
    return {
        "name": "ivy_client_test",
        "tests": [
            {
                "name": "minip_client_test",
                "network_environment": {"type": "local"},
                "services": {
                    "ivy": {
                        "implementation": {
                            "name": "panther_ivy",
                            "type": "testers",
                            "test": "minip_client_test",
                            "seed": seed,
                        },
                        "protocol": {"name": "minip", "role": "server"},
                    },
                    "client": {
                        "implementation": {"name": "ping_pong", "type": "iut"},
                        "protocol": {"name": "minip", "role": "client", "target": "ivy", "count": count},
                        "timeout": 60,
                    },
                },
                "timeout": 120,
            }
        ],
    }
