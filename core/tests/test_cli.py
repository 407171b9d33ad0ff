"""The ``panther`` command line, run as a real process (``python -m panther``).

Throwaway plugin distributions are put on the child's ``PYTHONPATH``; the demo
plugins of ``tests/plugins/demo`` (installed with the core's tests) give real
experiments to validate and run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from panther.__about__ import __version__
from panther.cli.global_options import GlobalOptionError, split_disabled_plugins
from panther.cli.guide_argv import GuideArgvError, translate_guide_argv
from test_registry import PluginSite, service_manager_source


def panther(
    *args: str, cwd: Path | None = None, site: PluginSite | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    child_env = {key: value for key, value in os.environ.items() if key != "PANTHER_DISABLE_PLUGINS"}
    if site is not None:
        child_env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(site.root), child_env.get("PYTHONPATH")]))
    child_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "panther", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=child_env,
        timeout=120,
    )


def assert_user_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr


@pytest.fixture
def site(tmp_path: Path) -> PluginSite:
    plugin_site = PluginSite(tmp_path / "site")
    plugin_site.add(
        "panther-iut-alpha", {"iut": {"alpha": "cli_alpha:Manager"}}, {"cli_alpha": service_manager_source("alpha")}
    )
    plugin_site.add(
        "panther-iut-broken",
        {"iut": {"broken": "cli_broken:Manager"}},
        {"cli_broken": "raise RuntimeError('plugin exploded on import')\n"},
        version="0.4",
    )
    plugin_site.add("panther-iut-twin-a", {"iut": {"twin": "cli_alpha:Manager"}})
    plugin_site.add("panther-iut-twin-b", {"iut": {"twin": "cli_alpha:Manager"}})
    return plugin_site


def demo_experiment(tmp_path: Path, client_behaviour: str = "normal") -> Path:
    path = tmp_path / "experiment.yaml"
    path.write_text(
        textwrap.dedent(
            f"""
            tests:
              - name: echo
                timeout: 60
                services:
                  server:
                    implementation: {{name: demo_echo, type: iut}}
                    protocol: {{name: demo, role: server}}
                  client:
                    implementation: {{name: demo_echo, type: iut, behaviour: {client_behaviour}}}
                    protocol: {{name: demo, role: client, target: server}}
            """
        )
    )
    return path


def rows_by_name(result: subprocess.CompletedProcess[str]) -> dict[tuple[str, str, str], dict[str, object]]:
    assert result.returncode == 0, result.stderr
    return {(row["kind"], row["name"], row["distribution"]): row for row in json.loads(result.stdout)}


def test_version() -> None:
    result = panther("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"panther-harness {__version__}"


def test_help_names_every_command() -> None:
    result = panther("--help")
    assert result.returncode == 0
    for command in ("run", "validate", "schema", "plugins", "new", "--disable-plugins"):
        assert command in result.stdout


def test_unknown_command_is_a_usage_error() -> None:
    result = panther("frobnicate")
    assert result.returncode == 2
    assert "frobnicate" in result.stderr


HELLO_APP = """
import os, pathlib
import typer

# Proof of import for the test: help must list the command without importing this.
pathlib.Path(os.environ["HELLO_IMPORTED"]).write_text("imported")
app = typer.Typer(help="Greetings.")

@app.command()
def greet(name: str) -> None:
    typer.echo(f"hello {name}")

@app.command()
def other() -> None:
    pass
"""


def test_a_distribution_adds_a_subcommand_listed_without_importing_it(tmp_path: Path, site: PluginSite) -> None:
    site.add("panther-hello", {"cli": {"hello": "cli_hello:app"}}, {"cli_hello": HELLO_APP}, summary="Says hello")
    marker = tmp_path / "imported"
    env = {"HELLO_IMPORTED": str(marker)}

    listed = panther("--help", site=site, env=env)
    assert listed.returncode == 0, listed.stderr
    assert "hello     Says hello (panther-hello)" in listed.stdout
    assert not marker.exists()

    ran = panther("hello", "greet", "world", site=site, env=env)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "hello world"
    assert marker.exists()
    # Its own help, once it runs.
    assert "Greetings." in panther("hello", "--help", site=site, env=env).stdout


def test_a_broken_subcommand_is_a_message_naming_its_distribution(site: PluginSite) -> None:
    site.add("panther-hello", {"cli": {"hello": "cli_hello:app"}}, {"cli_hello": "raise RuntimeError('no greeting')\n"})
    result = panther("hello", "greet", site=site)
    assert_user_error(result, "`panther hello` from panther-hello cannot be loaded", "RuntimeError: no greeting")


def test_plugins_list_json_shows_metadata_manifests_and_errors(site: PluginSite) -> None:
    rows = rows_by_name(panther("plugins", "list", "--json", site=site))

    alpha = rows[("iut", "alpha", "panther-iut-alpha")]
    assert (alpha["status"], alpha["version"], alpha["error"]) == ("ok", "1.0", None)
    assert alpha["protocols"] == ["quic"]
    assert alpha["capabilities"] == ["rfc9000"]

    broken = rows[("iut", "broken", "panther-iut-broken")]
    assert broken["status"] == "error"
    assert "panther-iut-broken 0.4" in str(broken["error"])
    assert "plugin exploded on import" in str(broken["error"])

    for distribution in ("panther-iut-twin-a", "panther-iut-twin-b"):
        twin = rows[("iut", "twin", distribution)]
        assert twin["status"] == "error"
        assert "panther-iut-twin-a" in str(twin["error"])
        assert "panther-iut-twin-b" in str(twin["error"])

    assert rows[("network_environment", "local", "panther-harness")]["status"] == "ok"


def test_plugins_list_table_for_people(site: PluginSite) -> None:
    result = panther("plugins", "list", site=site)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    [alpha] = [line for line in lines if " alpha " in line]
    for cell in ("iut", "1.0", "panther-iut-alpha", "quic", "rfc9000", "ok"):
        assert cell in alpha
    assert "Load errors:" in result.stdout
    assert any("iut broken:" in line and "plugin exploded on import" in line for line in lines)


def test_plugins_can_be_disabled_by_flag_and_by_environment(site: PluginSite) -> None:
    by_flag = rows_by_name(panther("--disable-plugins", "broken,iut:twin", "plugins", "list", "--json", site=site))
    assert by_flag[("iut", "broken", "panther-iut-broken")]["status"] == "disabled"
    assert by_flag[("iut", "twin", "panther-iut-twin-a")]["status"] == "disabled"
    assert by_flag[("iut", "alpha", "panther-iut-alpha")]["status"] == "ok"

    after_the_command = panther("plugins", "list", "--json", "--disable-plugins=alpha,alpah", site=site)
    assert rows_by_name(after_the_command)[("iut", "alpha", "panther-iut-alpha")]["status"] == "disabled"
    assert "no installed plugin is named 'alpah'" in after_the_command.stderr

    by_env = rows_by_name(panther("plugins", "list", "--json", site=site, env={"PANTHER_DISABLE_PLUGINS": "alpha"}))
    assert by_env[("iut", "alpha", "panther-iut-alpha")]["status"] == "disabled"
    assert by_env[("iut", "broken", "panther-iut-broken")]["status"] == "error"


@pytest.mark.parametrize("command", ["run", "validate"])
def test_a_missing_experiment_file_is_a_user_error(command: str, tmp_path: Path) -> None:
    result = panther(command, str(tmp_path / "nowhere.yaml"))
    assert_user_error(result, "nowhere.yaml", "no such file")


def test_validate_accepts_a_correct_file(tmp_path: Path) -> None:
    result = panther("validate", str(demo_experiment(tmp_path)))
    assert result.returncode == 0, result.stderr
    assert "valid" in result.stdout
    assert "echo" in result.stdout


def test_a_configuration_mistake_is_a_message_and_exit_code_2(tmp_path: Path) -> None:
    path = demo_experiment(tmp_path)
    path.write_text(path.read_text().replace("role: client", "role: clinet"))
    assert_user_error(panther("validate", str(path)), str(path), "clinet")


def test_an_unknown_plugin_is_a_message_and_exit_code_2(tmp_path: Path, site: PluginSite) -> None:
    path = demo_experiment(tmp_path)
    path.write_text(path.read_text().replace("name: demo_echo, type: iut, behaviour", "name: picoquik, type: iut, b"))
    assert_user_error(panther("validate", str(path), site=site), "picoquik")


def test_a_conflicting_plugin_is_a_message_naming_both_distributions(tmp_path: Path, site: PluginSite) -> None:
    path = demo_experiment(tmp_path)
    path.write_text(path.read_text().replace("{name: demo_echo, type: iut}", "{name: twin, type: iut}"))
    assert_user_error(panther("validate", str(path), site=site), "panther-iut-twin-a", "panther-iut-twin-b")


def test_a_disabled_plugin_is_not_used(tmp_path: Path) -> None:
    result = panther("--disable-plugins", "demo_echo", "validate", str(demo_experiment(tmp_path)))
    assert_user_error(result, "demo_echo", "disabled")


def test_schema_is_json_and_includes_plugin_keys() -> None:
    result = panther("schema")
    assert result.returncode == 0, result.stderr
    schema = json.loads(result.stdout)
    assert isinstance(schema, dict)
    # The demo plugin's own implementation key is offered to editors.
    assert "behaviour" in result.stdout


def test_run_exit_codes_follow_the_verdicts(tmp_path: Path) -> None:
    experiment = str(demo_experiment(tmp_path))
    passed = panther("run", "--quiet", "--filter", "echo", "--output-dir", str(tmp_path / "out"), experiment)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert_user_error(panther("run", "--filter", "nope", experiment), "--filter 'nope' matches no test")

    crashing = tmp_path / "crash"
    crashing.mkdir()
    failed = panther("run", "--quiet", "--output-dir", str(tmp_path / "out"), str(demo_experiment(crashing, "crash")))
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "Traceback" not in failed.stderr


def test_the_guide_spelling_runs_and_validates(tmp_path: Path) -> None:
    experiment = str(demo_experiment(tmp_path))
    validated = panther("--experiment-config", experiment, "--validate-config", "--debug")
    assert validated.returncode == 0, validated.stderr
    assert "valid" in validated.stdout

    ran = panther("--experiment-config", experiment, "--enable-metrics", "--quiet", cwd=tmp_path)
    assert ran.returncode == 0, ran.stdout + ran.stderr

    missing = panther("--experiment-config", str(tmp_path / "absent.yaml"))
    assert_user_error(missing, "absent.yaml")


def test_the_guide_spelling_is_translated_before_parsing() -> None:
    assert translate_guide_argv(["--experiment-config", "a.yaml", "--debug"]) == ["run", "a.yaml", "--debug"]
    assert translate_guide_argv(["--experiment-config=a.yaml", "--validate-config", "--enable-metrics"]) == [
        "validate",
        "a.yaml",
    ]
    assert translate_guide_argv(["--debug", "--experiment-config", "a.yaml", "-j", "2"]) == [
        "run",
        "a.yaml",
        "--debug",
        "-j",
        "2",
    ]
    assert translate_guide_argv(["run", "a.yaml"]) == ["run", "a.yaml"]
    with pytest.raises(GuideArgvError, match="needs a value"):
        translate_guide_argv(["--experiment-config"])


def test_the_guide_spelling_without_a_file_is_a_user_error() -> None:
    assert_user_error(panther("--experiment-config"), "--experiment-config needs a value")


def test_disable_plugins_is_taken_out_of_the_command_line() -> None:
    assert split_disabled_plugins(["--disable-plugins", "a, iut:b", "run", "x.yaml", "--disable-plugins=c"]) == (
        ["a", "iut:b", "c"],
        ["run", "x.yaml"],
    )
    assert split_disabled_plugins(["run", "--", "--disable-plugins"]) == ([], ["run", "--", "--disable-plugins"])
    with pytest.raises(GlobalOptionError, match="needs a value"):
        split_disabled_plugins(["plugins", "list", "--disable-plugins"])
    assert_user_error(panther("--disable-plugins"), "--disable-plugins needs a value")
