"""Loading the QUIC base (as ``panther plugins list`` does for every plugin) stays cheap."""

from __future__ import annotations

import subprocess
import sys


def test_importing_the_base_does_not_import_cryptography() -> None:
    probe = "import sys, panther_base_quic; print('cryptography' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_making_certificates_still_works_after_a_lazy_import(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from panther_base_quic import make_certificates

    made = make_certificates(tmp_path, ["server"])
    assert made.cert_file.read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")
