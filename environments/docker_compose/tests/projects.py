"""A throwaway Python project, installed from its folder the way in-repo plugins are,
for the tests of how images find the distributions a manager needs."""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType


@contextmanager
def installed_project(folder: Path, package: str, modules: dict[str, str]) -> Iterator[Path]:
    """Write a project in ``folder/project`` whose package ``package`` holds ``modules``
    (name -> source), install it from that folder into ``folder/site``, and put it on
    ``sys.path`` while the block runs; the project's folder."""
    project = folder / "project"
    source = project / "src" / package
    source.mkdir(parents=True)
    for name, text in modules.items():
        (source / f"{name}.py").write_text(text)
    distribution = package.replace("_", "-")
    (project / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'
        f'[project]\nname = "{distribution}"\nversion = "0.1"\n'
        f'[tool.hatch.build.targets.wheel]\npackages = ["src/{package}"]\n'
    )
    site = folder / "site"
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), str(project)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert installed.returncode == 0, installed.stderr
    sys.path.insert(0, str(site))
    try:
        yield project
    finally:
        sys.path.remove(str(site))
        for name in [name for name in sys.modules if name == package or name.startswith(f"{package}.")]:
            del sys.modules[name]


def module(name: str) -> ModuleType:
    return importlib.import_module(name)
