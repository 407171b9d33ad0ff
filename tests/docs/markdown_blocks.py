"""The fenced code blocks of the documentation, as the site shows them.

A block is fenced with backticks; its info string gives the language and, optionally,
attributes in the form the site's Markdown understands (``title="..."``). A block
whose title starts with ``Fragment`` is deliberately incomplete: the site shows that
title above it, and the tests check it as far as a fragment can be checked. A line
``--8<-- "path"`` inside a block includes a file of the repository (pymdownx.snippets),
so an example file and the page that shows it cannot differ.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools" / "docgen"))

from distributions import distributions  # noqa: E402

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>```+)\s*(?P<lang>[\w+-]*)\s*(?P<attrs>.*)$")
_ATTRIBUTE = re.compile(r'(\w+)="([^"]*)"')
_SNIPPET = re.compile(r'^\s*--8<--\s+"([^"]+)"\s*$')
FRAGMENT = "fragment"


@dataclass(frozen=True)
class Block:
    page: Path
    line: int
    language: str
    title: str
    text: str
    # The repository files the block includes (pymdownx.snippets).
    includes: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return f"{self.page.relative_to(ROOT).as_posix()}:{self.line}"

    @property
    def is_fragment(self) -> bool:
        return self.title.lower().startswith(FRAGMENT)


def pages() -> list[Path]:
    """Every Markdown page of the site that is written by hand or copied from a README."""
    found = sorted((ROOT / "docs").rglob("*.md"))
    found += [distribution.folder / "README.md" for distribution in distributions()]
    found.append(ROOT / "README.md")
    return found


def blocks(page: Path) -> list[Block]:
    found: list[Block] = []
    lines = page.read_text().splitlines()
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        indent, fence = opening["indent"], opening["fence"]
        attributes = dict(_ATTRIBUTE.findall(opening["attrs"]))
        body: list[str] = []
        includes: list[str] = []
        start = index + 1
        index += 1
        while index < len(lines) and lines[index].strip() != fence:
            line = lines[index][len(indent) :] if lines[index].startswith(indent) else lines[index].lstrip()
            snippet = _SNIPPET.match(line)
            if snippet:
                includes.append(snippet.group(1))
                body.append((ROOT / snippet.group(1)).read_text().rstrip("\n"))
            else:
                body.append(line)
            index += 1
        index += 1
        found.append(
            Block(
                page=page,
                line=start,
                language=opening["lang"].lower(),
                title=attributes.get("title", ""),
                text="\n".join(body) + "\n",
                includes=tuple(includes),
            )
        )
    return found


def all_blocks() -> list[Block]:
    return [block for page in pages() for block in blocks(page)]
