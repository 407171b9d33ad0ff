"""The command-line parameters of the MINIP testers (``name=value``, as Ivy takes them).

``minip_server_test`` plays the client: it sends to ``server_addr:server_port``, the
address and port of the server under test, from a port of its own. ``minip_client_test``
plays the server: it listens on ``server_addr:server_port``, where the environment
placed the tester. Both end after ``count`` exchanges, so a run has ``count + 1``
test cycles (each PING, or each PONG, and the final ``finish``).
"""

from __future__ import annotations

from typing import Any

from panther_tester_ivy.addresses import ivy_address
from panther_tester_ivy.catalog import IvyTest
from panther_tester_ivy.config_schema import IvyTesterConfig

DEFAULT_COUNT = 10
#: The line the tester prints once its socket is bound (its readiness).
LISTENING = r"minip tester: listening on "


def exchange_count(config: IvyTesterConfig, arguments: dict[str, Any]) -> int:
    """The tester's ``count``, else the count the MINIP protocol gave the service, else 10."""
    if config.count is not None:
        return config.count
    given = arguments.get("count")
    return int(given) if given else DEFAULT_COUNT


def minip_parameters(test: IvyTest, config: IvyTesterConfig, arguments: dict[str, Any], seed: int) -> list[str]:
    count = exchange_count(config, arguments)
    parameters = {
        "server_addr": ivy_address(str(arguments["host"])),
        "server_port": int(arguments["port"]),
        "count": count,
    }
    if test.tester_role == "client":
        parameters["window"] = config.window
        parameters["max_payload"] = config.max_payload
        parameters["reply_timeout"] = round(config.reply_timeout * 1000)
    else:
        parameters["idle_timeout"] = round(config.idle_timeout * 1000)
    parameters["seed"] = seed
    parameters["iters"] = count + 1
    return [f"{name}={value}" for name, value in parameters.items()]
