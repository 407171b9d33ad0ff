"""PANTHER's own quiche programs: what building them costs, and what the harness costs a transfer.

- Build: the plugin's cargo build (``panther_base_rust.cargo``) into a fresh cache
  (cold: every crate, BoringSSL included), again with the sources unchanged (cached:
  what every later run on the machine pays), and after a change of the programs'
  sources with the dependencies already built (incremental). Figures as ratios to the
  cold build of the same run. ``--skip-cold`` measures the user's cache instead
  (whatever state it is in) and says so.
- Transfer: a 50 MiB download quiche -> quiche through ``panther run`` against the very
  commands the harness ran, started by hand (``panther_base_quic.goodput``): the
  ratio of the client's durations (goal: at most 1.05).

Nothing here asserts: it prints figures.

    python iuts/quiche/bench/build_and_goodput.py [--skip-cold] [--skip-transfer]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from panther_base_quic.goodput import MIB, describe, harness_and_by_hand, one_file_services
from panther_base_rust import cargo
from panther_iut_quiche.programs import PROJECT

FEATURES = ["qlog"]
SIZE = 50 * MIB


def timed_build(project: cargo.CargoProject, cache: Path | None) -> tuple[float, cargo.CargoBuild]:
    began = time.monotonic()
    built = cargo.build(project, FEATURES, cache=cache)
    return time.monotonic() - began, built


def builds(skip_cold: bool) -> None:
    if cargo.find_cargo() is None:
        print("build: skipped, cargo is not installed")
        return
    with tempfile.TemporaryDirectory(prefix="panther-quiche-bench-") as temporary:
        cache = None if skip_cold else Path(temporary) / "cache"
        first, built = timed_build(PROJECT, cache)
        label = (
            "cold (fresh cache)"
            if cache is not None
            else f"user's cache ({'compiled' if built.compiled else 'cached'})"
        )
        cached, _ = timed_build(PROJECT, cache)
        # The same programs with one source file changed: only this package compiles again.
        changed = Path(temporary) / "programs"
        shutil.copytree(PROJECT.path, changed)
        main = changed / "src" / "lib.rs"
        main.write_text(main.read_text() + "\n// bench: a changed source\n")
        incremental, scratch = timed_build(replace(PROJECT, path=changed), cache)
        shutil.rmtree(scratch.folder)  # a build of sources that exist nowhere else
    print(f"quiche programs build ({PROJECT.package} {PROJECT.version}, features {','.join(FEATURES)})")
    if cache is None:
        # No cold build in this run: no baseline to divide by.
        print(f"  {label:<26} {first:8.3f} s")
        print(f"  {'cached (same sources)':<26} {cached:8.3f} s")
        print(f"  {'incremental (one change)':<26} {incremental:8.1f} s")
        return
    print(f"  {label:<26} {first:8.1f} s   1.000")
    print(f"  {'cached (same sources)':<26} {cached:8.3f} s   {cached / first:.5f} x cold")
    print(f"  {'incremental (one change)':<26} {incremental:8.1f} s   {incremental / first:.3f} x cold")


def transfer() -> None:
    harness, by_hand = harness_and_by_hand(one_file_services("quiche", "quiche", "h3", SIZE))
    print(describe("quiche -> quiche", SIZE, "h3", harness, by_hand))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-cold", action="store_true", help="no fresh-cache build (it takes minutes)")
    parser.add_argument("--skip-transfer", action="store_true", help="no 50 MiB transfer")
    options = parser.parse_args()
    builds(options.skip_cold)
    if not options.skip_transfer:
        transfer()
    return 0


if __name__ == "__main__":
    sys.exit(main())
