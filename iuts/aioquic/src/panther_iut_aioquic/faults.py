"""Fault switches: ways to make the aioquic endpoints misbehave on purpose.

They exist to test testers. A tester's check is only worth something if it fails
when the behaviour it checks is missing; with these switches a test can run a real
endpoint that leaves the behaviour out *and still reports success* (exit code 0),
so that only evidence observed from outside (the files, the capture, the qlog) can
catch it. Never use them to test an implementation.

``--fault NAME`` (repeatable) on either program; the plugin's ``faults`` key.
"""

from __future__ import annotations

from typing import Literal

Fault = Literal[
    # client: ignore --key-update (and do not check that the keys were updated)
    "no-key-update",
    # client: make the second connection without the first one's session ticket
    "no-resume",
    # client: resume, but send the second connection's requests after the handshake
    "no-early-data",
    # client: fetch each file over a connection of its own
    "connection-per-file",
    # server: ignore --retry
    "no-retry",
    # server: serve (and announce) only the first half of each file
    "truncate",
    # server: ignore --max-streams-bidi and allow a million streams
    "unlimited-streams",
    # server: never resume a session, so 0-RTT data is never accepted
    "forget-sessions",
    # both: ignore --cipher-suites and offer aioquic's default suites
    "ignore-cipher-suites",
    # client: start with a round-trip estimate of 5 s, so that a slow first answer
    # does not make it send its ClientHello again
    "patient-handshake",
    # client: move to a new local address (--migrate-after) with the old connection ID
    "migrate-same-cid",
    # server: count every client address as validated the moment it is seen: no
    # amplification limit before the handshake, no PATH_CHALLENGE on a new path
    "trust-addresses",
    # server: keep sending to the client's first address after it changed
    "stay-on-first-path",
]

CLIENT_FAULTS = (
    "no-key-update",
    "no-resume",
    "no-early-data",
    "connection-per-file",
    "ignore-cipher-suites",
    "patient-handshake",
    "migrate-same-cid",
)
SERVER_FAULTS = (
    "no-retry",
    "truncate",
    "unlimited-streams",
    "forget-sessions",
    "ignore-cipher-suites",
    "trust-addresses",
    "stay-on-first-path",
)
FAULTS = tuple(dict.fromkeys(CLIENT_FAULTS + SERVER_FAULTS))

#: The stream limit of the ``unlimited-streams`` fault: more than any test requests.
UNLIMITED_STREAMS = 1 << 20
#: The first round-trip estimate of the ``patient-handshake`` fault, in seconds.
PATIENT_INITIAL_RTT = 5.0
