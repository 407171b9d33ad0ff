"""The local base image: a Debian root file system made with debootstrap, imported into Docker.

The engines PANTHER runs against may pull nothing from a registry, so the image every
container starts from is made on this machine, from the Debian mirror apt already
uses. Making it takes minutes; an image that already carries the tag is reused.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from panther_env_docker_compose.engine import DockerBuildError, connect
from panther_env_docker_compose.subprocesses import run_child

if TYPE_CHECKING:
    from panther.runner.cancellation import Cancellation

DEFAULT_BASE_IMAGE = "panther/debian:bookworm"
DEFAULT_SUITE = "bookworm"
DEFAULT_MIRROR = "http://deb.debian.org/debian"
# python3 so that Python implementations run; pip and venv so their wheels install.
BASE_PACKAGES: tuple[str, ...] = ("python3", "python3-pip", "python3-venv", "ca-certificates")
# Marks images made here, so that a foreign image with the same tag is recognised.
BASE_IMAGE_LABEL = "org.panther.base-image"
# A digest of how the image was made: an image made by another recipe is made again.
RECIPE_LABEL = "org.panther.base-image-recipe"

_APT_SOURCES = (Path("/etc/apt/sources.list"), Path("/etc/apt/sources.list.d"))
_PACKAGE_NAME = re.compile(r"^[a-z0-9][a-z0-9+.-]+$")


def apt_mirror(suite: str = DEFAULT_SUITE, sources: Sequence[Path] = _APT_SOURCES) -> str:
    """The Debian mirror this machine's apt uses for ``suite`` (deb.debian.org if none is found)."""
    for uri, suites in _apt_entries(sources):
        if suite in suites and "security" not in uri:
            return uri
    return DEFAULT_MIRROR


def _apt_entries(sources: Sequence[Path]) -> Iterator[tuple[str, list[str]]]:
    files: list[Path] = []
    for source in sources:
        if source.is_dir():
            files.extend(sorted(p for p in source.iterdir() if p.suffix in (".list", ".sources")))
        elif source.is_file():
            files.append(source)
    for file in files:
        text = file.read_text(errors="replace")
        if file.suffix == ".sources":
            # deb822: blank-line separated stanzas of "Key: value".
            for stanza in re.split(r"\n\s*\n", text):
                fields = dict(
                    line.split(":", 1) for line in stanza.splitlines() if ":" in line and not line.startswith("#")
                )
                uris = fields.get("URIs", "").split()
                suites = fields.get("Suites", "").split()
                if "deb" in fields.get("Types", "").split():
                    for uri in uris:
                        yield uri.rstrip("/"), suites
        else:
            for line in text.splitlines():
                words = [w for w in line.split() if not w.startswith("[")]
                if len(words) >= 3 and words[0] == "deb":
                    yield words[1].rstrip("/"), [words[2]]


def build_base_image(
    tag: str = DEFAULT_BASE_IMAGE,
    *,
    mirror: str | None = None,
    packages: Sequence[str] = BASE_PACKAGES,
    suite: str = DEFAULT_SUITE,
    rebuild: bool = False,
    cancellation: Cancellation | None = None,
) -> str:
    """Make (or reuse) the base image ``tag`` and return its image id.

    ``packages`` are installed on top of debootstrap's minimal system. An image that
    already carries ``tag`` and was made from the same recipe (suite, packages,
    settings) is reused unless ``rebuild`` is set; concurrent callers on this machine
    wait for one another instead of bootstrapping twice. A set ``cancellation`` ends
    the work within a fraction of a second (:class:`BuildCancelled`).
    """
    bad = [p for p in packages if not _PACKAGE_NAME.match(p)]
    if bad:
        raise DockerBuildError(f"not Debian package names: {', '.join(map(repr, bad))}")
    changes = [
        'CMD ["/bin/bash"]',
        # An imported file system carries no environment; later stages extend PATH.
        "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "ENV LANG=C.UTF-8",
        f"LABEL {BASE_IMAGE_LABEL}={suite}",
    ]
    recipe = hashlib.sha256(json.dumps([suite, sorted(packages), changes]).encode()).hexdigest()[:16]
    changes.append(f"LABEL {RECIPE_LABEL}={recipe}")
    from docker.errors import APIError, ImageNotFound

    client = connect()
    with _build_lock(tag):
        try:
            previous: str | None = str(client.images.get(tag).id)
        except ImageNotFound:
            previous = None
        if previous is not None and not rebuild and client.images.get(tag).labels.get(RECIPE_LABEL) == recipe:
            return previous
        with tempfile.TemporaryDirectory(prefix="panther-rootfs-") as workdir:
            rootfs = Path(workdir) / "rootfs"
            _debootstrap(
                rootfs, suite=suite, mirror=mirror or apt_mirror(suite), packages=packages, cancellation=cancellation
            )
            tarball = Path(workdir) / "rootfs.tar"
            _run(
                ["tar", "--numeric-owner", "-C", str(rootfs), "-cf", str(tarball), "."],
                what="pack the root file system",
                cancellation=cancellation,
            )
            repository, _, version = tag.rpartition(":") if ":" in tag.split("/")[-1] else (tag, "", "latest")
            spec = {"tarball": str(tarball), "repository": repository, "tag": version, "changes": changes}
            _run(
                [sys.executable, "-m", "panther_env_docker_compose.image_build", json.dumps(spec)],
                what=f"import the root file system as {tag}",
                cancellation=cancellation,
            )
        made = str(client.images.get(tag).id)
        if previous is not None and previous != made:
            # Still used by a container, or tagged elsewhere: then it stays.
            with contextlib.suppress(APIError):
                client.images.remove(previous)
        return made


def _debootstrap(
    rootfs: Path, *, suite: str, mirror: str, packages: Sequence[str], cancellation: Cancellation | None
) -> None:
    if shutil.which("debootstrap") is None:
        raise DockerBuildError("debootstrap is not installed (apt-get install debootstrap)")
    if os.geteuid() != 0:
        raise DockerBuildError("making the base image needs root (debootstrap creates device files and owners)")
    argv = ["debootstrap", "--variant=minbase"]
    if packages:
        argv.append("--include=" + ",".join(packages))
    argv += [suite, str(rootfs), mirror]
    _run(argv, what=f"debootstrap {suite} from {mirror}", cancellation=cancellation)
    # Package caches are dead weight in every container started from the image.
    for cache in ("var/cache/apt/archives", "var/lib/apt/lists"):
        for entry in (rootfs / cache).glob("*"):
            if entry.is_file():
                entry.unlink()


def _run(argv: list[str], *, what: str, cancellation: Cancellation | None) -> None:
    code, output = run_child(argv, what=what, cancellation=cancellation)
    if code != 0:
        tail = "\n".join(output.strip().splitlines()[-15:])
        raise DockerBuildError(f"could not {what} (exit code {code}):\n{tail}")


@contextmanager
def _build_lock(tag: str) -> Iterator[None]:
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", tag)
    path = Path(tempfile.gettempdir()) / f"panther-base-image-{name}.lock"
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
