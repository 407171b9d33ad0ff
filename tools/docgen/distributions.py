"""The distributions of this repository, found the way the noxfile finds them.

``DISTRIBUTION_GLOBS`` is read from ``noxfile.py`` (not imported: nox need not be
installed where the site is built), so a distribution in a new folder needs no edit
here either.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Distribution:
    name: str
    folder: Path
    summary: str

    @property
    def relative(self) -> str:
        return self.folder.relative_to(ROOT).as_posix()


def distribution_globs() -> tuple[str, ...]:
    tree = ast.parse((ROOT / "noxfile.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "DISTRIBUTION_GLOBS" for target in node.targets
        ):
            return tuple(ast.literal_eval(node.value))
    raise LookupError("noxfile.py defines no DISTRIBUTION_GLOBS")


def distributions() -> list[Distribution]:
    found: list[Distribution] = []
    for pattern in distribution_globs():
        for pyproject in sorted(ROOT.glob(f"{pattern}/pyproject.toml")):
            project = tomllib.loads(pyproject.read_text())["project"]
            found.append(Distribution(project["name"], pyproject.parent, project.get("description", "")))
    return found
