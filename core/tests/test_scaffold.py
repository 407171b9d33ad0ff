"""``panther new``: the distributions it writes are complete, installable, and their tests pass.

The expensive check installs every generated protocol x language combination into
one fresh venv (with the core and the bases from this checkout) and runs each
one's own tests there, then validates the usage example of its README.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from panther.scaffold.bases import LANGUAGES, PROTOCOL_BASES, PROTOCOLS, inheritance
from panther.scaffold.errors import ScaffoldError
from panther.scaffold.generator import PluginSpec, default_directory, write_distribution

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[2]
COMBINATIONS = [(protocol, language) for protocol in PROTOCOLS for language in LANGUAGES]
# Plugins that play one role, as (protocol, language, roles).
ONE_ROLE = [
    ("minip", "c", "server"),
    ("quic", "python", "client"),
    ("none", "go", "server"),
    ("http", "c", "client"),
]
# Real flags instead of the placeholders, written into a generated manager: its tests
# must still pass, since they test what the plugin does, not the flags it was given.
REAL_FLAGS = {
    '"--listen", f"{host}:{port}"': '"-p", str(port), "--bind", host',
    '"--connect", f"{host}:{port}"': 'f"udp://{host}:{port}/", "--count", "3"',
    '["--debug", str(level)]': '["-v"] * level',
}


def panther(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "panther", *args], capture_output=True, text=True, cwd=cwd, timeout=120
    )


def test_an_iut_distribution_has_every_part(tmp_path: Path) -> None:
    spec = PluginSpec(kind="iut", name="my_quic", protocol="quic", language="rust")
    written = write_distribution(spec, tmp_path / "out")
    relative = sorted(str(path.relative_to(tmp_path / "out")) for path in written)
    assert relative == [
        "README.md",
        "pyproject.toml",
        "src/panther_iut_my_quic/__about__.py",
        "src/panther_iut_my_quic/__init__.py",
        "src/panther_iut_my_quic/config_schema.py",
        "src/panther_iut_my_quic/manager.py",
        "src/panther_iut_my_quic/py.typed",
        "tests/test_my_quic.py",
    ]
    project = tomllib.loads((tmp_path / "out/pyproject.toml").read_text())
    assert project["build-system"]["build-backend"] == "hatchling.build"
    assert project["project"]["name"] == "panther-iut-my-quic"
    assert project["project"]["dynamic"] == ["version"]
    assert project["tool"]["hatch"]["version"]["path"] == "src/panther_iut_my_quic/__about__.py"
    assert project["project"]["dependencies"] == [
        "panther-harness>=0.1",
        "panther-base-quic>=0.1",
        "panther-base-rust[quic]>=0.1",
    ]
    assert any(requirement.startswith("pytest") for requirement in project["project"]["optional-dependencies"]["test"])
    assert project["project"]["entry-points"] == {
        "panther.iut": {"my_quic": "panther_iut_my_quic:MyQuicServiceManager"}
    }
    assert '__version__ = "0.1.0"' in (tmp_path / "out/src/panther_iut_my_quic/__about__.py").read_text()

    manager = (tmp_path / "out/src/panther_iut_my_quic/manager.py").read_text()
    assert "class MyQuicServiceManager(RustQUICServiceManager):" in manager
    assert '@register_plugin(\n    plugin_type="iut",\n    name="my_quic",' in manager
    config = (tmp_path / "out/src/panther_iut_my_quic/config_schema.py").read_text()
    assert "class MyQuicConfig(QUICConfig, kw_only=True, forbid_unknown_fields=True):" in config

    readme = (tmp_path / "out/README.md").read_text()
    assert "RustQUICServiceManager\n" in readme
    assert "`debug_level`" in readme
    assert 'name: "my_quic"' in readme


def test_a_tester_registers_in_the_tester_group(tmp_path: Path) -> None:
    spec = PluginSpec(kind="tester", name="judge")
    write_distribution(spec, tmp_path / "judge")
    project = tomllib.loads((tmp_path / "judge/pyproject.toml").read_text())
    assert project["project"]["name"] == "panther-tester-judge"
    assert project["project"]["entry-points"] == {
        "panther.tester": {"judge": "panther_tester_judge:JudgeServiceManager"},
        "panther.protocol": {"judge": "panther_tester_judge.protocol:JudgeProtocol"},
    }
    assert 'plugin_type="tester"' in (tmp_path / "judge/src/panther_tester_judge/manager.py").read_text()


@pytest.mark.parametrize(
    ("protocol", "language", "bases"),
    [
        ("quic", "python", ["PythonQUICServiceManager"]),
        ("minip", "python", ["PythonMinipServiceManager"]),
        ("http", "rust", ["RustServiceMixin", "BaseHTTPServiceManager"]),
        ("none", "rust", ["RustServiceMixin"]),
        ("none", "c", ["BaseServiceManager"]),
        ("http", "go", ["BaseHTTPServiceManager"]),
    ],
)
def test_the_base_classes_follow_protocol_and_language(protocol: str, language: str, bases: list[str]) -> None:
    chain = inheritance(protocol, language)
    assert chain.bases == bases
    assert all(not requirement.startswith(("/", ".", "file:")) for requirement in chain.dependencies)


def test_default_folder_is_the_collection_in_a_checkout(tmp_path: Path) -> None:
    spec = PluginSpec(kind="iut", name="x")
    assert default_directory(spec, tmp_path) == tmp_path / "panther-iut-x"
    (tmp_path / "iuts").mkdir()
    assert default_directory(spec, tmp_path) == tmp_path / "iuts" / "x"
    assert default_directory(PluginSpec(kind="tester", name="x"), tmp_path) == tmp_path / "panther-tester-x"


@pytest.mark.parametrize("name", ["Bad", "with-dash", "9lives", "class", "", "a" * 41])
def test_names_that_cannot_be_packages_are_refused(name: str) -> None:
    with pytest.raises(ScaffoldError, match="invalid plugin name"):
        PluginSpec(kind="iut", name=name)


def test_the_command_writes_into_the_collection_and_never_over_a_folder(tmp_path: Path) -> None:
    (tmp_path / "iuts").mkdir()
    created = panther("new", "iut", "fresh", "--protocol", "none", "--language", "go", cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    assert (tmp_path / "iuts/fresh/src/panther_iut_fresh/manager.py").is_file()

    again = panther("new", "iut", "fresh", cwd=tmp_path)
    assert again.returncode == 2
    assert "already exists and is not empty" in again.stderr
    assert "Traceback" not in again.stderr

    invalid = panther("new", "tester", "No-Good", cwd=tmp_path)
    assert invalid.returncode == 2
    assert "invalid plugin name 'No-Good'" in invalid.stderr

    unknown = panther("new", "iut", "fine", "--protocol", "smtp", cwd=tmp_path)
    assert unknown.returncode == 2
    assert "smtp" in unknown.stderr


# ---------------------------------------------------------------- generated tests pass


def _missing_bases(protocol: str, language: str) -> list[str]:
    folders = []
    if PROTOCOL_BASES[protocol].distribution is not None:
        folders.append(f"bases/{protocol}")
    if language in ("python", "rust"):
        folders.append(f"bases/{language}")
    return [folder for folder in folders if not (REPO / folder / "pyproject.toml").is_file()]


def _pip(python: Path, *args: str) -> None:
    result = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *args],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[tuple[str, str], Path]]:
    """One venv with the core, the bases of this checkout, and every combination it can build."""
    if not (REPO / "core" / "pyproject.toml").is_file():
        pytest.skip("the core is not installed from a checkout of the repository: no local bases to build on")
    root = tmp_path_factory.mktemp("scaffold")
    subprocess.run([sys.executable, "-m", "venv", str(root / "venv")], check=True, timeout=300)
    python = root / "venv" / "bin" / "python"
    bases = [folder for folder in sorted((REPO / "bases").glob("*")) if (folder / "pyproject.toml").is_file()]
    local = [str(REPO / "core"), *map(str, bases)]
    _pip(python, "hatchling", "pytest", *local)

    folders: dict[tuple[str, str], Path] = {}
    for protocol, language in COMBINATIONS:
        if _missing_bases(protocol, language):
            continue
        spec = PluginSpec(kind="iut", name=f"gen_{protocol}_{language}", protocol=protocol, language=language)
        folders[(protocol, language)] = root / spec.distribution
        write_distribution(spec, folders[(protocol, language)])
    tester = PluginSpec(kind="tester", name="gen_judge")
    folders[("tester", "c")] = root / tester.distribution
    write_distribution(tester, folders[("tester", "c")])
    for protocol, language, roles in ONE_ROLE:
        if _missing_bases(protocol, language):
            continue
        spec = PluginSpec(kind="iut", name=f"gen_{roles}_{protocol}", protocol=protocol, language=language, roles=roles)
        folders[(protocol, f"{language}-{roles}")] = root / spec.distribution
        write_distribution(spec, folders[(protocol, f"{language}-{roles}")])
    real = PluginSpec(kind="iut", name="gen_real_flags", protocol="minip", language="c")
    folders[("minip", "c-real-flags")] = root / real.distribution
    write_distribution(real, folders[("minip", "c-real-flags")])
    manager = folders[("minip", "c-real-flags")] / "src" / real.package / "manager.py"
    text = manager.read_text()
    for placeholder, flags in REAL_FLAGS.items():
        assert placeholder in text
        text = text.replace(placeholder, flags)
    manager.write_text(text)
    # Built as wheels with the venv's hatchling, as a user's `pip install` would.
    _pip(python, "--no-deps", "--no-build-isolation", *map(str, folders.values()))
    return python, folders


@pytest.mark.parametrize(
    ("protocol", "language"),
    [
        *COMBINATIONS,
        ("tester", "c"),
        *[(protocol, f"{language}-{roles}") for protocol, language, roles in ONE_ROLE],
        ("minip", "c-real-flags"),
    ],
    ids=str,
)
# The first one also makes the shared venv (pip installs the core and every base).
@pytest.mark.timeout(900)
def test_generated_distribution_passes_its_own_tests(
    protocol: str, language: str, generated: tuple[Path, dict[tuple[str, str], Path]]
) -> None:
    python, folders = generated
    if (protocol, language) not in folders:
        pytest.skip(f"{', '.join(_missing_bases(protocol, language.split('-')[0]))} not in this checkout yet")
    folder = folders[(protocol, language)]
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PANTHER_DISABLE_PLUGINS")}
    tests = subprocess.run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", str(folder / "tests")],
        capture_output=True,
        text=True,
        cwd=folder,
        env=env,
        timeout=300,
    )
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert re.search(r"\b[6-9] passed\b", tests.stdout), tests.stdout

    if "-" in language:
        return  # one-role plugins' examples name a peer (aioquic, ping_pong) not installed here
    # The README's usage example loads as written, with this plugin installed.
    example = re.search(r"```yaml\n(.*?)```", (folder / "README.md").read_text(), re.S)
    assert example is not None
    (folder / "example.yaml").write_text(example.group(1))
    validated = subprocess.run(
        [str(python), "-m", "panther", "validate", str(folder / "example.yaml")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert validated.returncode == 0, validated.stderr


@pytest.mark.parametrize(("roles", "refused"), [("server", "client"), ("client", "server")])
def test_a_one_role_plugin_refuses_the_other_role(tmp_path: Path, roles: str, refused: str) -> None:
    spec = PluginSpec(kind="iut", name="solo", protocol="http", language="c", roles=roles)
    write_distribution(spec, tmp_path / "solo")
    manager = (tmp_path / "solo/src/panther_iut_solo/manager.py").read_text()
    assert f"def _get_{refused}_specific_args(self, **kwargs: Any) -> list[str]:\n        #" in manager
    assert f'raise UnsupportedFeatureError("solo is a {roles} only: use it with role {roles}")' in manager
    assert f"def _get_{roles}_specific_args" in manager
    tests = (tmp_path / "solo/tests/test_solo.py").read_text()
    assert f"def test_it_plays_only_the_{roles}_role" in tests
    assert "--listen" not in tests and "--connect" not in tests and "--debug" not in tests
    readme = (tmp_path / "solo/README.md").read_text()
    assert "an HTTP implementation" in readme
    assert f"It runs as a {roles}" in readme


def test_new_iut_takes_its_roles(tmp_path: Path) -> None:
    created = panther("new", "iut", "solo", "--protocol", "minip", "--roles", "client", cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    assert "is a client only" in (tmp_path / "panther-iut-solo/src/panther_iut_solo/manager.py").read_text()
    # The next step names the interpreter that runs panther: it already has the harness.
    assert f"{sys.executable} -m pip install -e" in created.stdout
    wrong = panther("new", "iut", "solo2", "--roles", "sometimes", cwd=tmp_path)
    assert wrong.returncode == 2 and "sometimes" in wrong.stderr


def test_an_http_client_judges_what_it_saved(tmp_path: Path) -> None:
    spec = PluginSpec(kind="iut", name="webget", protocol="http", language="c", roles="client")
    write_distribution(spec, tmp_path / "webget")
    manager = (tmp_path / "webget/src/panther_iut_webget/manager.py").read_text()
    assert "def evaluate(self, outcome: ServiceOutcome) -> list[Check]:" in manager
    assert "checks = super().evaluate(outcome)" in manager
    tests = (tmp_path / "webget/tests/test_webget.py").read_text()
    assert "def test_a_client_that_saves_more_than_it_was_asked_fails" in tests
    # A server-only HTTP plugin saves nothing: no such check.
    write_distribution(PluginSpec(kind="iut", name="websrv", protocol="http", roles="server"), tmp_path / "websrv")
    assert "def evaluate" not in (tmp_path / "websrv/src/panther_iut_websrv/manager.py").read_text()
