"""The client's JSON-lines report: what it sent, what came back, and what was wrong.

The client writes one JSON object per line (``sent``, ``received``, ``malformed``,
``error`` records, then one ``summary``); the service manager reads the summary back
to give a verdict whose reason names the exact fault. Both sides share this module so
that the format has one definition.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

import msgspec

REPORT_NAME = "minip-report.jsonl"
"""File name of the report inside the client's output folder."""


class WrongSequence(msgspec.Struct, array_like=True, frozen=True):
    """A pong matched to ping ``expected`` (by its echoed timestamp) that carried ``carried``."""

    expected: int
    carried: int


class Summary(msgspec.Struct, kw_only=True, tag="summary", tag_field="event"):
    """The last record of a report: every fault the client observed, by kind."""

    count: int
    deadline: float
    answered: int = 0
    missing: list[int] = []
    late: list[int] = []
    slowest_late_rtt: float | None = None
    wrong_sequence: list[WrongSequence] = []
    bad_payload: list[int] = []
    duplicates: list[int] = []
    unsolicited: list[int] = []
    unexpected_pings: int = 0
    malformed: int = 0
    first_malformed_reason: str | None = None
    # The server's port answered with "port unreachable": nothing listens there any more.
    unreachable: bool = False
    # PINGs sent again because no PONG came within the deadline: how many copies, and
    # the sequences that needed one (a PING answered after a retransmission is not a fault).
    retransmissions: int = 0
    retransmitted: list[int] = []
    # How many times the client would send a PING again (its --retransmissions).
    retransmission_limit: int = 0

    @property
    def faults(self) -> list[str]:
        return describe_faults(self)

    @property
    def passed(self) -> bool:
        return not self.faults


def _sequences(numbers: list[int], limit: int = 8) -> str:
    shown = ", ".join(str(n) for n in numbers[:limit])
    return shown if len(numbers) <= limit else f"{shown}, ... ({len(numbers)} in all)"


def _stopped_after(summary: Summary) -> int | None:
    """How many pings the server answered before it went away, when that is what happened.

    Only claimed when the missing pongs are exactly the tail of the exchange *and* the
    port became unreachable: a flaky server that happens to drop the last pongs is
    still listening, and must not be reported as stopped.
    """
    if not summary.missing or not summary.unreachable:
        return None
    first = summary.missing[0]
    if summary.missing != list(range(first, summary.count + 1)):
        return None
    return first - 1


def describe_recovery(summary: Summary) -> str:
    """What retransmission did, for a reason: empty when no PING was sent again."""
    if not summary.retransmissions:
        return ""
    return (
        f"{summary.retransmissions} PINGs sent again after {summary.deadline:g} s without an answer "
        f"(sequences {_sequences(summary.retransmitted)})"
    )


def describe_faults(summary: Summary) -> list[str]:
    """One sentence per kind of fault, each naming the sequence numbers involved."""
    faults: list[str] = []
    if summary.wrong_sequence:
        first = summary.wrong_sequence[0]
        sentence = f"pong for sequence {first.expected} carried sequence {first.carried}"
        if len(summary.wrong_sequence) > 1:
            sentence = f"{len(summary.wrong_sequence)} pongs carried a wrong sequence number (first: {sentence})"
        faults.append(sentence)
    if summary.malformed:
        reason = f" (first: {summary.first_malformed_reason})" if summary.first_malformed_reason else ""
        faults.append(f"received {summary.malformed} malformed datagrams{reason}")
    stopped = _stopped_after(summary)
    if stopped == 0:
        faults.append(
            f"the server never answered: {summary.count} of {summary.count} pongs missing "
            "and its port is unreachable (nothing listens there)"
        )
    elif stopped is not None:
        faults.append(
            f"server stopped answering after {stopped} pings: {len(summary.missing)} of {summary.count} "
            f"pongs missing (sequence {summary.missing[0]} on) and its port became unreachable"
        )
    elif summary.missing:
        tries = f"; each sent {summary.retransmission_limit + 1} times" if summary.retransmission_limit else ""
        faults.append(
            f"{len(summary.missing)} of {summary.count} pongs missing (sequences {_sequences(summary.missing)}{tries})"
        )
    if summary.late:
        slowest = f", slowest {summary.slowest_late_rtt:.3f} s" if summary.slowest_late_rtt is not None else ""
        faults.append(
            f"{len(summary.late)} of {summary.count} pongs arrived after the {summary.deadline:g} s deadline "
            f"(sequences {_sequences(summary.late)}{slowest})"
        )
    if summary.bad_payload:
        faults.append(
            f"{len(summary.bad_payload)} pongs did not echo their ping's payload "
            f"(sequences {_sequences(summary.bad_payload)})"
        )
    if summary.duplicates:
        faults.append(
            f"received {len(summary.duplicates)} duplicate pongs (sequences {_sequences(summary.duplicates)})"
        )
    if summary.unsolicited:
        faults.append(
            f"received {len(summary.unsolicited)} pongs answering no ping that was sent "
            f"(sequences {_sequences(summary.unsolicited)})"
        )
    if summary.unexpected_pings:
        faults.append(f"received {summary.unexpected_pings} PINGs where PONGs were expected")
    return faults


class ReportWriter:
    """Appends records to the report as they happen, so a killed client leaves evidence."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream

    def record(self, event: str, **fields: Any) -> None:
        self._stream.write(msgspec.json.encode({"event": event, **fields}).decode() + "\n")
        self._stream.flush()

    def summary(self, summary: Summary) -> None:
        line = msgspec.to_builtins(summary)
        line["faults"] = summary.faults
        line["passed"] = summary.passed
        self._stream.write(msgspec.json.encode(line).decode() + "\n")
        self._stream.flush()


class ReportError(Exception):
    """A report that cannot be read back (absent, or without a valid summary)."""


_summary_decoder = msgspec.json.Decoder(Summary)


def read_summary(path: Path) -> Summary:
    """The summary record of the report at ``path`` (its last line, once the client finished)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ReportError(f"cannot read the client's report {path}: {exc.strerror or exc}") from exc
    if not lines or not lines[-1].startswith('{"event":"summary"'):
        raise ReportError(f"the client's report {path} has no summary: the client ended before finishing")
    try:
        # Unknown keys (``faults``, ``passed``: written for human readers) are ignored and recomputed.
        return _summary_decoder.decode(lines[-1])
    except msgspec.DecodeError as exc:
        raise ReportError(f"the summary in {path} is invalid: {exc}") from exc
