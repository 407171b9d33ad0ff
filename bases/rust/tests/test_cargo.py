"""Building a shipped cargo project for real: the cache, its key, its lock, its errors.

The project is ``tests/hello`` (no dependencies: it builds in seconds). Every test
builds into a cache folder of its own, so nothing here touches the user's cache.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from panther.testing import require_peer
from panther_base_rust import cargo
from panther_base_rust.cargo import CargoBuildError, CargoProject

HELLO = Path(__file__).parent / "hello"


def require_cargo() -> str:
    found = cargo.find_cargo()
    require_peer("cargo", found is not None, "install Rust (https://rustup.rs)")
    assert found is not None
    return found


@pytest.fixture
def project(tmp_path: Path) -> CargoProject:
    """A copy of the hello project that a test may change."""
    folder = tmp_path / "hello"
    shutil.copytree(HELLO, folder)
    return CargoProject(path=folder, package="panther-hello", version="0.1.0", binaries=("panther-hello",))


def run(binary: Path, **environment: str) -> str:
    return subprocess.run([str(binary)], capture_output=True, text=True, check=True, env=environment).stdout.strip()


def test_the_key_follows_the_sources_the_features_and_the_profile(project: CargoProject) -> None:
    key = cargo.build_key(project, [])
    assert key.startswith("0.1.0-")
    assert cargo.build_key(project, []) == key
    assert cargo.build_key(project, ["shout"]) != key
    assert cargo.build_key(project, [], release=False) != key
    (project.path / "src" / "main.rs").write_text((project.path / "src" / "main.rs").read_text() + "\n// changed\n")
    assert cargo.build_key(project, []) != key


def test_what_is_not_source_does_not_count(project: CargoProject) -> None:
    key = cargo.build_key(project, [])
    (project.path / "target" / "release").mkdir(parents=True)
    (project.path / "target" / "release" / "panther-hello").write_text("stale")
    (project.path / ".hidden").write_text("editor state")
    assert cargo.build_key(project, []) == key
    assert [str(path) for path in project.source_files()] == ["Cargo.lock", "Cargo.toml", "src/main.rs"]


def test_a_build_is_compiled_once_then_taken_from_the_cache(project: CargoProject, tmp_path: Path) -> None:
    require_cargo()
    cache = tmp_path / "cache"
    messages: list[str] = []
    first = cargo.build(project, [], cache=cache, announce=messages.append)
    assert first.compiled
    assert run(first.binary("panther-hello"), GREETING_NAME="panther") == "hello panther"
    assert len(messages) == 1 and "with cargo" in messages[0] and "log:" in messages[0]
    record = json.loads((first.folder / cargo.BUILD_RECORD).read_text())
    assert record["package"] == "panther-hello" and record["seconds"] > 0
    assert (first.folder / cargo.BUILD_LOG).read_text().startswith("$ ")

    # No cargo is needed for what the cache holds.
    second = cargo.build(project, [], cache=cache, cargo="/nonexistent/cargo", announce=messages.append)
    assert (second.compiled, second.folder) == (False, first.folder)
    assert len(messages) == 1


def test_features_reach_the_build(project: CargoProject, tmp_path: Path) -> None:
    require_cargo()
    shouting = cargo.build(project, ["shout"], cache=tmp_path / "cache")
    assert run(shouting.binary("panther-hello"), GREETING_NAME="panther") == "HELLO PANTHER"


def test_changed_sources_are_built_again(project: CargoProject, tmp_path: Path) -> None:
    require_cargo()
    cache = tmp_path / "cache"
    before = cargo.build(project, [], cache=cache)
    main = project.path / "src" / "main.rs"
    main.write_text(main.read_text().replace('"hello {name}"', '"hi {name}"', 1))
    after = cargo.build(project, [], cache=cache)
    assert after.compiled and after.folder != before.folder
    assert run(after.binary("panther-hello"), GREETING_NAME="x") == "hi x"
    # Both builds stay in the cache; the target folder is shared.
    assert run(before.binary("panther-hello"), GREETING_NAME="x") == "hello x"
    assert sorted(path.name for path in (cache / "rust" / "panther-hello").iterdir()) == [
        "builds",
        "lock",
        "source",
        "target",
    ]


def test_only_the_newest_builds_are_kept(project: CargoProject, tmp_path: Path) -> None:
    require_cargo()
    cache = tmp_path / "cache"
    main = project.path / "src" / "main.rs"
    folders = []
    for number in range(cargo.KEPT_BUILDS + 1):
        main.write_text(main.read_text() + f"\n// version {number}\n")
        folders.append(cargo.build(project, [], cache=cache).folder)
    assert not folders[0].exists()
    assert all(folder.is_dir() for folder in folders[1:])


def test_a_build_waits_for_another_one_holding_the_lock(project: CargoProject, tmp_path: Path) -> None:
    require_cargo()
    cache = tmp_path / "cache"
    lock = cache / "rust" / "panther-hello" / "lock"
    lock.parent.mkdir(parents=True)
    waiting = threading.Event()
    results: list[cargo.CargoBuild] = []
    with open(lock, "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        worker = threading.Thread(
            target=lambda: results.append(
                cargo.build(project, [], cache=cache, announce=lambda m: waiting.set() if "waiting" in m else None)
            )
        )
        worker.start()
        assert waiting.wait(timeout=30), "the build did not say it was waiting for the lock"
        assert not results, "the build went on while another one held the lock"
        fcntl.flock(held, fcntl.LOCK_UN)
    worker.join(timeout=300)
    assert results and results[0].compiled


def test_concurrent_runs_build_once_and_agree(project: CargoProject, tmp_path: Path) -> None:
    require_cargo()
    cache = tmp_path / "cache"
    script = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from panther_base_rust import cargo\n"
        f"project = cargo.CargoProject(path=Path({str(project.path)!r}), package='panther-hello', version='0.1.0', "
        "binaries=('panther-hello',))\n"
        f"built = cargo.build(project, [], cache=Path({str(cache)!r}))\n"
        "print(json.dumps({'compiled': built.compiled, 'folder': str(built.folder)}))\n"
    )
    processes = [subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True) for _ in range(3)]
    outcomes = [json.loads(process.communicate(timeout=300)[0]) for process in processes]
    assert [process.returncode for process in processes] == [0, 0, 0]
    assert sum(outcome["compiled"] for outcome in outcomes) == 1
    assert len({outcome["folder"] for outcome in outcomes}) == 1
    assert run(Path(outcomes[0]["folder"]) / "panther-hello") == "hello nobody"


def test_the_projects_own_tests_run_in_the_shared_target_folder(project: CargoProject, tmp_path: Path) -> None:
    require_cargo()
    cache = tmp_path / "cache"
    passed = cargo.run_tests(project, [], cache=cache)
    assert passed.returncode == 0, passed.stderr
    assert "test tests::greets_by_name ... ok" in passed.stdout
    assert (cache / "rust" / "panther-hello" / "target" / "release").is_dir()
    main = project.path / "src" / "main.rs"
    main.write_text(main.read_text().replace('"hello x"', '"bye x"'))
    failed = cargo.run_tests(project, [], cache=cache)
    assert failed.returncode != 0 and "greets_by_name ... FAILED" in failed.stdout


def test_a_failed_build_shows_the_compiler_and_keeps_nothing(project: CargoProject, tmp_path: Path) -> None:
    require_cargo()
    cache = tmp_path / "cache"
    (project.path / "src" / "main.rs").write_text("fn main() { this is not rust }\n")
    with pytest.raises(CargoBuildError) as caught:
        cargo.build(project, [], cache=cache)
    message = str(caught.value)
    assert message.startswith("cargo build of panther-hello failed (exit 101); log: ")
    assert "error" in message  # the end of the log, with rustc's diagnostic
    builds = cache / "rust" / "panther-hello" / "builds"
    assert not [path for path in builds.iterdir() if path.is_dir()]


def test_missing_cargo_says_what_to_install(
    project: CargoProject, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("CARGO_HOME", raising=False)
    assert cargo.find_cargo() is None
    needs = CargoProject(**{**project.__dict__, "requirements": "cmake and a C compiler"})
    with pytest.raises(
        CargoBuildError,
        match=r"cargo is not installed: building panther-hello from source needs "
        r"Rust's cargo \(cmake and a C compiler\); install Rust \(https://rustup.rs\)",
    ):
        cargo.build(needs, [], cache=tmp_path / "cache")


def test_a_project_without_its_lock_file_is_refused(project: CargoProject, tmp_path: Path) -> None:
    (project.path / "Cargo.lock").unlink()
    with pytest.raises(CargoBuildError, match="ships no Cargo.lock"):
        cargo.build(project, [], cache=tmp_path / "cache")


def test_the_cache_folder_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PANTHER_CACHE_DIR", str(tmp_path / "mine"))
    assert cargo.cache_root() == tmp_path / "mine"
    monkeypatch.delenv("PANTHER_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cargo.cache_root() == tmp_path / "xdg" / "panther"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert cargo.cache_root() == tmp_path / ".cache" / "panther"


def test_cargo_is_found_where_rustup_puts_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "cargo-home"
    (home / "bin").mkdir(parents=True)
    (home / "bin" / "cargo").write_text("#!/bin/sh\n")
    os.chmod(home / "bin" / "cargo", 0o700)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setenv("CARGO_HOME", str(home))
    assert cargo.find_cargo() == str(home / "bin" / "cargo")
