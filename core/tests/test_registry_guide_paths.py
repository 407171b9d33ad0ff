"""The IUT development guide's import paths lead to the real classes.

The base classes of other distributions are forwarded on first use: where the
distribution is installed the path gives the very same class, where it is not the
ImportError says which distribution to install. Each check runs in a fresh
interpreter so that what this test process imported does not decide the answer.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap

import pytest

# guide module -> (name, module the name really lives in, distribution to install)
FORWARDED = {
    "quic_service_base": ("BaseQUICServiceManager", "panther_base_quic", "panther-base-quic"),
    "http_service_base": ("BaseHTTPServiceManager", "panther_base_http", "panther-base-http"),
    "tcp_service_base": ("BaseTCPServiceManager", "panther_base_tcp", "panther-base-tcp"),
    "minip_service_base": ("BaseMinipServiceManager", "panther_base_minip", "panther-base-minip"),
    "python_quic_base": ("PythonQUICServiceManager", "panther_base_python.quic", "panther-base-python[quic]"),
    "python_http_base": ("PythonHTTPServiceManager", "panther_base_python.http", "panther-base-python[http]"),
    "rust_quic_base": ("RustQUICServiceManager", "panther_base_rust.quic", "panther-base-rust[quic]"),
}


def run_python(source: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(source)], capture_output=True, text=True, timeout=60)


def importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # the parent package of a submodule is absent
        return False


def test_core_classes_at_the_guide_paths() -> None:
    result = run_python(
        """
        from panther.plugins.services.base.service_manager_base import BaseServiceManager
        from panther.plugins.services.base.docker_build_base import DockerBuilderFactory
        from panther.plugins.plugin_decorators import register_plugin
        from panther.config.core.models import ImplementationConfig, IUTConfig
        import panther

        assert BaseServiceManager is panther.BaseServiceManager
        assert DockerBuilderFactory is panther.DockerBuilderFactory
        assert register_plugin is panther.register_plugin
        assert ImplementationConfig is IUTConfig is panther.ImplementationConfig
        print("ok")
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


@pytest.mark.parametrize("guide_module", sorted(FORWARDED))
def test_base_classes_at_the_guide_paths(guide_module: str) -> None:
    name, home, distribution = FORWARDED[guide_module]
    result = run_python(
        f"""
        import sys
        from panther.plugins.services.base.{guide_module} import {name}
        import {home}
        assert {name} is {home}.{name}
        print("ok")
        """
    )
    if importable(home):
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "ok"
    else:
        assert result.returncode == 1
        last_line = result.stderr.strip().splitlines()[-1]
        assert last_line.startswith("ImportError:")
        assert f"pip install '{distribution}'" in last_line


def test_an_unknown_name_is_an_attribute_error() -> None:
    result = run_python(
        """
        import panther.plugins.services.base.quic_service_base as guide
        try:
            guide.NoSuchManager
        except AttributeError as error:
            print(error)
        """
    )
    assert result.returncode == 0, result.stderr
    assert "NoSuchManager" in result.stdout
