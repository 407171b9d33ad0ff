"""Files a test serves and the check that each one arrived whole, for any protocol.

A protocol that moves files (QUIC, HTTP ...) lets its ``protocol:`` block say how big
they are (``transfer``) and from which seed their content comes (``seed``): the keys
of :class:`TransferProtocolConfig`. File contents are pseudo-random but
deterministic (a function of the seed and the size), so that the same experiment
serves the same bytes every time and a download can be judged without keeping a
copy of what was sent: by its digest, computed once per process, then (only when it
differs) byte by byte to say where. An experiment writes each file once and links it
into every server's folder.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import random
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import msgspec

from panther.config.errors import ConfigError
from panther.config.models import ProtocolConfig
from panther.services.outcome import Check

_CHUNK = 1 << 20

#: Sizes in bytes of the files served when the ``protocol:`` block names none: 1 KiB to 5 MiB.
DEFAULT_TRANSFER = (1024, 65536, 1048576, 5242880)


class TransferProtocolConfig(ProtocolConfig, kw_only=True, forbid_unknown_fields=True):
    """The ``protocol:`` keys of a protocol whose servers serve files and whose clients fetch them."""

    # Sizes in bytes of the files each server serves and each client downloads.
    transfer: list[Annotated[int, msgspec.Meta(gt=0)]] = msgspec.field(default_factory=lambda: list(DEFAULT_TRANSFER))
    # Seed of the files' pseudo-random content.
    seed: int = 0

    def __post_init__(self) -> None:
        # Raised here, the error is reported by the loader against ``transfer``.
        duplicates = sorted({size for size in self.transfer if self.transfer.count(size) > 1})
        if duplicates:
            listed = ", ".join(str(size) for size in duplicates)
            raise ValueError(f"transfer sizes must be distinct, {listed} listed more than once")


def file_name(size: int) -> str:
    """The name under which the file of ``size`` bytes is served."""
    return f"transfer-{size}.bin"


def _content_chunks(size: int, seed: int, key: str) -> Iterator[bytes]:
    # A string seed is hashed with SHA-512 by ``random``: stable across runs and versions.
    generator = random.Random(f"panther-transfer:{seed}:{size}" + (f":{key}" if key else ""))
    # randbytes draws size * 8 bits at once, which overflows from 256 MiB on: go in chunks.
    for start in range(0, size, _CHUNK):
        yield generator.randbytes(min(_CHUNK, size - start))


def file_content(size: int, seed: int, key: str = "") -> bytes:
    """The bytes of the file of ``size`` bytes for ``seed`` (and ``key``, which tells
    apart files of one size: two of them must never have the same bytes, or a server
    that swapped them would go unnoticed)."""
    return b"".join(_content_chunks(size, seed, key))


@functools.lru_cache(maxsize=4096)
def content_digest(size: int, seed: int, key: str = "") -> bytes:
    """SHA-256 of the file of ``size`` bytes for ``seed`` and ``key`` (made once per process)."""
    digest = hashlib.sha256()
    for chunk in _content_chunks(size, seed, key):
        digest.update(chunk)
    return digest.digest()


def _file_digest(path: Path) -> bytes:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.digest()


@dataclass(frozen=True)
class TransferFile:
    name: str
    size: int
    seed: int
    key: str = ""

    def content(self) -> bytes:
        return file_content(self.size, self.seed, self.key)


def transfer_plan(sizes: Iterable[int], seed: int) -> list[TransferFile]:
    """One file per size, named after it (sizes must be distinct)."""
    return [TransferFile(file_name(size), size, seed) for size in sizes]


def numbered_plan(count: int, size: int, seed: int, stem: str = "file") -> list[TransferFile]:
    """``count`` files of ``size`` bytes each, ``<stem>-0001.bin`` on, each with bytes of its own."""
    width = max(4, len(str(count)))
    names = [f"{stem}-{index:0{width}d}.bin" for index in range(1, count + 1)]
    return [TransferFile(name, size, seed, key=name) for name in names]


def _value(config: Any, key: str) -> Any:
    return config.get(key) if isinstance(config, Mapping) else getattr(config, key, None)


def configured_plan(config: Any) -> list[TransferFile]:
    """The files a ``protocol:`` block asks for with its ``transfer`` and ``seed`` keys."""
    return transfer_plan(_value(config, "transfer") or DEFAULT_TRANSFER, int(_value(config, "seed") or 0))


def _describe(plan: list[TransferFile]) -> str:
    seeds = ", ".join(str(seed) for seed in sorted({item.seed for item in plan})) or "0"
    return f"transfer {[item.size for item in plan]} and seed {seeds}"


def agreed_transfer_plan(
    protocol_configs: Mapping[str, Any],
    services: Iterable[str],
    plan_of: Callable[[Any], list[TransferFile]] = configured_plan,
) -> list[TransferFile]:
    """The files ``services`` exchange, each service's plan made by ``plan_of`` from its
    ``protocol:`` block (by default from its ``transfer`` and ``seed`` keys).

    Servers serve and clients expect the same files, so the services of one test
    must agree on them; the first service sets the plan, and a service that
    disagrees is a :class:`ConfigError` naming both.
    """
    chosen: list[TransferFile] | None = None
    chosen_by = ""
    for name in services:
        plan = plan_of(protocol_configs.get(name))
        if chosen is None:
            chosen, chosen_by = plan, name
        elif plan != chosen:
            raise ConfigError(
                f"services {chosen_by!r} and {name!r} disagree on the files to transfer",
                path=f"services.{name}.protocol",
                expected=f"{_describe(chosen)} (as in {chosen_by!r})",
                found=_describe(plan),
            )
    return chosen or []


def write_files(folder: Path, plan: Iterable[TransferFile], made: Path | None = None) -> list[Path]:
    """Put every file of ``plan`` into ``folder`` (created if needed).

    A file already in ``made`` (written for the same seed earlier in the
    experiment) is hard-linked from there, or copied where links cannot be made.
    """
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for item in plan:
        path = folder / item.name
        source = made / item.name if made is not None else None
        if source is not None and source.is_file() and source.stat().st_size == item.size:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            try:
                os.link(source, path)
            except OSError:  # another file system, or links not allowed
                shutil.copyfile(source, path)
        else:
            path.write_bytes(item.content())
        written.append(path)
    return written


def _first_difference(expected: bytes, path: Path) -> int | None:
    with path.open("rb") as received:
        offset = 0
        while offset < len(expected):
            chunk = received.read(_CHUNK)
            if not chunk:
                return offset
            wanted = expected[offset : offset + len(chunk)]
            if chunk != wanted:
                return offset + next(i for i, (a, b) in enumerate(zip(chunk, wanted, strict=False)) if a != b)
            offset += len(chunk)
    return None


def check_download(service: str, item: TransferFile, download_dir: Path) -> Check:
    """Did ``item`` arrive in ``download_dir`` byte for byte?"""
    path = download_dir / item.name
    name = f"{service} received {item.name}"
    if not path.is_file():
        return Check(
            name=name,
            status="failed",
            reason=f"{item.name} was not received: expected {item.size} bytes, received nothing",
            evidence=[str(download_dir)],
        )
    received_size = path.stat().st_size
    if received_size != item.size:
        kind = "truncated" if received_size < item.size else "too long"
        return Check(
            name=name,
            status="failed",
            reason=f"{item.name} is {kind}: expected {item.size} bytes, received {received_size} bytes",
            evidence=[str(path)],
        )
    difference = (
        None
        if _file_digest(path) == content_digest(item.size, item.seed, item.key)
        else _first_difference(item.content(), path)
    )
    if difference is not None:
        return Check(
            name=name,
            status="failed",
            reason=f"{item.name} has the right size ({item.size} bytes) but differs from byte {difference} on",
            evidence=[str(path)],
        )
    return Check(name=name, status="passed", reason=f"{item.size} bytes, identical", evidence=[str(path)])


#: Above this many files, the files that arrived whole are reported in one check.
ONE_CHECK_PER_FILE_UP_TO = 10


def check_downloads(service: str, plan: list[TransferFile], download_dir: Path) -> list[Check]:
    """Did every file of ``plan`` arrive byte for byte? One check per file for a few
    files; for many (a thousand in the ``multiplexing`` case), one check per file that
    did not arrive whole and one for all those that did."""
    checks = [check_download(service, item, download_dir) for item in plan]
    if len(plan) <= ONE_CHECK_PER_FILE_UP_TO:
        return checks
    wrong = [check for check in checks if check.status != "passed"]
    whole = len(checks) - len(wrong)
    total = sum(item.size for item in plan)
    summary = Check(
        name=f"{service} received {len(plan)} files",
        status="failed" if wrong else "passed",
        reason=(
            f"{len(wrong)} of {len(plan)} files did not arrive whole"
            if wrong
            else f"{whole} files, {total} bytes, identical"
        ),
        evidence=[str(download_dir)],
    )
    return [summary, *wrong]
