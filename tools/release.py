"""Build, check and publish the distributions of this repository, one at a time or all.

    python tools/release.py metadata [--write]          every pyproject has the shared metadata
    python tools/release.py build OUT [FOLDER ...]      wheel and sdist of each, checked
    python tools/release.py release FOLDER VERSION --repository-url URL [--dist OUT]
    python tools/release.py tag FOLDER                  the git tag of FOLDER's current version
    python tools/release.py folder NAME                 the folder of the distribution NAME

``VERSION`` is a version (``0.2.0``) or a part to bump (``major``, ``minor``, ``patch``,
``rc`` ...: whatever ``hatch version`` accepts). A release bumps the version in the
distribution's ``__about__.py`` (with hatch), requires an entry ``## [VERSION]`` in its
``CHANGELOG.md``, builds a wheel and an sdist (hatch), checks them (``twine check
--strict`` and the metadata below), and uploads them with twine to the given index
(credentials from ``TWINE_USERNAME``/``TWINE_PASSWORD``, as twine reads them).

The metadata every distribution shares (classifiers, project URLs) is written once, in
``[tool.panther.release]`` of the repository's ``pyproject.toml``; ``metadata --write``
adds it to a distribution that lacks it. Distributions are found as the noxfile finds
them (``DISTRIBUTION_GLOBS``).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tarfile
import zipfile
from email.parser import HeaderParser
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "docgen"))

from distributions import ROOT, Distribution, distributions  # noqa: E402

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib


class ReleaseError(Exception):
    """What stops a build or a release, said so that the person knows what to do."""


# ---------------------------------------------------------------------- metadata


def shared_metadata() -> dict[str, object]:
    settings: dict[str, object] = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["panther"]["release"]
    return settings


def expected_urls(distribution: Distribution) -> dict[str, str]:
    settings = shared_metadata()
    repository = str(settings["repository"])
    return {
        "Homepage": repository,
        "Documentation": str(settings["documentation"]),
        "Source": f"{repository}/tree/main/{distribution.relative}",
        "Changelog": f"{repository}/blob/main/{distribution.relative}/CHANGELOG.md",
        "Issues": f"{repository}/issues",
    }


def metadata_problems(distribution: Distribution) -> list[str]:
    project = tomllib.loads((distribution.folder / "pyproject.toml").read_text())["project"]
    problems = []
    classifiers = list(shared_metadata()["classifiers"])  # type: ignore[call-overload]
    if project.get("classifiers") != classifiers:
        problems.append("classifiers differ from [tool.panther.release] of the repository's pyproject.toml")
    if project.get("urls") != expected_urls(distribution):
        problems.append(f"[project.urls] should be {expected_urls(distribution)}")
    for key in ("license", "requires-python", "readme", "description"):
        if not project.get(key):
            problems.append(f"no `{key}` in [project]")
    if not (distribution.folder / "CHANGELOG.md").is_file():
        problems.append("no CHANGELOG.md")
    return problems


def write_metadata(distribution: Distribution) -> bool:
    """Add the shared classifiers and URLs where they are missing; True when written."""
    path = distribution.folder / "pyproject.toml"
    text = path.read_text()
    project = tomllib.loads(text)["project"]
    changed = False
    if "classifiers" not in project:
        classifiers = "".join(f'  "{c}",\n' for c in shared_metadata()["classifiers"])  # type: ignore[attr-defined]
        text = re.sub(
            r"(?m)^(requires-python = .*\n)", lambda m: m.group(1) + f"classifiers = [\n{classifiers}]\n", text
        )
        changed = True
    if "urls" not in project:
        urls = "".join(f'{key} = "{value}"\n' for key, value in expected_urls(distribution).items())
        # Before the first table after [project]: the URLs belong to the project.
        match = re.search(r"(?m)^\[(?!project\]).*\]\s*$", text[text.index("[project]") :])
        at = text.index("[project]") + match.start() if match else len(text)
        text = text[:at] + f"[project.urls]\n{urls}\n" + text[at:]
        changed = True
    if changed:
        path.write_text(text)
    if not (distribution.folder / "CHANGELOG.md").exists():
        version = current_version(distribution.folder)
        (distribution.folder / "CHANGELOG.md").write_text(
            changelog_template(distribution.name, version, distribution.summary)
        )
        changed = True
    return changed


def changelog_template(name: str, version: str, summary: str) -> str:
    return (
        f"# Changelog of {name}\n\n"
        "Every release of this distribution, newest first. Versions follow Semantic Versioning;\n"
        "the entries under Unreleased go out with the next one.\n\n"
        "## [Unreleased]\n\n"
        f"## [{version}]\n\n"
        f"- First release. {summary or name}.\n"
    )


# ------------------------------------------------------------- version, changelog


def _about_file(folder: Path) -> Path:
    project = tomllib.loads((folder / "pyproject.toml").read_text())
    return folder / project["tool"]["hatch"]["version"]["path"]


def current_version(folder: Path) -> str:
    about = _about_file(folder)
    match = re.search(r'^__version__\s*=\s*"([^"]+)"', about.read_text(), re.M)
    if match is None:
        raise ReleaseError(f'{about}: no __version__ = "..." line')
    return match.group(1)


def changelog_entry(folder: Path, version: str) -> str:
    """The text of ``## [version]`` in the distribution's CHANGELOG.md."""
    path = folder / "CHANGELOG.md"
    if not path.is_file():
        raise ReleaseError(f"{path} does not exist: every distribution keeps a changelog")
    sections = re.split(r"(?m)^## ", path.read_text())
    for section in sections[1:]:
        heading, _, body = section.partition("\n")
        if re.match(rf"\[?{re.escape(version)}\]?(\s|$)", heading):
            if not body.strip():
                raise ReleaseError(f"{path}: the entry for {version} is empty: say what changed")
            return body.strip()
    raise ReleaseError(
        f"{path} has no entry for {version}: add a section `## [{version}] - YYYY-MM-DD` "
        "(move what is under Unreleased into it) and run the release again"
    )


def tag_name(distribution_name: str, version: str) -> str:
    """Each distribution is released on its own, so its tags carry its name."""
    return f"{distribution_name}-v{version}"


# ------------------------------------------------------------------ build, check


def hatch_environment() -> dict[str, str]:
    """This process's environment, without what makes uv install into another venv:
    nox sets ``UV_PYTHON`` to its session's venv, and hatch installs hatchling into
    its build environment with uv, which would obey it."""
    return {key: value for key, value in os.environ.items() if key not in ("UV_PYTHON", "UV_PROJECT_ENVIRONMENT")}


def _run(argv: list[str], cwd: Path | None = None) -> str:
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, env=hatch_environment())
    if done.returncode != 0:
        raise ReleaseError(f"`{' '.join(argv)}` failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return done.stdout


def artifact_problems(path: Path) -> list[str]:
    """What an index page needs and the core metadata of ``path`` (wheel or sdist) lacks."""
    if path.suffix == ".whl":
        with zipfile.ZipFile(path) as archive:
            name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
            raw = archive.read(name).decode()
    else:
        with tarfile.open(path) as archive:
            member = next(m for m in archive.getmembers() if m.name.count("/") == 1 and m.name.endswith("PKG-INFO"))
            extracted = archive.extractfile(member)
            assert extracted is not None
            raw = extracted.read().decode()
            names = {m.name.split("/", 1)[1] for m in archive.getmembers() if "/" in m.name}
    headers = HeaderParser().parsestr(raw)
    problems = []
    if not headers.get("Requires-Python"):
        problems.append("no Requires-Python")
    if not (headers.get("License-Expression") or headers.get("License")):
        problems.append("no license")
    if not headers.get_all("Classifier"):
        problems.append("no classifiers")
    urls = {value.split(",", 1)[0].strip().lower() for value in headers.get_all("Project-URL") or []}
    for wanted in ("source", "changelog", "documentation"):
        if wanted not in urls:
            problems.append(f"no project URL {wanted!r}")
    if headers.get("Description-Content-Type") != "text/markdown" or not headers.get_payload().strip():
        problems.append("no Markdown description (the README)")
    if path.suffix != ".whl" and "CHANGELOG.md" not in names:
        problems.append("the sdist has no CHANGELOG.md")
    return [f"{path.name}: {problem}" for problem in problems]


def build(folder: Path, out: Path) -> list[Path]:
    """A wheel and an sdist of the distribution in ``folder``, built with hatch into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    before = set(out.iterdir())
    _run(["hatch", "build", "-t", "wheel", "-t", "sdist", str(out)], cwd=folder)
    return sorted(set(out.iterdir()) - before)


def check(paths: list[Path]) -> None:
    """``twine check --strict`` (the README renders) and the metadata an index page shows."""
    _run([sys.executable, "-m", "twine", "check", "--strict", *map(str, paths)])
    problems = [problem for path in paths for problem in artifact_problems(path)]
    if problems:
        raise ReleaseError("\n".join(problems))


# ----------------------------------------------------------------------- commands


def _distribution(folder: Path) -> Distribution:
    folder = folder.resolve()
    for distribution in distributions():
        if distribution.folder == folder:
            return distribution
    project = tomllib.loads((folder / "pyproject.toml").read_text())["project"]
    return Distribution(project["name"], folder, project.get("description", ""))


def release(folder: Path, version: str, repository_url: str | None, out: Path) -> list[Path]:
    distribution = _distribution(folder)
    about = _about_file(folder)
    before = about.read_text()
    if version != current_version(folder):  # a release of the version already written (from a tag) bumps nothing
        try:
            _run(["hatch", "version", version], cwd=folder)
        except ReleaseError as error:
            reason = [line for line in str(error).splitlines() if line.strip()][-1]
            raise ReleaseError(f"{distribution.name}: cannot set the version to {version!r}: {reason}") from None
    new = current_version(folder)
    try:
        changelog_entry(folder, new)
    except ReleaseError:
        about.write_text(before)  # a release that cannot go out leaves the version as it was
        raise
    for stale in out.glob(f"{distribution.name.replace('-', '_')}-{new}*"):
        stale.unlink()
    built = build(folder, out)
    check(built)
    if repository_url:
        _run(
            [sys.executable, "-m", "twine", "upload", "--non-interactive", "--repository-url", repository_url]
            + [str(path) for path in built]
        )
    return built


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="release", description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    metadata = commands.add_parser("metadata", help="check (or --write) the shared metadata of every distribution")
    metadata.add_argument("--write", action="store_true")
    build_command = commands.add_parser("build", help="wheel and sdist of each distribution, checked")
    build_command.add_argument("out", type=Path)
    build_command.add_argument("folders", type=Path, nargs="*")
    release_command = commands.add_parser("release", help="bump, check the changelog, build, check, upload")
    release_command.add_argument("folder", type=Path)
    release_command.add_argument("version")
    release_command.add_argument("--repository-url", help="the index to upload to (none: build and check only)")
    release_command.add_argument("--dist", type=Path, default=ROOT / "dist" / "release")
    tag = commands.add_parser("tag", help="the git tag of a distribution's current version")
    tag.add_argument("folder", type=Path)
    folder = commands.add_parser("folder", help="the folder of a distribution, by name")
    folder.add_argument("name")
    args = parser.parse_args(argv)
    try:
        if args.command == "metadata":
            problems = []
            for distribution in distributions():
                if args.write and write_metadata(distribution):
                    print(f"wrote metadata of {distribution.name}")
                problems += [f"{distribution.relative}: {problem}" for problem in metadata_problems(distribution)]
            if problems:
                hint = "" if args.write else "\n(`python tools/release.py metadata --write` adds what is missing)"
                raise ReleaseError("\n".join(problems) + hint)
        elif args.command == "build":
            folders = args.folders or [distribution.folder for distribution in distributions()]
            built = [path for folder in folders for path in build(folder, args.out)]
            check(built)
            print(f"built and checked {len(built)} files in {args.out}")
        elif args.command == "release":
            built = release(args.folder, args.version, args.repository_url, args.dist)
            distribution = _distribution(args.folder)
            version = current_version(args.folder)
            where = (
                f"uploaded to {args.repository_url}" if args.repository_url else "not uploaded (no --repository-url)"
            )
            print(f"{distribution.name} {version}: {', '.join(p.name for p in built)} {where}")
            print(f"commit the version and tag it: git tag {tag_name(distribution.name, version)}")
        elif args.command == "folder":
            found = [d for d in distributions() if d.name == args.name]
            if not found:
                raise ReleaseError(f"no distribution named {args.name!r} in this repository")
            print(found[0].relative)
        elif args.command == "tag":
            distribution = _distribution(args.folder)
            print(tag_name(distribution.name, current_version(args.folder)))
    except ReleaseError as error:
        print(f"release: error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
