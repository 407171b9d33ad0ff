"""One Docker image per implementation, built with the docker SDK.

An implementation's image comes from its service manager's Dockerfile
(``generate_dockerfile_content()``). A Python implementation without one runs on the
base image with its distribution (and the in-repo distributions it needs) installed
from wheels built on this host. Images are tagged by a digest of what they are made
from, so an unchanged implementation is built once and reused by every later test.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import inspect
import json
import re
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

from panther.docker_engine import DockerBuildError, connect
from panther.services.docker_build import BUILDER_IMAGE_ARG, RUNTIME_IMAGE_ARG, RUNTIME_USER

if TYPE_CHECKING:
    from panther.services.manager import BaseServiceManager

IMPLEMENTATION_LABEL = "org.panther.implementation"
VENV = "/opt/panther"

_ARG_DEFAULT = re.compile(r"^ARG\s+([A-Za-z_][A-Za-z0-9_]*)=(\S+)\s*$", re.MULTILINE)
_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def image_exists(tag: str) -> bool:
    from docker.errors import ImageNotFound

    try:
        connect().images.get(tag)
    except ImageNotFound:
        return False
    return True


def implementation_image(manager: BaseServiceManager, *, base_image: str, build: bool, log_path: Path) -> str:
    """The tag of the image ``manager``'s implementation runs in, built if needed.

    The build log goes to ``log_path``; a failed build raises :class:`DockerBuildError`
    with the end of that log.
    """
    name = manager.implementation_name
    dockerfile = manager.generate_dockerfile_content()
    with tempfile.TemporaryDirectory(prefix="panther-image-") as workdir:
        context = Path(workdir)
        if dockerfile is None:
            projects = local_projects(type(manager))
            if not projects:
                # Nothing of the implementation needs installing: it runs on the base image.
                _require_image(base_image, f"the base image of {name}")
                return base_image
            _build_wheels(projects, context / "wheels", log_path)
            dockerfile = wheel_dockerfile(base_image)
        buildargs = _substitutions(dockerfile, base_image)
        digest = hashlib.sha256(dockerfile.encode())
        digest.update(json.dumps(buildargs, sort_keys=True).encode())
        for wheel in sorted((context / "wheels").glob("*.whl")):
            digest.update(_wheel_content(wheel))
        tag = f"panther/{_tag_name(name)}:{digest.hexdigest()[:16]}"
        if image_exists(tag):
            return tag
        if not build:
            raise DockerBuildError(f"image {tag} for {name} is not built and docker.build is false")
        (context / "Dockerfile").write_text(dockerfile)
        _build(tag, context, buildargs, {IMPLEMENTATION_LABEL: name}, log_path)
        return tag


def wheel_dockerfile(base_image: str) -> str:
    """The image of a Python implementation: the base image plus the wheels in ``wheels/``."""
    return "\n".join(
        [
            f"FROM {base_image}",
            "COPY wheels /wheels",
            f'RUN ["python3", "-m", "venv", "{VENV}"]',
            # A shell is needed for the glob; every word of it is fixed here.
            f"RUN {VENV}/bin/pip install --no-cache-dir --no-index --find-links /wheels /wheels/*.whl"
            " && rm -rf /wheels",
            f'ENV PATH="{VENV}/bin:$PATH"',
            f'RUN ["useradd", "--system", "--create-home", "--shell", "/usr/sbin/nologin", "{RUNTIME_USER}"]',
            f"USER {RUNTIME_USER}",
            "",
        ]
    )


def local_projects(manager_class: type) -> list[Path]:
    """Source folders of the locally installed distributions ``manager_class`` needs.

    Its own distribution when that one is installed from a folder (editable or not),
    and, following its requirements, every other distribution installed that way.
    Requirements installed from an index are left to pip to fetch.
    """
    by_name = {_normal(d.metadata["Name"]): d for d in importlib.metadata.distributions() if d.metadata["Name"]}
    own = _owning_distribution(manager_class, by_name.values())
    if own is None:
        return []
    projects: list[Path] = []
    pending, seen = [own], set()
    while pending:
        dist = pending.pop()
        name = _normal(dist.metadata["Name"])
        if name in seen:
            continue
        seen.add(name)
        folder = _source_folder(dist)
        if folder is None:
            continue
        projects.append(folder)
        for requirement in dist.requires or []:
            if "extra ==" in requirement:
                continue
            match = _REQUIREMENT_NAME.match(requirement)
            if match and _normal(match.group(1)) in by_name:
                pending.append(by_name[_normal(match.group(1))])
    return projects


def _owning_distribution(
    manager_class: type, dists: Iterable[importlib.metadata.Distribution]
) -> importlib.metadata.Distribution | None:
    try:
        module_file = Path(inspect.getfile(manager_class)).resolve()
    except (TypeError, OSError):
        return None
    top = manager_class.__module__.split(".")[0]
    for dist in dists:
        folder = _source_folder(dist)
        if folder is not None and module_file.is_relative_to(folder):
            # Inside the project folder is not enough (its tests live there too):
            # the module must belong to a package the project ships.
            parts = module_file.relative_to(folder).parts
            if parts[:1] == ("src",):
                parts = parts[1:]
            if parts[:1] in ((top,), (f"{top}.py",)):
                return dist
        for file in dist.files or []:
            if file.suffix == ".py" and Path(str(dist.locate_file(file))).resolve() == module_file:
                return dist
    return None


def _source_folder(dist: importlib.metadata.Distribution) -> Path | None:
    """The folder a distribution was installed from (PEP 610 ``direct_url.json``), if any."""
    text = dist.read_text("direct_url.json")
    if not text:
        return None
    url = json.loads(text).get("url", "")
    parsed = urlparse(url)
    if parsed.scheme != "file":
        return None
    folder = Path(unquote(parsed.path))
    return folder.resolve() if (folder / "pyproject.toml").is_file() else None


def _wheel_content(wheel: Path) -> bytes:
    """What a wheel holds, for the image digest: its name and its RECORD (a hash per file).

    The archive's own bytes change with every build (timestamps), its RECORD does not.
    """
    with zipfile.ZipFile(wheel) as archive:
        records = sorted(name for name in archive.namelist() if name.endswith(".dist-info/RECORD"))
        return wheel.name.encode() + b"".join(archive.read(name) for name in records)


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _tag_name(name: str) -> str:
    return re.sub(r"[^a-z0-9_.-]+", "-", name.lower()).strip("-.") or "implementation"


def _build_wheels(projects: list[Path], wheels: Path, log_path: Path) -> None:
    # All local projects in one call, so that in-repo requirements resolve to these
    # folders instead of an index; the rest come from the index pip is configured with.
    argv = [sys.executable, "-m", "pip", "wheel", "--quiet", "--wheel-dir", str(wheels), *map(str, projects)]
    with open(log_path, "a") as log:
        log.write(f"$ {' '.join(argv)}\n")
        log.flush()
        completed = subprocess.run(argv, stdout=log, stderr=subprocess.STDOUT, check=False)
    if completed.returncode != 0:
        raise DockerBuildError(f"could not build wheels of {', '.join(p.name for p in projects)}:\n{_tail(log_path)}")


def _substitutions(dockerfile: str, base_image: str) -> dict[str, str]:
    """Build arguments replacing builder/runtime images this engine does not hold.

    The engine may be unable to pull; the locally made base image (Debian, like the
    defaults) stands in for a missing one. The build log says so.
    """
    declared = dict(_ARG_DEFAULT.findall(dockerfile))
    return {
        arg: base_image
        for arg in (BUILDER_IMAGE_ARG, RUNTIME_IMAGE_ARG)
        if arg in declared and not image_exists(declared[arg])
    }


def _require_image(tag: str, what: str) -> None:
    if not image_exists(tag):
        raise DockerBuildError(
            f"{what}, {tag}, is not on the Docker engine; make it with `panther docker base-image --tag {tag}`"
        )


def _build(tag: str, context: Path, buildargs: dict[str, str], labels: dict[str, str], log_path: Path) -> None:
    from docker.errors import APIError

    client = connect()
    failure: str | None = None
    with open(log_path, "a") as log:
        for arg, image in buildargs.items():
            log.write(f"{arg}={image} (the default image is not on this engine)\n")
        try:
            for chunk in client.api.build(
                path=str(context),
                tag=tag,
                buildargs=buildargs,
                labels=labels,
                pull=False,
                rm=True,
                forcerm=True,
                decode=True,
            ):
                if "stream" in chunk:
                    log.write(chunk["stream"])
                if "error" in chunk:
                    failure = chunk["error"]
                    log.write(f"ERROR: {failure}\n")
        except APIError as exc:
            failure = str(exc.explanation or exc)
            log.write(f"ERROR: {failure}\n")
    if failure is not None:
        raise DockerBuildError(f"building image {tag} failed: {failure.strip()}\n{_tail(log_path)}")


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def remove_implementation_images(client: Any) -> list[str]:
    """Remove every implementation image the harness built (not the base image); their tags.

    Images are tagged by a digest of what went into them, so each change of a plugin
    leaves the previous image behind until it is removed here.
    """
    from docker.errors import DockerException

    removed: list[str] = []
    for image in client.images.list(filters={"label": IMPLEMENTATION_LABEL}):
        try:
            client.images.remove(image.id, force=False)
        except DockerException:
            continue  # in use by a container of a run still going
        removed.extend(image.tags or [image.short_id])
    return removed
