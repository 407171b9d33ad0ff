"""Jinja2 command templates: found next to the manager's module, rendered strictly,
every value one literal argv item."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
from panther.services.manager import ServiceManagerError

MANAGER_SOURCE = """
from panther import BaseServiceManager, ImplementationConfig


class TemplatedConfig(ImplementationConfig, kw_only=True):
    bind_address: str = "0.0.0.0"
    debug_level: int = 0
    zero_rtt: bool = False
    custom_crypto: bool = False


class TemplatedServiceManager(BaseServiceManager):
    config_class = TemplatedConfig

    def _get_implementation_name(self) -> str:
        return "templated"

    def _get_binary_name(self) -> str:
        return "templated-bin"
"""

# The templates of the IUT development guide, as written there.
GUIDE_SERVER = """{{ binary_name }} \\
    --server \\
    --listen {{ bind_address }}:{{ port }} \\
    --cert {{ cert_file }} \\
    --key {{ key_file }} \\
    {% if debug_level > 0 %}--debug={{ debug_level }}{% endif %} \\
    {% for arg in extra_args %}{{ arg }} {% endfor %}
"""
GUIDE_CLIENT = """{{ binary_name }} \\
    --client \\
    --connect {{ host }}:{{ port }} \\
    {% if zero_rtt %}--enable-0rtt{% endif %} \\
    {% if custom_crypto %}--crypto-provider=custom{% endif %} \\
    {% for arg in extra_args %}{{ arg }} {% endfor %}
"""


def _plugin(tmp_path: Path, templates: dict[str, str]) -> ModuleType:
    package = tmp_path / f"templated_{len(sys.modules)}"
    (package / "templates").mkdir(parents=True)
    (package / "__init__.py").write_text(MANAGER_SOURCE)
    for name, text in templates.items():
        (package / "templates" / name).write_text(text)
    spec = importlib.util.spec_from_file_location(package.name, package / "__init__.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # as an import would: the manager finds its folder through it
    spec.loader.exec_module(module)
    return module


def test_the_guides_templates_render_into_argv(tmp_path: Path) -> None:
    module = _plugin(tmp_path, {"server_command.jinja": GUIDE_SERVER, "client_command.jinja": GUIDE_CLIENT})
    manager = module.TemplatedServiceManager(module.TemplatedConfig(debug_level=2, extra_args=["--x", "y z"]))
    server = manager.generate_run_argv(role="server", port=4443, cert_file="/c.pem", key_file="/k.pem")
    assert server == [
        "templated-bin", "--server", "--listen", "0.0.0.0:4443", "--cert", "/c.pem", "--key", "/k.pem",
        "--debug=2", "--x", "y z",
    ]  # fmt: skip
    client = module.TemplatedServiceManager(module.TemplatedConfig(zero_rtt=True)).generate_run_argv(
        role="client", host="server", port=4443
    )
    assert client == ["templated-bin", "--client", "--connect", "server:4443", "--enable-0rtt"]


@pytest.mark.parametrize(
    "hostile",
    ["a b", "x; rm -rf /", "it's", '"quoted"', "line\nbreak", "$(id)", "`id`", "../../etc/passwd", "\\\\", ""],
)
def test_every_value_is_one_literal_argv_item(tmp_path: Path, hostile: str) -> None:
    module = _plugin(tmp_path, {"server_command.jinja": "{{ binary_name }} --cert {{ cert_file }} --end\n"})
    argv = module.TemplatedServiceManager().generate_run_argv(role="server", cert_file=hostile)
    assert argv == ["templated-bin", "--cert", hostile, "--end"]


def test_an_undefined_variable_is_an_error_naming_the_plugin_and_template(tmp_path: Path) -> None:
    module = _plugin(tmp_path, {"server_command.jinja": "{{ binary_name }} --cert {{ cert_file }}\n"})
    with pytest.raises(ServiceManagerError, match=r"templated: command template server_command\.jinja: .*cert_file"):
        module.TemplatedServiceManager().generate_run_argv(role="server")


def test_a_template_syntax_error_names_its_line(tmp_path: Path) -> None:
    module = _plugin(tmp_path, {"client_command.jinja": "{{ binary_name }}\n{% if %}\n"})
    with pytest.raises(ServiceManagerError, match=r"client_command\.jinja line 2"):
        module.TemplatedServiceManager().generate_run_argv(role="client")


def test_without_a_template_for_the_role_the_hooks_build_the_command(tmp_path: Path) -> None:
    module = _plugin(tmp_path, {"server_command.jinja": "{{ binary_name }} --from-template\n"})
    assert module.TemplatedServiceManager().generate_run_argv(role="client") == ["templated-bin"]
