"""The evidence of what an HTTP exchange was: one JSON line per request and response.

Every HTTP implementation plugin makes its program record, for each response it
sent or received, one JSON object per line::

    {"path": "/transfer-1024.bin", "status": 200, "http_version": "HTTP/2.0", "bytes": 1024}

(``url`` instead of ``path`` is accepted; ``http_version`` in any usual spelling:
``HTTP/2.0``, ``2``, ``h2`` ...). nginx writes it with ``log_format ... escape=json``,
curl with ``--write-out``, the Python plugins themselves. From these records the
checks below judge each service: every response it saw had status 200 and used the
HTTP version the test asked for. Each check names the log it read.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from panther.services.outcome import Check, CheckStatus

from panther_base_http.versions import version_used

EXCHANGE_LOG = "exchanges.jsonl"


@dataclass(frozen=True)
class Exchange:
    path: str
    status: int | None
    version: str | None  # canonical, None when the record's spelling is unknown
    recorded_version: str


def read_exchanges(log: Path) -> list[Exchange]:
    """The records of ``log``; lines that are not exchange records are skipped."""
    exchanges = []
    try:
        lines = log.read_text(errors="replace").splitlines()
    except OSError:
        return []
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if not isinstance(record, dict) or not ("path" in record or "url" in record):
            continue
        path = str(record.get("path") or urlsplit(str(record.get("url"))).path or "/")
        status = record.get("status")
        recorded = str(record.get("http_version", ""))
        exchanges.append(
            Exchange(
                path=path,
                status=status if isinstance(status, int) else None,
                version=version_used(recorded),
                recorded_version=recorded,
            )
        )
    return exchanges


def _names(paths: Iterable[str]) -> str:
    listed = sorted(set(paths))
    shown = ", ".join(listed[:3])
    return shown + (f" and {len(listed) - 3} more" if len(listed) > 3 else "")


class ExchangeJudge:
    """Judges one service's exchange log: statuses and HTTP versions.

    ``expected_paths``: the paths a client must have fetched (a server: empty, it is
    judged on what it answered). ``versions``: the versions the test allows.
    """

    def __init__(self, service: str, role: str, log: Path, expected_paths: Sequence[str], versions: Sequence[str]):
        self.service, self.role, self.log = service, role, log
        self.expected_paths = list(expected_paths)
        self.versions = list(versions)
        self.exchanges = read_exchanges(log)
        self.source = f"source: {role}'s exchange log, {len(self.exchanges)} record(s)"

    def checks(self) -> list[Check]:
        if not self.exchanges:
            status: CheckStatus
            if self.role == "client":
                # A client was asked to fetch files: no record of it is a failure.
                status = "failed"
                reason = f"no HTTP exchange recorded in {self.log}: expected {len(self.expected_paths)} response(s)"
            else:
                # A server answers what it is asked; the clients' checks say what was missed.
                status, reason = "skipped", f"no HTTP exchange recorded in {self.log}: nothing to judge"
            return [self._check(what, status, reason) for what in ("status", "version")]
        return [self.status_check(), self.version_check()]

    def _check(self, what: str, status: CheckStatus, reason: str) -> Check:
        return Check(name=f"{self.service} HTTP {what}", status=status, reason=reason, evidence=[str(self.log)])

    def status_check(self) -> Check:
        seen = {exchange.path for exchange in self.exchanges}
        missing = [path for path in self.expected_paths if path not in seen]
        if missing:
            return self._check("status", "failed", f"no response recorded for {_names(missing)} ({self.source})")
        bad = [exchange for exchange in self.exchanges if exchange.status != 200]
        if bad:
            statuses = ", ".join(sorted({str(exchange.status) for exchange in bad}))
            which = _names(exchange.path for exchange in bad)
            count = f"{len(bad)} of {len(self.exchanges)} response(s)"
            return self._check("status", "failed", f"{count} had status {statuses}, not 200: {which} ({self.source})")
        return self._check("status", "passed", f"{len(self.exchanges)} response(s), all 200 ({self.source})")

    def version_check(self) -> Check:
        wanted = " or ".join(self.versions)
        other = [exchange for exchange in self.exchanges if exchange.version not in self.versions]
        if other:
            used = ", ".join(sorted({exchange.version or repr(exchange.recorded_version) for exchange in other}))
            which = _names(exchange.path for exchange in other)
            count = f"{len(other)} of {len(self.exchanges)} exchange(s)"
            return self._check("version", "failed", f"expected {wanted}, {count} used {used}: {which} ({self.source})")
        return self._check("version", "passed", f"{len(self.exchanges)} exchange(s), all over {wanted} ({self.source})")
