"""Sessions of the PANTHER monorepo.

One session per distribution, named after it (``nox -s panther-iut-aioquic``): a
fresh venv holding only that distribution (with its ``test`` extra), the in-repo
distributions it depends on (installed from their folders, found by name), and the
test plugins under its ``tests/plugins/``; then its own tests. Distributions are
discovered from the folders, so a new one needs no edit here.

Other sessions: ``lint`` (ruff), ``types`` (mypy, strict for the core), ``e2e``
(every distribution in one venv, the examples through ``panther run``), ``bench``
(speed figures as ratios against a baseline measured in the same run) and ``demo``
(the README's default experiment).
"""

from __future__ import annotations

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
DISTRIBUTION_GLOBS = ("core", "bases/*", "iuts/*", "testers/*")
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


def _test_plugins(distribution: Distribution) -> list[str]:
    return [str(p.parent) for p in sorted(distribution.folder.glob("tests/plugins/*/pyproject.toml"))]


def _install(session: nox.Session, roots: dict[str, set[str]], *, test_plugins: bool = False) -> None:
    """Install ``roots`` and their in-repo dependencies from their folders.

    A distribution's own test plugins go only into its own session: they may claim
    names (``quic``) that real distributions own elsewhere.
    """
    needed = _local_closure(roots)
    specs = [_install_spec(name, extras) for name, extras in sorted(needed.items())]
    if test_plugins:
        for name in roots:
            specs += _test_plugins(DISTRIBUTIONS[name])
    session.install(*specs)


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


def _everything(session: nox.Session) -> None:
    _install(session, {name: ({"test"} if "test" in d.extras else set()) for name, d in DISTRIBUTIONS.items()})


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


nox.options.sessions = [d.session for d in DISTRIBUTIONS.values()] + ["e2e", "lint", "types"]
