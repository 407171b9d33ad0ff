"""The IUT development guide's spelling of the command line.

The guide runs ``python -m panther --experiment-config FILE [--validate-config]
[--debug] [--enable-metrics]``. It is translated here, before the command line is
parsed, into ``panther run FILE ...`` or ``panther validate FILE``, so both
spellings reach the same code.
"""

from __future__ import annotations

CONFIG_OPTION = "--experiment-config"
VALIDATE_FLAG = "--validate-config"
# Run-only flags that mean nothing to ``validate``.
_RUN_ONLY_FLAGS = ("--debug", "--enable-metrics", "--quiet")


class GuideArgvError(Exception):
    """The guide spelling was used but is incomplete (for instance no FILE)."""


def uses_guide_spelling(args: list[str]) -> bool:
    return any(arg == CONFIG_OPTION or arg.startswith(CONFIG_OPTION + "=") for arg in args)


def translate_guide_argv(args: list[str]) -> list[str]:
    """Rewrite the guide's spelling into ``run``/``validate``; other argv are returned unchanged."""
    if not uses_guide_spelling(args):
        return list(args)
    command_options: list[str] = []
    config_file: str | None = None
    validate = False
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == CONFIG_OPTION:
            if index + 1 >= len(args) or args[index + 1].startswith("--"):
                raise GuideArgvError(f"option {arg} needs a value")
            config_file = args[index + 1]
            index += 2
            continue
        if arg.startswith(CONFIG_OPTION + "="):
            config_file = arg.split("=", 1)[1]
        elif arg == VALIDATE_FLAG:
            validate = True
        else:
            command_options.append(arg)
        index += 1
    if not config_file:
        raise GuideArgvError(f"option {CONFIG_OPTION} needs a value")
    if validate:
        command_options = [arg for arg in command_options if arg not in _RUN_ONLY_FLAGS]
        return ["validate", config_file, *command_options]
    return ["run", config_file, *command_options]
