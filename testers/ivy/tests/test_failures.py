"""The tester's own failures: a model that does not compile, and a tester that hangs."""

from __future__ import annotations

import os
from pathlib import Path

from panther.testing import run_panther
from panther_tester_ivy.compiler import CompileError, CompileRequest, compile_test, first_error
from panther_tester_ivy.models import MINIP, ModelSource
from panther_tester_ivy.toolchain import cache_root, ensure_toolchain

BROKEN = """#lang ivy1.7
include minip_wire
action broken(x:seq_num) = {
    x := undefined_symbol
}
export broken
"""


def _fake_quic_checkout(root: Path) -> tuple[Path, Path]:
    """A PANTHER-Ivy-shaped folder whose test does not compile, and a picotls-shaped one."""
    models = root / "protocol-testing" / "quic"
    (models / "quic_tests" / "server_tests").mkdir(parents=True)
    (models / "quic_tests" / "server_tests" / "quic_server_test_broken.ivy").write_text(
        "#lang ivy1.7\ninclude quic_missing_stack\nexport action step = { require true }\n"
    )
    picotls = root / "picotls"
    (picotls / "include").mkdir(parents=True)
    (picotls / "include" / "picotls.h").write_text("")
    for name in ("libpicotls-core.a", "libpicotls-openssl.a", "libpicotls-minicrypto.a"):
        (picotls / name).write_bytes(b"")
    return models, picotls


def test_a_model_that_does_not_compile_is_an_error_with_the_first_compiler_error(tmp_path: Path) -> None:
    models, picotls = _fake_quic_checkout(tmp_path / "upstream")
    experiment = {
        "name": "broken_model",
        "tests": [
            {
                "name": "broken",
                "services": {
                    "iut": {
                        "implementation": {"name": "ping_pong", "type": "iut"},
                        "protocol": {"name": "minip", "role": "server"},
                    },
                    "ivy": {
                        "implementation": {
                            "name": "panther_ivy",
                            "type": "testers",
                            "test": "quic_server_test_broken",
                            "quic_models": str(models),
                            "picotls": str(picotls),
                        },
                        # A QUIC test speaks QUIC (its parameters come from the QUIC base).
                        "protocol": {"name": "quic", "role": "client", "target": "iut"},
                    },
                },
            }
        ],
    }
    run = run_panther(experiment, tmp_path)
    test = run.test()
    assert test.verdict == "error"
    check = test.checks["ivy prepare"]
    assert "Ivy could not compile quic_server_test_broken" in check["reason"]
    assert "quic_missing_stack" in check["reason"]  # the compiler's first error, not a generic message
    # The whole compiler output is kept where the reason says (the run's prepare folder).
    log = Path(check["reason"].rsplit("(compiler output: ", 1)[1].rstrip(")"))
    assert log.name == "ivy-compile.log" and "quic_missing_stack" in log.read_text()


def test_compile_error_comes_from_the_compiler_and_is_not_cached(tmp_path: Path) -> None:
    (tmp_path / "broken_test.ivy").write_text(BROKEN)
    model = ModelSource((*MINIP.folders, tmp_path))
    root = cache_root()
    toolchain = ensure_toolchain(root)
    for _ in range(2):  # a failed build leaves nothing that looks finished
        try:
            compile_test(CompileRequest("broken_test", model), toolchain, root)
        except CompileError as error:
            assert "undefined_symbol" in error.first_error
            assert "broken_test.ivy" in error.first_error
        else:
            raise AssertionError("a broken model compiled")


def test_first_error_reads_each_compiler_format() -> None:
    assert first_error("noise\nm.ivy: line 3: error: unknown type: x\nlater.ivy(4): error: y\n") == (
        "m.ivy: line 3: error: unknown type: x"
    )
    assert first_error("m.ivy(35): error: redefining addr\n") == "m.ivy(35): error: redefining addr"
    assert first_error("t.cpp:12:5: error: 'x' was not declared\n") == "t.cpp:12:5: error: 'x' was not declared"
    assert first_error("just a last line\n") == "just a last line"


def test_a_tester_that_hangs_ends_at_its_timeout_and_leaves_no_process(tmp_path: Path) -> None:
    # A server-side tester whose client never comes, with a patience longer than the test:
    # it waits for ever, as a generator that cannot satisfy its model would.
    experiment = {
        "name": "hang",
        "tests": [
            {
                "name": "hang",
                "services": {
                    "ivy": {
                        "implementation": {
                            "name": "panther_ivy",
                            "type": "testers",
                            "test": "minip_client_test",
                            "idle_timeout": 3600,
                            "count": 3,
                        },
                        "protocol": {"name": "minip", "role": "server"},
                        "timeout": 3,
                    },
                },
                "timeout": 20,
            }
        ],
    }
    run = run_panther(experiment, tmp_path)
    test = run.test()
    check = test.checks["ivy minip_client_test"]
    assert check["status"] == "failed"
    assert "did not complete before its timeout" in check["reason"]
    binary = (test.output_dir / "ivy" / "argv.json").read_text().split('"')[1]
    assert os.path.exists(binary)
    assert not _processes_running(Path(binary))


def _processes_running(binary: Path) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if Path(f"/proc/{entry}/exe").resolve() == binary.resolve():
                    found.append(int(entry))
            except OSError:
                continue
    return found
