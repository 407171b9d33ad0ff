"""Where the Ivy models of a test come from, and what their digest is.

A :class:`ModelSource` is a set of folders whose ``.ivy`` files (and C/C++ headers)
are copied side by side into the build folder, which is how ``ivyc`` finds the files
a model includes (the current folder first, then Ivy's standard library). The MINIP
models ship in this package; the QUIC models are the upstream repository's.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

#: The MINIP models of this package.
MINIP_MODELS = Path(__file__).parent / "minip"
SOURCE_SUFFIXES = (".ivy", ".h")


@dataclass(frozen=True)
class ModelSource:
    """The folders a test's model is made of; later folders override earlier ones."""

    folders: tuple[Path, ...]

    def files(self) -> dict[str, Path]:
        """File name -> file, as the build folder will hold them (names are unique there)."""
        found: dict[str, Path] = {}
        for folder in self.folders:
            for path in sorted(folder.rglob("*")):
                if path.suffix in SOURCE_SUFFIXES and path.is_file():
                    found[path.name] = path
        return found

    def find(self, name: str) -> Path | None:
        """The file a tester's message names (``minip_wire.ivy``), if it is part of the model."""
        return self.files().get(Path(name).name)

    def digest(self) -> str:
        """A digest of every file's name and content."""
        digest = hashlib.sha256()
        for name, path in sorted(self.files().items()):
            digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
        return digest.hexdigest()


MINIP = ModelSource((MINIP_MODELS,))
