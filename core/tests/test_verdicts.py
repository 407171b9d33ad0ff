"""How checks combine into a test's verdict."""

from panther.runner.results import deciding_check, verdict_of
from panther.services.outcome import Check


def test_worst_judged_check_decides() -> None:
    assert verdict_of(["passed", "failed", "unsupported"]) == "failed"
    assert verdict_of(["passed", "error", "failed"]) == "error"
    assert verdict_of(["passed", "unsupported"]) == "unsupported"


def test_a_skipped_check_does_not_hide_a_judgement() -> None:
    assert verdict_of(["passed", "skipped"]) == "passed"
    assert verdict_of(["failed", "skipped"]) == "failed"


def test_only_skipped_checks_make_a_skipped_test() -> None:
    assert verdict_of(["skipped", "skipped"]) == "skipped"


def test_the_deciding_check_is_the_first_with_the_verdict() -> None:
    checks = [
        Check(name="alpn", status="skipped", reason="no qlog"),
        Check(name="client exit", status="failed", reason="exited with 1"),
        Check(name="files", status="failed", reason="a.bin truncated"),
    ]
    decided = deciding_check(checks)
    assert decided is not None and decided.name == "client exit"
