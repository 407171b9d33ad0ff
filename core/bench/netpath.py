"""The path relay's ceiling: how fast it forwards 1200-byte datagrams, against loopback.

A sender process offers datagrams of 1200 bytes at a fixed rate for one second; a
receiver process counts what arrives. The rate climbs in steps; a path's ceiling is
the highest step at which at least 99% arrived (so a ceiling is lossless, as in
RFC 2544) and the sender kept its pace (a sender that cannot, on a busy host, is not
credited with the step: the baseline is then the sender's own ceiling). Printed, not
asserted, each over the same data in this run:
- direct: sender to receiver on loopback (the baseline);
- through the relay recording both legs (``path: {}``);
- through the relay with an impaired path (15 ms delay, 1 ms jitter, 0.1% loss),
  where every datagram is copied and scheduled.
For the relay, the CPU it spent per datagram (the writer threads of its captures
included) is printed too: the ceiling it would reach on a core of its own. The goal is
200 Mbit/s through the recording relay, so that a 10 Mbit/s scenario is never limited
by it.
"""

from __future__ import annotations

import multiprocessing
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from panther.netpath.config import PathConfig
from panther.netpath.local import LocalRelay
from panther.netpath.record import read_path_record
from panther.services.context import ServiceContext

DATAGRAM = 1200
STEP_SECONDS = 1.0
RATES_MBIT = (50, 100, 200, 300, 400, 600, 800, 1000, 1200)
DELIVERED = 0.99
# A step counts only when the sender kept at least this share of its pace (on a busy
# host a Python sender may not reach the highest steps, whatever the path).
PACE = 0.95
_END = b"end"


def _receive(port_queue: Any, result_queue: Any) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    sock.bind(("127.0.0.1", 0))
    port_queue.put(sock.getsockname()[1])
    buffer = bytearray(65535)
    count = 0
    sock.settimeout(10)
    while True:
        try:
            size = sock.recv_into(buffer)
        except TimeoutError:
            break
        if size == len(_END) and buffer[:size] == _END:
            break
        count += 1
    result_queue.put(count)


def _send(host: str, port: int, rate_mbit: float) -> tuple[int, float]:
    """Offer ``rate_mbit`` for STEP_SECONDS, in batches of 32 paced by the clock: (sent, seconds).

    A sender that cannot keep the pace sends less: what counts is what it achieved.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    sock.connect((host, port))
    payload = bytes(DATAGRAM)
    interval = 32 * DATAGRAM * 8 / (rate_mbit * 1e6)
    sent = 0
    began = time.perf_counter()
    batches = int(STEP_SECONDS / interval)
    for batch in range(batches):
        for _ in range(32):
            try:
                sock.send(payload)
                sent += 1
            except OSError:
                pass
        pause = began + (batch + 1) * interval - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
    return sent, time.perf_counter() - began


def _end(host: str, port: int, after: float) -> None:
    time.sleep(after)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for _ in range(20):  # a lossy path may eat a few
        sock.sendto(_END, (host, port))
        time.sleep(0.005)


def _step(path: PathConfig | None, folder: Path, rate_mbit: float) -> tuple[float, float, float | None]:
    """(share of the datagrams sent that arrived, Mbit/s delivered, relay CPU seconds per
    datagram) at one offered rate."""
    ports: Any = multiprocessing.Queue()
    results: Any = multiprocessing.Queue()
    receiver = multiprocessing.Process(target=_receive, args=(ports, results))
    receiver.start()
    port = ports.get()
    host, target_port, relay = "127.0.0.1", port, None
    if path is not None:
        contexts = {
            "server": ServiceContext("server", "server", "bench", folder, folder, "127.0.0.1", port),
            "client": ServiceContext("client", "client", "bench", folder, folder, "127.0.0.1", port, target="server"),
        }
        relay = LocalRelay.deploy(path, contexts, folder, host="127.0.0.1")
        host, target_port = contexts["client"].host, contexts["client"].port
    sent, elapsed = _send(host, target_port, rate_mbit)
    _end(host, target_port, after=0.1)
    received = results.get()
    receiver.join()
    cost = None
    if relay is not None:
        relay.finish()
        record = read_path_record(relay.files.path_json)
        cost = record.relay.cpu_seconds / max(record.counters["to_server"].forwarded, 1)
    return received / max(sent, 1), received * DATAGRAM * 8 / 1e6 / elapsed, cost


def _ceiling(name: str, path: PathConfig | None, root: Path) -> tuple[float, float | None]:
    """The highest step delivered whole (Mbit/s), and the relay's CPU per datagram at that step."""
    best, cost, failures = 0.0, None, 0
    for rate in RATES_MBIT:
        folder = root / f"{name}-{rate}"
        folder.mkdir()
        delivered, achieved, step_cost = _step(path, folder, rate)
        if delivered >= DELIVERED and achieved >= PACE * rate:
            best, cost = rate, step_cost
        else:
            failures += 1
            if failures == 2:
                break
    return best, cost


def main() -> None:
    loss = 0.001
    scenarios: list[tuple[str, PathConfig | None]] = [
        ("direct loopback (baseline)", None),
        ("relay, recording (path: {})", PathConfig()),
        ("relay, 15 ms delay, 1 ms jitter, 0.1% loss", PathConfig(delay_ms=15.0, jitter_ms=1.0, loss=loss)),
    ]
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        rows = [(name, *_ceiling(str(index), path, root)) for index, (name, path) in enumerate(scenarios)]
    baseline = rows[0][1]
    print(
        f"path relay ceiling: {DATAGRAM}-byte datagrams offered at {RATES_MBIT} Mbit/s, "
        "the highest with >= 99% arriving at the sender's pace"
    )
    for name, ceiling, cost in rows:
        ratio = f"x{ceiling / baseline:.2f} of direct" if baseline else "direct delivered no step whole"
        print(f"  {name:44s} {ceiling:5.0f} Mbit/s = {ceiling * 1e6 / 8 / DATAGRAM:6.0f} datagrams/s ({ratio})")
        if cost:
            print(
                f"  {'':44s} relay CPU {cost * 1e6:.1f} us per datagram: "
                f"{1 / cost * DATAGRAM * 8 / 1e6:.0f} Mbit/s on a core of its own"
            )
    relay = rows[1][1]
    print(f"  goal: 200 Mbit/s through the recording relay: {'met' if relay >= 200 else 'not met'} ({relay:.0f})")


if __name__ == "__main__":
    multiprocessing.set_start_method("spawn")
    sys.exit(main())
