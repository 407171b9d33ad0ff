"""Goodput of a 50 MiB QUIC download under ``panther run`` against the same download run by hand.

For aioquic to aioquic and ngtcp2 to ngtcp2 (when its programs are installed): one
``panther run`` of a one-file transfer, then the very commands the harness ran
started by hand (``panther_base_quic.goodput``). The figure is the ratio of the
client's durations, harness over by hand (goal: at most 1.05). Nothing here
asserts: it prints figures.
"""

from __future__ import annotations

import argparse
import shutil
import sys

from panther_base_quic.goodput import MIB, describe, harness_and_by_hand, one_file_services

SIZE = 50 * MIB
PAIRS = {"aioquic": ("h3", None), "ngtcp2": ("h3", ("gtlsserver", "gtlsclient"))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--implementations", default=",".join(PAIRS), help="comma-separated: aioquic, ngtcp2")
    options = parser.parse_args()
    for implementation in options.implementations.split(","):
        alpn, programs = PAIRS[implementation]
        if programs and not all(shutil.which(program) for program in programs):
            print(f"{implementation}: skipped, {' and '.join(programs)} not installed")
            continue
        services = one_file_services(implementation, implementation, alpn, SIZE)
        # ngtcp2's programs take the key log from the environment, which argv.json does not hold.
        harness, by_hand = harness_and_by_hand(services, keylog_variable=programs is not None)
        print(describe(f"{implementation} -> {implementation}", SIZE, alpn, harness, by_hand))
    return 0


if __name__ == "__main__":
    sys.exit(main())
