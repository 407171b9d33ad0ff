"""What runs leave on the engine, and how it is found and removed.

Every container and network a run makes carries labels: the run id, the test, the
environment instance (one test iteration) and the harness process that made it
(:data:`HARNESS_LABEL`: host name, boot id, process id and the process's start time).
Teardown removes one iteration's things by :data:`OWNER_LABEL`. A harness killed
outright (SIGKILL, a crash of the machine) cannot; the next run and
``panther docker clean`` find what it left by these labels and remove it.

A harness is known to be dead when it ran on this machine (same host name) and
either the machine has booted since (another boot id) or no process has its process
id with its start time (a process id may be reused; its start time tells the new
process apart). What a live harness made, or a harness on another machine (whose
processes cannot be seen from here), is never touched.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from docker import DockerClient

RUN_LABEL = "org.panther.run"
TEST_LABEL = "org.panther.test"
#: One value per environment instance (one test iteration): what teardown removes.
OWNER_LABEL = "org.panther.environment"
SERVICE_LABEL = "org.panther.service"
#: ``<host name>/<boot id>/<process id>/<start time in clock ticks since boot>``.
HARNESS_LABEL = "org.panther.harness"

_BOOT_ID = Path("/proc/sys/kernel/random/boot_id")
#: Containers removed at once.
REMOVERS = 8


@dataclass(frozen=True)
class Harness:
    """One harness process, told apart from any other process past or present."""

    host: str
    boot_id: str
    pid: int
    start_time: int

    @classmethod
    def of(cls, pid: int) -> Harness:
        """Process ``pid`` of this machine, as it is now."""
        return cls(socket.gethostname(), _boot_id(), pid, _start_time(pid) or 0)

    @classmethod
    def this_process(cls) -> Harness:
        return cls.of(os.getpid())

    @classmethod
    def parse(cls, label: str) -> Harness | None:
        parts = label.split("/")
        if len(parts) != 4 or not parts[2].isdigit() or not parts[3].isdigit():
            return None
        return cls(parts[0], parts[1], int(parts[2]), int(parts[3]))

    def label(self) -> str:
        return f"{self.host}/{self.boot_id}/{self.pid}/{self.start_time}"

    def is_dead(self) -> bool:
        """True only when this harness certainly no longer runs (see the module's docstring)."""
        if self.host != socket.gethostname():
            return False  # another machine: its processes cannot be seen from here
        if self.boot_id != _boot_id():
            return True
        return _start_time(self.pid) != self.start_time


def harness_labels(run_id: str) -> dict[str, str]:
    """The labels every container and network of run ``run_id`` of this process carries."""
    return {RUN_LABEL: run_id, HARNESS_LABEL: Harness.this_process().label()}


def remove_labelled(client: DockerClient, label: str, value: str | None) -> list[str]:
    """Remove every container, then every network, labelled ``label=value`` (any value
    when ``value`` is None); their names."""
    selector: dict[str, Any] = {"label": label if value is None else f"{label}={value}"}
    return _remove(client.containers.list(all=True, filters=selector), client.networks.list(filters=selector))


@dataclass
class Sweep:
    """What :func:`remove_dead_runs` did: the names it removed, and what it left because
    the harness that made it cannot be identified (made before harnesses were labelled)."""

    removed: list[str]
    unidentified: list[str]


def remove_dead_runs(client: DockerClient) -> Sweep:
    """Remove the containers and networks of every run whose harness is dead."""
    selector: dict[str, Any] = {"label": RUN_LABEL}
    unidentified: list[str] = []

    def dead(things: list[Any], labels_key: tuple[str, ...]) -> list[Any]:
        found = []
        for thing in things:
            labels = thing.attrs
            for key in labels_key:
                labels = labels.get(key) or {}
            harness = Harness.parse(labels.get(HARNESS_LABEL, ""))
            if harness is None:
                unidentified.append(str(thing.name))
            elif harness.is_dead():
                found.append(thing)
        return found

    removed = _remove(
        dead(client.containers.list(all=True, filters=selector), ("Config", "Labels")),
        dead(client.networks.list(filters=selector), ("Labels",)),
    )
    return Sweep(removed, unidentified)


def _remove(containers: Iterable[Any], networks: Iterable[Any]) -> list[str]:
    from docker.errors import DockerException

    def remove_container(container: Any) -> str | None:
        try:
            container.remove(force=True, v=True)
        except DockerException:
            return None  # removed meanwhile
        return str(container.name)

    def remove_network(network: Any) -> str | None:
        try:
            network.remove()
        except DockerException:
            return None
        return str(network.name)

    # Containers first, side by side (the engine takes a moment for each); a network
    # still holding a container cannot be removed.
    with ThreadPoolExecutor(max_workers=REMOVERS, thread_name_prefix="panther-remove") as workers:
        removed = list(workers.map(remove_container, containers))
        removed += list(workers.map(remove_network, networks))
    return [name for name in removed if name is not None]


def _boot_id() -> str:
    try:
        return _BOOT_ID.read_text().strip()
    except OSError:
        return "unknown"


def _start_time(pid: int) -> int | None:
    """Clock ticks from boot to the start of process ``pid``; None when there is none."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (in parentheses) may hold spaces: fields are counted after it.
    fields = stat.rsplit(")", 1)[1].split()
    return int(fields[19])  # field 22 of proc(5); the fields here start at field 3
