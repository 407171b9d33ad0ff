"""The ``network path`` check: did the path run as configured, and what did it do?

Read from ``path.json`` once the relay has ended. It is an error when the relay left
no record (it crashed or was killed: the captures cannot be trusted whole), or when
a rate limit was configured and the relay fell behind (the kernel dropped datagrams
at its sockets, or it sent them late): then the relay, not the configured link,
limited the traffic. Otherwise it passes, and its reason says what the path did.
"""

from __future__ import annotations

from pathlib import Path

import msgspec

from panther.netpath.files import NetworkPath
from panther.netpath.record import DirectionCounters, PathRecord, read_path_record
from panther.services.outcome import Check

CHECK_NAME = "network path"
#: Share of datagrams sent late above which the relay is said not to have kept up
#: (and at least this many). A relay slower than the configured rate falls further
#: behind with every datagram, so most of them leave late; a loaded host merely
#: deschedules it now and then, and a few percent leave late by tens of
#: milliseconds while the rate is still kept (measured: 1-7 % at load 6 on 2 cores,
#: with 8.7-9.2 Mbit/s delivered over a 10 Mbit/s path).
LATE_SHARE = 0.10
LATE_COUNT = 10


def path_checks(path: NetworkPath, log: Path, exit_code: int | None) -> list[Check]:
    evidence = [str(path.path_json), str(path.client_pcap), str(path.server_pcap)]
    try:
        record = read_path_record(path.path_json)
    except (OSError, msgspec.DecodeError, msgspec.ValidationError) as exc:
        last = _last_line(log)
        reason = f"the path relay ended without its record (exit code {exit_code}): {last or exc}"
        return [Check(name=CHECK_NAME, status="error", reason=reason, evidence=[str(log), *evidence])]
    reason = describe(record)
    lag = relay_lag(record)
    if lag is None:
        if record.relay.late:
            reason += f"; note: {_lateness(record)}"
        return [Check(name=CHECK_NAME, status="passed", reason=reason, evidence=evidence)]
    rates = sorted({s["rate_mbit"] for s in record.impairments.values() if s.get("rate_mbit") is not None})
    if rates:
        configured = " and ".join(f"{rate:g}" for rate in rates)
        reason = (
            f"the configured rate ({configured} Mbit/s) was more than the relay sustained: {lag}; "
            f"the relay, not the configured link, limited the traffic ({reason})"
        )
        return [Check(name=CHECK_NAME, status="error", reason=reason, evidence=evidence)]
    return [Check(name=CHECK_NAME, status="passed", reason=f"{reason}; note: {lag}", evidence=evidence)]


def relay_lag(record: PathRecord) -> str | None:
    """How the relay fell behind, or None when it kept up."""
    health = record.relay
    forwarded = sum(counters.forwarded for counters in record.counters.values())
    problems = []
    if health.socket_drops:
        problems.append(f"the kernel dropped {health.socket_drops} datagrams the relay did not read in time")
    if health.late >= LATE_COUNT and health.late > LATE_SHARE * forwarded:
        problems.append(_lateness(record))
    return "; ".join(problems) or None


def _lateness(record: PathRecord) -> str:
    forwarded = sum(counters.forwarded for counters in record.counters.values())
    health = record.relay
    return f"{health.late} of {forwarded} datagrams left late (worst {health.max_lateness_ms:.1f} ms after due)"


def describe(record: PathRecord) -> str:
    """``seed 7; to_server: 20 received, 18 forwarded (2 lost); to_client: ...`` and the rebindings."""
    parts = [f"seed {record.seed}"]
    parts += [f"{direction}: {_direction(counters)}" for direction, counters in record.counters.items()]
    if record.rebinds:
        parts.append(f"{len(record.rebinds)} rebinding{'s' if len(record.rebinds) > 1 else ''}")
    return "; ".join(parts)


_CAUSES = {
    "loss": "lost",
    "blackhole": "blackholed",
    "queue_full": "dropped by the full queue",
    "rebound": "sent to a retired client address",
    "unreachable": "refused by the kernel (the receiving port was closed)",
}


def _direction(counters: DirectionCounters) -> str:
    text = f"{counters.received} received, {counters.forwarded} forwarded"
    details = [f"{count} {_CAUSES.get(cause, cause)}" for cause, count in sorted(counters.dropped.items())]
    for name in ("corrupted", "duplicated", "reordered", "delayed", "queued", "pending_at_end"):
        value = getattr(counters, name)
        if value:
            details.append(f"{value} {name.replace('_', ' ')}")
    return f"{text} ({', '.join(details)})" if details else text


def _last_line(log: Path) -> str | None:
    try:
        lines = [line.strip() for line in log.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        return None
    return lines[-1][:300] if lines else None
