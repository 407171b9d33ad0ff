"""What the Linux process table (``/proc``) says about the services of a local run.

The local environment uses it to find every process a service left behind (by the
marker variable in its environment, which forked children inherit even when they
leave the process group) and to see whether a service has bound its port.
"""

from __future__ import annotations

import os
from pathlib import Path

_PROC = Path("/proc")
# /proc/net/tcp state of a listening socket.
_TCP_LISTEN = "0A"


def _pids() -> list[int]:
    return [int(entry) for entry in os.listdir(_PROC) if entry.isdigit()]


def _read(path: str) -> bytes | None:
    # Plain os calls, not pathlib: this runs for every process on the machine at
    # every service stop, and its cost decides how well tests run side by side.
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except OSError:
        return None  # gone, or not ours to read
    try:
        return os.read(descriptor, 1 << 20)
    except OSError:
        return None
    finally:
        os.close(descriptor)


def processes_with_variable(name: str, value: str) -> list[int]:
    """Pids of live processes whose environment holds ``name=value`` (not this process)."""
    needle = f"{name}={value}".encode()
    me = os.getpid()
    found = []
    for pid in _pids():
        if pid == me:
            continue
        environ = _read(f"/proc/{pid}/environ")
        if environ and needle in environ.split(b"\0"):
            found.append(pid)
    return found


def process_group(pgid: int) -> list[int]:
    """Pids of the live members of process group ``pgid``."""
    members = []
    for pid in _pids():
        stat = _read(f"/proc/{pid}/stat")
        if stat is None:
            continue
        # Fields after the parenthesised command name: state ppid pgrp ...
        fields = stat.rsplit(b")", 1)[1].split()
        if int(fields[2]) == pgid and fields[0] != b"Z":
            members.append(pid)
    return members


def group_alive(pgid: int) -> bool:
    """Whether process group ``pgid`` has a member left (a signal 0 asks the kernel)."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def socket_inodes(pids: list[int]) -> set[int]:
    inodes: set[int] = set()
    for pid in pids:
        fd_dir = _PROC / str(pid) / "fd"
        try:
            names = os.listdir(fd_dir)
        except OSError:
            continue
        for fd in names:
            try:
                link = os.readlink(fd_dir / fd)
            except OSError:
                continue
            if link.startswith("socket:["):
                inodes.add(int(link[8:-1]))
    return inodes


def bound_socket_inodes(transport: str, port: int) -> set[int]:
    """Inodes of the sockets bound to ``port`` (TCP: listening), IPv4 and IPv6."""
    inodes: set[int] = set()
    for table in (f"{transport}", f"{transport}6"):
        try:
            lines = (_PROC / "net" / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            if local_port != port:
                continue
            if transport == "tcp" and fields[3] != _TCP_LISTEN:
                continue
            inodes.add(int(fields[9]))
    return inodes
