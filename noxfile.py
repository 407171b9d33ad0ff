"""Sessions of the PANTHER monorepo.

One session per distribution, named after it (``nox -s panther-iut-aioquic``): a
fresh venv holding only that distribution (with its ``test`` extra), the in-repo
distributions it depends on (installed from their folders, found by name), and the
test plugins under its ``tests/plugins/``; then its own tests. Distributions are
discovered from the folders, so a new one needs no edit here.

Other sessions: ``lint`` (ruff), ``types`` (mypy, strict for the core), ``e2e``
(every distribution in one venv, the examples through ``panther run``), ``docs`` (the
site, built strictly, and every example on its pages tested), ``build`` (a wheel and
an sdist of each distribution, checked), ``index`` (those installed from a local index
as users install them), ``lowest`` (the lowest versions our requirements allow),
``release`` (one distribution, to an index), ``bench``
(speed figures as ratios against a baseline measured in the same run) and ``demo``
(the README's default experiment).
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nox
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - nox itself may run on 3.10
    import tomli as tomllib

ROOT = Path(__file__).parent
DISTRIBUTION_GLOBS = ("core", "bases/*", "iuts/*", "testers/*", "environments/*")
# The experiment the README's first command runs.
DEFAULT_EXPERIMENT = "examples/quic_transfer.yaml"
DEFAULT_EXPERIMENT_DISTRIBUTIONS = ("panther-iut-aioquic",)

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_venv = "no"


@dataclass
class Distribution:
    name: str
    folder: Path
    requirements: list[Requirement]
    extras: dict[str, list[Requirement]] = field(default_factory=dict)

    @property
    def session(self) -> str:
        return self.name


def _discover() -> dict[str, Distribution]:
    found: dict[str, Distribution] = {}
    for pattern in DISTRIBUTION_GLOBS:
        for pyproject in sorted(ROOT.glob(f"{pattern}/pyproject.toml")):
            project = tomllib.loads(pyproject.read_text())["project"]
            name = canonicalize_name(project["name"])
            found[name] = Distribution(
                name=name,
                folder=pyproject.parent,
                requirements=[Requirement(r) for r in project.get("dependencies", [])],
                extras={
                    extra: [Requirement(r) for r in requirements]
                    for extra, requirements in project.get("optional-dependencies", {}).items()
                },
            )
    return found


DISTRIBUTIONS = _discover()


def _local_closure(roots: dict[str, set[str]]) -> dict[str, set[str]]:
    """In-repo distributions needed by ``roots`` (name -> extras), with the extras each needs."""
    needed: dict[str, set[str]] = {}
    pending = list(roots.items())
    while pending:
        name, extras = pending.pop()
        before = needed.get(name)
        if before is not None and extras <= before:
            continue
        needed[name] = (before or set()) | extras
        distribution = DISTRIBUTIONS[name]
        requirements = list(distribution.requirements)
        for extra in needed[name]:
            requirements += distribution.extras.get(extra, [])
        for requirement in requirements:
            dependency = canonicalize_name(requirement.name)
            if dependency in DISTRIBUTIONS:
                pending.append((dependency, set(requirement.extras)))
    return needed


def _install_spec(name: str, extras: set[str]) -> str:
    folder = str(DISTRIBUTIONS[name].folder)
    return f"{folder}[{','.join(sorted(extras))}]" if extras else folder


def _test_plugins(distribution: Distribution) -> list[Path]:
    return [p.parent for p in sorted(distribution.folder.glob("tests/plugins/*/pyproject.toml"))]


def _in_repo_requirements(folder: Path) -> dict[str, set[str]]:
    """The in-repo distributions a project folder (a test plugin) requires, with their extras."""
    project = tomllib.loads((folder / "pyproject.toml").read_text())["project"]
    found: dict[str, set[str]] = {}
    for requirement in map(Requirement, project.get("dependencies", [])):
        name = canonicalize_name(requirement.name)
        if name in DISTRIBUTIONS:
            found.setdefault(name, set()).update(requirement.extras)
    return found


def _install(
    session: nox.Session, roots: dict[str, set[str]], *, test_plugins: bool = False, options: tuple[str, ...] = ()
) -> None:
    """Install ``roots`` and their in-repo dependencies from their folders.

    A distribution's own test plugins go only into its own session: they may claim
    names (``quic``) that real distributions own elsewhere. What they require from
    this repository is installed from its folders too.
    """
    plugins = [folder for name in roots for folder in _test_plugins(DISTRIBUTIONS[name])] if test_plugins else []
    wanted = {name: set(extras) for name, extras in roots.items()}
    for folder in plugins:
        for name, extras in _in_repo_requirements(folder).items():
            wanted.setdefault(name, set()).update(extras)
    needed = _local_closure(wanted)
    specs = [_install_spec(name, extras) for name, extras in sorted(needed.items())]
    session.install(*options, *specs, *map(str, plugins))


def _register_distribution_session(distribution: Distribution) -> None:
    def run_tests(session: nox.Session) -> None:
        extras = {"test"} if "test" in distribution.extras else set()
        _install(session, {distribution.name: extras}, test_plugins=True)
        session.chdir(distribution.folder)
        session.run("pytest", *session.posargs)

    run_tests.__doc__ = f"Tests of {distribution.name}, alone in its own venv."
    nox.session(name=distribution.session, tags=["tests"])(run_tests)


for _distribution in DISTRIBUTIONS.values():
    _register_distribution_session(_distribution)


def _everything(session: nox.Session, *options: str) -> None:
    everything = {name: ({"test"} if "test" in d.extras else set()) for name, d in DISTRIBUTIONS.items()}
    _install(session, everything, options=options)


@nox.session(tags=["tests"])
def lint(session: nox.Session) -> None:
    """Ruff over the whole repository."""
    # Pinned: a new ruff may format differently, and CI must not break on its own.
    session.install("ruff>=0.17,<0.18")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(tags=["tests"])
def types(session: nox.Session) -> None:
    """mypy: strict for the core, the repository's settings for the plugins."""
    _everything(session)
    session.install("mypy>=2.4,<2.5", "types-PyYAML")
    session.run("mypy", "--strict", "core/src/panther")
    plugin_packages = [str(d.folder / "src") for name, d in DISTRIBUTIONS.items() if name != "panther-harness"]
    if plugin_packages:
        session.run("mypy", *plugin_packages)


@nox.session(tags=["tests"])
def e2e(session: nox.Session) -> None:
    """Every distribution in one venv: each example experiment through ``panther run``."""
    _everything(session)
    session.run("pytest", "tests/e2e", *session.posargs)


# MkDocs 1.x: the site's configuration is MkDocs 1's.
DOCS_REQUIREMENTS = ("mkdocs>=1.6,<2", "mkdocs-material>=9.5,<10", "mkdocs-gen-files>=0.5,<0.7")


@nox.session(tags=["tests"])
def docs(session: nox.Session) -> None:
    """The documentation site (warnings are errors), then every example on its pages tested."""
    _everything(session)
    session.install(*DOCS_REQUIREMENTS)
    quiet = {"NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}
    session.run("mkdocs", "build", "--strict", "--site-dir", str(ROOT / "site"), env=quiet)
    session.run("pytest", "tests/docs", *session.posargs)


DIST = ROOT / "dist"
# hatch builds (and bumps versions); twine checks and uploads; pypiserver is the index
# the installation tests use.
RELEASE_TOOLS = ("hatch>=1.14", "twine>=6.1")


def _hatch_env(session: nox.Session) -> dict[str, str]:
    """Hatch keeps its build environments in a folder of this session: a fresh one
    each run, shared with no other hatch on the machine."""
    return {"HATCH_DATA_DIR": str(Path(session.create_tmp()).resolve() / "hatch")}


@nox.session(tags=["tests"])
def build(session: nox.Session) -> None:
    """A wheel and an sdist of every distribution into dist/ (hatch), checked with
    ``twine check --strict`` and for the metadata an index page shows."""
    session.install(*RELEASE_TOOLS)
    session.run("python", "tools/release.py", "metadata")
    shutil.rmtree(DIST, ignore_errors=True)
    session.run("python", "tools/release.py", "build", str(DIST), env=_hatch_env(session))


@nox.session(tags=["tests"])
def index(session: nox.Session) -> None:
    """The built distributions from a local index: installed as users install them, a
    plugin written from the guide outside the repository, a release published.
    Uses dist/ as ``nox -s build`` left it (run that first)."""
    session.install("pytest>=8", "pytest-timeout>=2.2", "pypiserver>=2.3", *RELEASE_TOOLS)
    session.run("pytest", "tests/release", *session.posargs, env={"PANTHER_DIST_DIR": str(DIST), **_hatch_env(session)})


# The tests run against the lowest versions: the examples end to end (aioquic, ngtcp2,
# ping-pong, Ivy, HTTP: every third-party library at work), and the bases' own tests
# (msgspec, cryptography), which take seconds.
LOWEST_TESTS = ("bases/minip", "bases/quic", "bases/tcp")


@nox.session(tags=["tests"], venv_backend="uv")
def lowest(session: nox.Session) -> None:
    """Every distribution with the lowest versions its requirements allow (uv's
    lowest-direct resolution), then the examples end to end and the tests of
    ``LOWEST_TESTS``: the lower bounds we declare are tested."""
    _everything(session, "--resolution", "lowest-direct")
    # The matrix example's cells, a perfect and an impaired case of them: every case
    # already ran in `e2e`; here the lowest versions must reach the cases' judging.
    session.env["PANTHER_E2E_MATRIX_CASES"] = "handshake,retry,transferloss"
    session.run("pytest", "tests/e2e", *session.posargs)
    for folder in LOWEST_TESTS:
        session.chdir(ROOT / folder)
        session.run("pytest", *session.posargs)


@nox.session
def release(session: nox.Session) -> None:
    """Release one distribution: ``nox -s release -- FOLDER VERSION --repository-url URL``
    (VERSION: a version or major/minor/patch; see docs/releasing.md)."""
    session.install(*RELEASE_TOOLS)
    session.run("python", "tools/release.py", "release", *session.posargs, env=_hatch_env(session))


@nox.session
def bench(session: nox.Session) -> None:
    """Speed and memory figures, each as a ratio against a baseline of the same run."""
    # As pip installs do: compiled once, modules start without being compiled again
    # by every process an experiment starts (uv leaves that to the first import).
    session.env["UV_COMPILE_BYTECODE"] = "1"
    _everything(session)
    for script in sorted(ROOT.glob("*/bench/*.py")) + sorted(ROOT.glob("*/*/bench/*.py")):
        session.log(f"bench: {script.relative_to(ROOT)}")
        session.run("python", str(script), *session.posargs)


@nox.session
def demo(session: nox.Session) -> None:
    """The README's default experiment."""
    _install(session, {name: set() for name in DEFAULT_EXPERIMENT_DISTRIBUTIONS})
    session.run("panther", "run", DEFAULT_EXPERIMENT, *session.posargs)


nox.options.sessions = [d.session for d in DISTRIBUTIONS.values()] + [
    "e2e",
    "docs",
    "build",
    "index",
    "lowest",
    "lint",
    "types",
]
