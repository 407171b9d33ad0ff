"""``panther`` subcommands that plugin distributions add (entry-point group ``panther.cli``).

An entry point names a typer app: ``docker = "panther_env_docker_compose.cli:app"``
makes ``panther docker ...``. The app is imported only when its command runs;
``panther --help`` lists it from metadata alone (its distribution's summary), so
showing help imports no plugin. A command that one of PANTHER's own distributions
provides (:mod:`panther.plugins.known`) but that is not installed says which
distribution to install, with exit code 2.

Entry points are read only when the command line asks for help or names a command
the core does not have: ``panther run`` pays nothing for them.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import typer

from panther.cli.common import TYPER_SETTINGS, fail

GROUP = "panther.cli"


@dataclass(frozen=True)
class CliExtension:
    name: str
    value: str  # "module:attr"
    distribution: str
    summary: str


def installed_extensions() -> dict[str, CliExtension]:
    """The ``panther.cli`` entry points of every installed distribution (nothing imported)."""
    import importlib_metadata as metadata  # the discovery library of the registry: one behaviour on every Python

    found: dict[str, CliExtension] = {}
    for entry_point in metadata.entry_points(group=GROUP):
        dist = entry_point.dist
        distribution = dist.name if dist is not None else "an unnamed distribution"
        summary = (dist.metadata.get_all("Summary") or [""])[0] if dist is not None else ""
        found.setdefault(entry_point.name, CliExtension(entry_point.name, entry_point.value, distribution, summary))
    return found


def add_extensions(app: typer.Typer, args: list[str], core_commands: Collection[str]) -> None:
    """Give ``app`` the plugin subcommands this command line needs.

    Help of ``panther`` itself: every installed one as a listed name (and each known
    one that is not installed, with what to install). A command the core does not
    have: that plugin's app, imported now; or, when a distribution of ours provides
    it but is not installed, a message saying which (exit code 2).
    """
    command = next((arg for arg in args if not arg.startswith("-")), None)
    if command is not None and command in core_commands:
        return
    from panther.plugins.known import PROVIDERS

    extensions = installed_extensions()
    if command is None:
        for extension in extensions.values():
            _add(app, extension.name, typer.Typer(**TYPER_SETTINGS), f"{extension.summary} ({extension.distribution})")
        for (kind, name), distribution in sorted(PROVIDERS.items()):
            if kind == "cli" and name not in extensions:
                _add(app, name, typer.Typer(**TYPER_SETTINGS), f"Not installed: pip install {distribution}")
        return
    found = extensions.get(command)
    if found is not None:
        _add(app, command, _load(found))
    elif ("cli", command) in PROVIDERS:
        distribution = PROVIDERS[("cli", command)]
        fail(
            f"`panther {command}` comes from the distribution {distribution}, which is not installed: "
            f"pip install {distribution}"
        )


def _load(extension: CliExtension) -> typer.Typer:
    import importlib_metadata as metadata  # the discovery library of the registry: one behaviour on every Python

    try:
        loaded = metadata.EntryPoint(extension.name, extension.value, GROUP).load()
    except Exception as error:  # noqa: BLE001 - a broken plugin is a message, not a traceback
        fail(
            f"`panther {extension.name}` from {extension.distribution} cannot be loaded: "
            f"{type(error).__name__}: {error}"
        )
    if not isinstance(loaded, typer.Typer):
        fail(f"`panther {extension.name}` from {extension.distribution} names {loaded!r}, which is not a typer app")
    return loaded


def _add(app: typer.Typer, name: str, sub_app: typer.Typer, help_text: str | None = None) -> None:
    if any(group.name == name for group in app.registered_groups):
        return  # main() ran before in this process
    if help_text is None:
        app.add_typer(sub_app, name=name)  # the plugin's own help
    else:
        app.add_typer(sub_app, name=name, help=help_text)
