"""The ``panther`` command: its options, subcommands and exit codes.

Exit codes: 0 every test passed, 1 a test did not pass, 2 a usage, configuration
or plugin error (shown as a message, never a traceback).

Start-up is kept fast: this module imports only typer; everything a command needs
(the registry, the loader, the runner, rich) is imported inside that command, so
``panther --help`` imports no plugin.
"""

from __future__ import annotations

import functools
import sys
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from panther.__about__ import __version__
from panther.cli.common import EXIT_USAGE, TYPER_SETTINGS, user_errors
from panther.cli.extensions import add_extensions
from panther.cli.global_options import DISABLE_OPTION, GlobalOptionError, split_disabled_plugins
from panther.cli.guide_argv import GuideArgvError, translate_guide_argv

if TYPE_CHECKING:
    from panther.plugins.registry import PluginRegistry
    from panther.reports.document import RunDocument

_APP_HELP = f"""PANTHER: test network protocol implementations.

Plugins are turned off with {DISABLE_OPTION} NAMES (comma-separated, each a name or
kind:name; before or after the command) or the PANTHER_DISABLE_PLUGINS environment variable."""

app = typer.Typer(help=_APP_HELP, **TYPER_SETTINGS)
plugins_app = typer.Typer(help="Inspect installed plugins.", **TYPER_SETTINGS)
new_app = typer.Typer(help="Create a new plugin distribution from the scaffold.", **TYPER_SETTINGS)
app.add_typer(plugins_app, name="plugins")
app.add_typer(new_app, name="new")


@dataclass
class CliState:
    disabled: list[str] = field(default_factory=list)


def _registry(ctx: typer.Context) -> PluginRegistry:
    from panther.plugins.registry import PluginRegistry

    state = ctx.find_object(CliState) or CliState()
    registry = PluginRegistry.discover(disabled=state.disabled)
    for name in registry.unmatched_disabled():
        typer.echo(f"panther: warning: no installed plugin is named {name!r}: nothing to disable", err=True)
    return registry


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"panther-harness {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_show_version, is_eager=True, help="Show the version and exit."),
    ] = False,
) -> None:
    # --version is handled by its eager callback; --disable-plugins is read by
    # main(), before typer parses the command line.
    return None


@app.command()
def run(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Experiment YAML file.")],
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="Tests to run at once.")] = 1,
    output_dir: Annotated[
        Path | None,
        typer.Option("--output-dir", "-o", help="Folder for results (default: the file's paths.output_dir)."),
    ] = None,
    test_filter: Annotated[
        list[str] | None,
        typer.Option(
            "--filter",
            "-k",
            metavar="PATTERN",
            help="Run only the tests this name or shell-style pattern selects (repeatable): "
            "'interop/retry/*', or a matrix's name for all its cells.",
        ),
    ] = None,
    shard: Annotated[
        str | None,
        typer.Option(
            "--shard",
            metavar="K/N",
            help="Run only shard K of N of the selected tests (merge the shards' outputs with 'panther merge').",
        ),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Verbose logging.")] = False,
    enable_metrics: Annotated[bool, typer.Option("--enable-metrics", help="Collect metrics.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress on the console.")] = False,
) -> None:
    """Run an experiment: exit code 0 when every test passed, 1 otherwise."""
    with user_errors():
        from panther.config.loader import load_experiment
        from panther.runner.experiment import run_experiment
        from panther.runner.selection import Shard

        share = Shard.parse(shard) if shard is not None else None
        registry = _registry(ctx)
        experiment = load_experiment(file, registry)
        result = run_experiment(
            experiment,
            registry=registry,
            jobs=jobs,
            output_root=output_dir,
            test_filter=test_filter or None,
            shard=share,
            debug=debug,
            enable_metrics=enable_metrics,
            console=not quiet,
        )
    if not quiet and result.document is not None:
        _print_matrices(result.document, result.output_dir)
    raise typer.Exit(result.exit_code)


def _print_matrices(document: RunDocument, output_dir: Path) -> None:
    from panther.reports.terminal import print_matrices
    from panther.reports.writer import matrix_tables

    tables = matrix_tables(document)
    if tables:
        print_matrices(tables)
        typer.echo(f"report: {output_dir / 'report.html'}")


@app.command()
def merge(
    folders: Annotated[
        list[Path], typer.Argument(help="Outputs of runs of one experiment (run folders, or folders holding them).")
    ],
    output_dir: Annotated[
        Path | None,
        typer.Option(
            "--output-dir", "-o", help="Folder for the merged reports (default: outputs/<experiment>-merged-<time>)."
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only where the report is.")] = False,
) -> None:
    """Merge the outputs of an experiment's shards into one report: exit code 0 when every test passed."""
    from panther.reports import MergeError

    with user_errors(MergeError):
        from panther.reports.merge import merge_into, merge_note
        from panther.reports.writer import write_reports

        document, target = merge_into(folders, output_dir)
        document = write_reports(document, target, note=merge_note(document))
    if not quiet:
        _print_matrices(document, target)
    typer.echo(
        f"merged {len(document.merged_from)} output(s), {len(document.tests)} test run(s): {target / 'summary.md'}"
    )
    raise typer.Exit(document.exit_code)


@app.command()
def validate(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Experiment YAML file.")],
    list_tests: Annotated[
        bool, typer.Option("--list", help="Print the name of every test, each matrix expanded, one a line.")
    ] = False,
) -> None:
    """Check an experiment file and the plugins it names, without running it."""
    with user_errors():
        from panther.config.loader import load_experiment

        experiment = load_experiment(file, _registry(ctx))
    if list_tests:
        for test in experiment.tests:
            typer.echo(test.name)
        return
    matrices = {axes.group: axes for axes in experiment.matrices}
    parts = [test.name for test in experiment.tests if test.matrix is None]
    for group, axes in matrices.items():
        cells = sum(1 for test in experiment.tests if test.matrix is not None and test.matrix.axes is axes)
        parts.append(
            f"{group}: {len(axes.servers)} server(s) x {len(axes.clients)} client(s) x {len(axes.cases)} case(s)"
            f" = {cells} test(s) of {axes.tester}"
        )
    typer.echo(f"{file}: valid ({len(experiment.tests)} test(s): {', '.join(parts)})")


@app.command()
def schema(ctx: typer.Context) -> None:
    """Print the JSON Schema of experiment files, with every installed plugin's keys."""
    import json

    with user_errors():
        from panther.config.schema import experiment_json_schema

        document = experiment_json_schema(_registry(ctx))
    typer.echo(json.dumps(document, indent=2))


@plugins_app.command("list")
def plugins_list(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Installed plugins: kind, name, version, distribution, protocols, capabilities, errors."""
    from panther.cli.plugin_list import describe_plugins, print_json, print_table

    with user_errors():
        rows = describe_plugins(_registry(ctx))
    (print_json if as_json else print_table)(rows)


class Protocol(str, Enum):
    quic = "quic"
    http = "http"
    minip = "minip"
    tcp = "tcp"
    none = "none"


class Roles(str, Enum):
    both = "both"
    server = "server"
    client = "client"


class Language(str, Enum):
    python = "python"
    rust = "rust"
    c = "c"
    go = "go"


def _new(kind: str, name: str, protocol: Protocol, language: Language, roles: Roles, directory: Path | None) -> None:
    import shlex

    with user_errors():
        from panther.scaffold.generator import PluginSpec, default_directory, write_distribution

        spec = PluginSpec(kind=kind, name=name, protocol=protocol.value, language=language.value, roles=roles.value)
        target = directory if directory is not None else default_directory(spec, Path.cwd())
        written = write_distribution(spec, target)
    typer.echo(f"Created {spec.distribution} in {target} ({len(written)} files).")
    # The interpreter running panther already has the harness: installing the plugin
    # there needs only the bases it extends (from the index, or installed the same way).
    python = shlex.quote(sys.executable)
    typer.echo(
        f"Next: {python} -m pip install -e {shlex.quote(f'{target}[test]')} "
        f"&& {python} -m pytest {shlex.quote(str(target / 'tests'))}"
    )


_NAME_HELP = "Plugin name, as written in experiment files (lowercase letters, digits, _)."
_PROTOCOL_HELP = "Protocol base class to extend."
_LANGUAGE_HELP = "Language of the implementation (python and rust add a language base)."
_ROLES_HELP = "The roles the implementation can play: both, or only server or only client."
_DIRECTORY_HELP = (
    "Where to write it (default: ./iuts/NAME or ./testers/NAME if that folder exists, else ./panther-KIND-NAME)."
)


# The options of `new iut` and `new tester`, written once.
NameArgument = Annotated[str, typer.Argument(help=_NAME_HELP)]
ProtocolOption = Annotated[Protocol, typer.Option("--protocol", help=_PROTOCOL_HELP)]
LanguageOption = Annotated[Language, typer.Option("--language", help=_LANGUAGE_HELP)]
RolesOption = Annotated[Roles, typer.Option("--roles", help=_ROLES_HELP)]
DirectoryOption = Annotated[Path | None, typer.Option("--directory", "-d", help=_DIRECTORY_HELP)]


@new_app.command("iut")
def new_iut(
    name: NameArgument,
    protocol: ProtocolOption = Protocol.none,
    language: LanguageOption = Language.c,
    roles: RolesOption = Roles.both,
    directory: DirectoryOption = None,
) -> None:
    """Write a new IUT plugin distribution (entry-point group panther.iut)."""
    _new("iut", name, protocol, language, roles, directory)


@new_app.command("tester")
def new_tester(
    name: NameArgument,
    protocol: ProtocolOption = Protocol.none,
    language: LanguageOption = Language.c,
    roles: RolesOption = Roles.both,
    directory: DirectoryOption = None,
) -> None:
    """Write a new tester plugin distribution (entry-point group panther.tester)."""
    _new("tester", name, protocol, language, roles, directory)


@functools.cache
def _core_commands() -> frozenset[str]:
    """The commands of the core; any other is a plugin's (see panther.cli.extensions).

    Read before any plugin's command is added, and kept."""
    commands = {
        (command.name or command.callback.__name__).replace("_", "-")
        for command in app.registered_commands
        if command.callback
    }
    return frozenset(commands | {group.name for group in app.registered_groups if group.name})


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``panther`` and ``python -m panther``."""
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        disabled, args = split_disabled_plugins(args)
        args = translate_guide_argv(args)
    except (GlobalOptionError, GuideArgvError) as error:
        typer.echo(f"panther: error: {error}", err=True)
        raise SystemExit(EXIT_USAGE) from None
    try:
        add_extensions(app, args, _core_commands())
    except typer.Exit as stop:  # raised before typer runs, so typer cannot turn it into an exit code
        raise SystemExit(stop.exit_code) from None
    app(args=args, prog_name="panther", obj=CliState(disabled=disabled))
