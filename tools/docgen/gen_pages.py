"""Generate the site's reference pages and distribution pages (run by mkdocs-gen-files).

Nothing here is written to the repository: the pages exist only in the built site, so
they always say what the code of this checkout says.
"""

from __future__ import annotations

import posixpath
import re
import sys
from pathlib import Path

import mkdocs_gen_files

sys.path.insert(0, str(Path(__file__).parent))

import api_page  # noqa: E402
import cli_page  # noqa: E402
import events_page  # noqa: E402
import experiment_page  # noqa: E402
import results_page  # noqa: E402
from distributions import ROOT, Distribution, distributions  # noqa: E402

REFERENCE = {
    "reference/experiment-file.md": experiment_page.page,
    "reference/cli.md": cli_page.page,
    "reference/events.md": events_page.page,
    "reference/results.md": results_page.page,
    "reference/plugin-api.md": api_page.page,
}

_LINK = re.compile(r"(\]\()([^)\s]+)(\))")


def _rewrite_links(text: str, distribution: Distribution, pages: dict[str, str], repo_url: str) -> str:
    """Relative links of a README, made right for its page on the site."""

    def replace(match: re.Match[str]) -> str:
        target = match.group(2)
        if re.match(r"[a-z][a-z0-9+.-]*:|#", target):
            return match.group(0)
        path, _, anchor = target.partition("#")
        resolved = posixpath.normpath(posixpath.join(distribution.relative, path))
        suffix = f"#{anchor}" if anchor else ""
        if resolved.startswith("docs/"):
            return f"{match.group(1)}../{resolved[len('docs/') :]}{suffix}{match.group(3)}"
        if resolved in pages:
            return f"{match.group(1)}{pages[resolved]}{suffix}{match.group(3)}"
        return f"{match.group(1)}{repo_url}/blob/main/{resolved}{suffix}{match.group(3)}"

    return _LINK.sub(replace, text)


def _distribution_pages(repo_url: str) -> list[tuple[str, str]]:
    found = distributions()
    pages = {f"{d.relative}/README.md": f"{d.name}.md" for d in found}
    index = (
        "# Distributions\n\n"
        "Every distribution of this repository is published on its own; install the ones you\n"
        "need (`pip install panther-iut-aioquic` brings the harness and the QUIC base with it).\n"
        "Each page is the distribution's README.\n\n"
        "| distribution | folder | what it is |\n|---|---|---|\n"
    )
    nav: list[tuple[str, str]] = []
    for distribution in found:
        page = f"distributions/{distribution.name}.md"
        readme = (distribution.folder / "README.md").read_text()
        with mkdocs_gen_files.open(page, "w") as stream:
            stream.write(_rewrite_links(readme, distribution, pages, repo_url))
        mkdocs_gen_files.set_edit_path(page, f"../{distribution.relative}/README.md")
        index += (
            f"| [{distribution.name}]({distribution.name}.md) | `{distribution.relative}/` | {distribution.summary} |\n"
        )
        nav.append((distribution.name, page))
    with mkdocs_gen_files.open("distributions/index.md", "w") as stream:
        stream.write(index)
    return nav


def _extend_nav(distribution_nav: list[tuple[str, str]]) -> None:
    """Append the distributions, and any hand-written page the nav does not list yet."""
    config = mkdocs_gen_files.config
    listed: set[str] = set()

    def collect(items: object) -> None:
        if isinstance(items, list):
            for item in items:
                collect(item)
        elif isinstance(items, dict):
            for value in items.values():
                collect(value)
        elif isinstance(items, str):
            listed.add(items)

    collect(config["nav"])
    docs = Path(config["docs_dir"])
    unlisted = sorted(
        path.relative_to(docs).as_posix()
        for path in docs.rglob("*.md")
        if path.relative_to(docs).as_posix() not in listed
    )
    if unlisted:
        guides = next(item["Guides"] for item in config["nav"] if isinstance(item, dict) and "Guides" in item)
        guides += unlisted
    config["nav"].append(
        {"Distributions": ["distributions/index.md", *({name: page} for name, page in distribution_nav)]}
    )


for path, make in REFERENCE.items():
    with mkdocs_gen_files.open(path, "w") as stream:
        stream.write(make())
_extend_nav(_distribution_pages(mkdocs_gen_files.config.get("repo_url") or str(ROOT)))
