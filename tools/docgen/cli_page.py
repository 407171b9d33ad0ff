"""The command-line reference: every ``panther`` command, from the typer app itself.

Plugin distributions add subcommands through the entry-point group ``panther.cli``;
those installed where the site is built are documented with the core's.
"""

from __future__ import annotations

import re
from typing import Any

import importlib_metadata
import typer
from panther.cli import app as cli

# Click's classes are used by their attributes only: typer ships its own copy of click
# in some versions and uses the click package in others.
Command = Any


def _commands(command: Command, path: list[str]) -> list[tuple[list[str], Command]]:
    found = [(path, command)]
    for name in sorted(getattr(command, "commands", {})):
        found += _commands(command.commands[name], [*path, name])
    return found


def _param_row(param: Any) -> str:
    if param.param_type_name == "option":
        names = ", ".join(f"`{name}`" for name in [*param.opts, *param.secondary_opts])
        help_text = param.help or ""
        if param.is_flag:
            kind = "flag"
        else:
            kind = param.type.name.upper()
            if hasattr(param.type, "choices"):
                kind = " \\| ".join(f"`{choice}`" for choice in param.type.choices)
        default = getattr(param.default, "value", param.default)  # an Enum: its value
        shown = "" if default in (None, False, (), []) or param.is_flag else f" (default: `{default}`)"
        return f"| {names} | {kind} | {' '.join(help_text.split())}{shown} |"
    kind = param.type.name.upper()
    required = "required" if param.required else "optional"
    help_text = " ".join((getattr(param, "help", "") or "").split())
    return f"| `{param.human_readable_name}` | {kind} ({required}) | {help_text} |"


def _section(path: list[str], command: Command, root: Command) -> str:
    name = " ".join(path)
    context = root.context_class(root, info_name="panther")
    # Arguments as NAME, however the click in use writes them.
    pieces = re.sub(r"\{(\w+)\}", lambda m: m.group(1).upper(), " ".join(command.collect_usage_pieces(context)))
    heading = "#" * min(len(path) + 1, 4)
    text = f"{heading} `{name}`\n\n"
    if command.help:
        text += "\n".join(line.rstrip() for line in command.help.replace("\b\n", "").splitlines()).strip() + "\n\n"
    text += f"```text\n{name} {pieces}\n```\n\n"
    params = [param for param in command.params if not getattr(param, "hidden", False)]
    if params:
        text += "| argument or option | value | meaning |\n|---|---|---|\n"
        text += "\n".join(_param_row(param) for param in params) + "\n\n"
    return text


def _with_plugin_commands(root: Command) -> None:
    for entry_point in importlib_metadata.entry_points(group="panther.cli"):
        loaded = entry_point.load()
        command = typer.main.get_command(loaded) if isinstance(loaded, typer.Typer) else loaded
        root.add_command(command, entry_point.name)


def page() -> str:
    root = typer.main.get_command(cli.app)
    _with_plugin_commands(root)
    sections = [_section(path, command, root) for path, command in _commands(root, ["panther"])]
    intro = (
        "# Command line\n\n"
        "Every command of `panther`, generated from the command-line application itself (and the\n"
        "subcommands of plugin distributions installed where this site was built). "
        "`panther COMMAND --help` shows the same on a terminal.\n\n"
        "Exit codes: `0` every test passed, `1` a test did not pass, `2` a mistake in the command\n"
        "line, the experiment file or a plugin (a message, never a traceback).\n\n"
    )
    return intro + "\n".join(sections)
