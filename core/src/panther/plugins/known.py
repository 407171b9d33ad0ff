"""Plugins that PANTHER's own repository publishes apart from the core, by name.

The core carries only the ``local`` network environment; a name from this table that
is not installed is a distribution away, and the message that reports it says which.
"""

from __future__ import annotations

DOCKER_COMPOSE = "panther-env-docker-compose"
PROFILERS = "panther-exec-profilers"

#: (kind, name) -> the distribution that provides it. Kind ``cli``: a ``panther`` subcommand.
PROVIDERS: dict[tuple[str, str], str] = {
    ("network_environment", "docker_compose"): DOCKER_COMPOSE,
    ("cli", "docker"): DOCKER_COMPOSE,
    ("execution_environment", "gperf_cpu"): PROFILERS,
    ("execution_environment", "perf"): PROFILERS,
    ("execution_environment", "strace"): PROFILERS,
    ("execution_environment", "valgrind"): PROFILERS,
}


def provider(kind: str, name: str) -> str | None:
    """The distribution that provides plugin ``name`` of ``kind``, when it is one of ours."""
    return PROVIDERS.get((kind, name))


def providers_of(kind: str, installed: list[str]) -> dict[str, list[str]]:
    """Distribution -> names of ``kind`` it would add, for those not in ``installed``."""
    missing: dict[str, list[str]] = {}
    for (plugin_kind, name), distribution in sorted(PROVIDERS.items()):
        if plugin_kind == kind and name not in installed:
            missing.setdefault(distribution, []).append(name)
    return missing
