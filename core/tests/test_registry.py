"""Plugin discovery through real entry points.

Each test builds throwaway distributions (a ``*.dist-info`` folder with ``METADATA``
and ``entry_points.txt``, next to the plugin's module) in a folder put on
``sys.path``: exactly what ``importlib.metadata`` reads for an installed distribution.
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from panther.plugins.registry import (
    GROUPS,
    KINDS,
    PluginConflictError,
    PluginError,
    PluginLoadError,
    PluginNotFoundError,
    PluginRegistry,
)


class PluginSite:
    """A folder of installed throwaway distributions."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def add(
        self,
        distribution: str,
        entry_points: dict[str, dict[str, str]],
        modules: dict[str, str] | None = None,
        version: str = "1.0",
        summary: str = "",
    ) -> None:
        """Install ``distribution``: ``entry_points`` is {kind: {name: "module:attr"}}
        (kind ``cli``: a ``panther`` subcommand)."""
        info = self.root / f"{distribution.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {distribution}\nVersion: {version}\nSummary: {summary}\n"
        )
        sections = [
            f"[{GROUPS.get(kind, f'panther.{kind}')}]\n"
            + "".join(f"{name} = {value}\n" for name, value in names.items())
            for kind, names in entry_points.items()
        ]
        (info / "entry_points.txt").write_text("\n".join(sections))
        for module, source in (modules or {}).items():
            (self.root / f"{module}.py").write_text(textwrap.dedent(source))


def service_manager_source(name: str, *, kind: str = "iut", manifest_name: str | None = None) -> str:
    return textwrap.dedent(f"""
        from panther import BaseServiceManager, register_plugin

        @register_plugin(plugin_type="{kind}", name="{manifest_name or name}", supported_protocols=["quic"],
                         capabilities=["rfc9000"])
        class Manager(BaseServiceManager):
            def _get_implementation_name(self):
                return "{name}"

            def _get_binary_name(self):
                return "{name}"
        """)


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[PluginSite]:
    monkeypatch.delenv("PANTHER_DISABLE_PLUGINS", raising=False)
    root = tmp_path / "site"
    plugin_site = PluginSite(root)
    monkeypatch.syspath_prepend(str(root))
    before = set(sys.modules)
    yield plugin_site
    for name in set(sys.modules) - before:
        if str(getattr(sys.modules[name], "__file__", "") or "").startswith(str(root)):
            del sys.modules[name]


def test_discovery_reads_metadata_without_importing(site: PluginSite) -> None:
    site.add(
        "panther-iut-alpha", {"iut": {"alpha": "reg_alpha:Manager"}}, {"reg_alpha": service_manager_source("alpha")}
    )
    registry = PluginRegistry.discover()
    [entry] = [entry for entry in registry.entries("iut") if entry.name == "alpha"]
    assert (entry.kind, entry.value, entry.distribution, entry.version) == (
        "iut",
        "reg_alpha:Manager",
        "panther-iut-alpha",
        "1.0",
    )
    assert "alpha" in registry.names("iut")
    assert "reg_alpha" not in sys.modules

    plugin = registry.load("iut", "alpha")
    assert plugin.__name__ == "Manager"
    assert "reg_alpha" in sys.modules
    assert registry.load("iut", "alpha") is plugin


def test_the_core_built_ins_are_entry_points_too(site: PluginSite) -> None:
    registry = PluginRegistry.discover()
    local = [entry for entry in registry.entries("network_environment") if entry.name == "local"]
    assert [entry.distribution for entry in local] == ["panther-harness"]


def test_a_broken_plugin_is_reported_and_the_others_keep_working(site: PluginSite) -> None:
    site.add("panther-iut-good", {"iut": {"good": "reg_good:Manager"}}, {"reg_good": service_manager_source("good")})
    site.add(
        "panther-iut-broken",
        {"iut": {"broken": "reg_broken:Manager"}},
        {"reg_broken": "import reg_module_that_does_not_exist\n"},
        version="2.3",
    )
    registry = PluginRegistry.discover()

    with pytest.raises(PluginLoadError) as caught:
        registry.load("iut", "broken")
    message = str(caught.value)
    assert "panther-iut-broken 2.3" in message
    assert "reg_module_that_does_not_exist" in message
    assert "ModuleNotFoundError" in message

    assert registry.load("iut", "good").__name__ == "Manager"
    errors = registry.load_all()
    assert ("iut", "broken") in errors
    assert ("iut", "good") not in errors


def test_an_entry_point_naming_a_missing_attribute_is_a_load_error(site: PluginSite) -> None:
    site.add("panther-iut-typo", {"iut": {"typo": "reg_typo:Manger"}}, {"reg_typo": service_manager_source("typo")})
    with pytest.raises(PluginLoadError, match="panther-iut-typo.*Manger"):
        PluginRegistry.discover().load("iut", "typo")


def test_an_entry_point_must_name_a_class(site: PluginSite) -> None:
    site.add("panther-iut-func", {"iut": {"func": "reg_func:make"}}, {"reg_func": "def make():\n    return None\n"})
    with pytest.raises(PluginLoadError, match="not a class"):
        PluginRegistry.discover().load("iut", "func")


def test_manifest_name_must_agree_with_the_entry_point(site: PluginSite) -> None:
    site.add(
        "panther-iut-liar",
        {"iut": {"liar": "reg_liar:Manager"}},
        {"reg_liar": service_manager_source("liar", manifest_name="somebody_else")},
    )
    with pytest.raises(PluginLoadError) as caught:
        PluginRegistry.discover().load("iut", "liar")
    message = str(caught.value)
    assert "panther-iut-liar" in message
    assert "liar = 'reg_liar:Manager'" in message
    assert "name='somebody_else'" in message


def test_manifest_kind_must_agree_with_the_entry_point(site: PluginSite) -> None:
    site.add(
        "panther-iut-wrongkind",
        {"iut": {"wrongkind": "reg_wrongkind:Manager"}},
        {"reg_wrongkind": service_manager_source("wrongkind", kind="tester")},
    )
    with pytest.raises(PluginLoadError, match="plugin_type='tester'.*registers it as iut"):
        PluginRegistry.discover().load("iut", "wrongkind")


def test_a_subclass_without_its_own_manifest_is_told_so(site: PluginSite) -> None:
    site.add(
        "panther-iut-child",
        {"iut": {"child": "reg_child:Child"}},
        {"reg_child": service_manager_source("parent") + "\nclass Child(Manager):\n    pass\n"},
    )
    with pytest.raises(PluginLoadError, match="inherited from a base class"):
        PluginRegistry.discover().load("iut", "child")


def test_service_managers_must_carry_a_manifest(site: PluginSite) -> None:
    source = """
        from panther import BaseServiceManager

        class Manager(BaseServiceManager):
            def _get_implementation_name(self):
                return "bare"

            def _get_binary_name(self):
                return "bare"
        """
    site.add("panther-tester-bare", {"tester": {"bare": "reg_bare:Manager"}}, {"reg_bare": source})
    with pytest.raises(PluginLoadError, match=r"no manifest.*@register_plugin\(plugin_type=\"tester\", name=\"bare\""):
        PluginRegistry.discover().load("tester", "bare")


def test_service_managers_must_extend_the_base_service_manager(site: PluginSite) -> None:
    source = """
        from panther import register_plugin

        @register_plugin(plugin_type="iut", name="plain")
        class Manager:
            pass
        """
    site.add("panther-iut-plain", {"iut": {"plain": "reg_plain:Manager"}}, {"reg_plain": source})
    with pytest.raises(PluginLoadError, match="not a subclass of panther.BaseServiceManager"):
        PluginRegistry.discover().load("iut", "plain")


def test_other_kinds_need_no_manifest(site: PluginSite) -> None:
    site.add(
        "panther-exec-wrap",
        {"execution_environment": {"wrap": "reg_wrap:Wrapper"}},
        {"reg_wrap": "class Wrapper:\n    pass\n"},
    )
    assert PluginRegistry.discover().load("execution_environment", "wrap").__name__ == "Wrapper"


def test_two_distributions_claiming_one_name_conflict_only_when_used(site: PluginSite) -> None:
    site.add("panther-iut-first", {"iut": {"twin": "reg_first:Manager"}}, {"reg_first": service_manager_source("twin")})
    site.add(
        "panther-iut-second", {"iut": {"twin": "reg_second:Manager"}}, {"reg_second": service_manager_source("twin")}
    )
    site.add(
        "panther-iut-other", {"iut": {"other": "reg_other:Manager"}}, {"reg_other": service_manager_source("other")}
    )
    registry = PluginRegistry.discover()

    assert registry.load("iut", "other").__name__ == "Manager"
    assert registry.names("iut").count("twin") == 1
    assert {entry.distribution for entry in registry.entries("iut") if entry.name == "twin"} == {
        "panther-iut-first",
        "panther-iut-second",
    }
    with pytest.raises(PluginConflictError) as caught:
        registry.load("iut", "twin")
    assert "panther-iut-first" in str(caught.value)
    assert "panther-iut-second" in str(caught.value)
    assert "panther-iut-second" in registry.load_all()[("iut", "twin")]


def test_one_name_in_two_kinds_is_no_conflict(site: PluginSite) -> None:
    site.add(
        "panther-base-dual",
        {"iut": {"dual": "reg_dual:Manager"}, "protocol": {"dual": "reg_dual:Protocol"}},
        {"reg_dual": service_manager_source("dual") + "\nclass Protocol:\n    pass\n"},
    )
    registry = PluginRegistry.discover()
    assert registry.load("iut", "dual").__name__ == "Manager"
    assert registry.load("protocol", "dual").__name__ == "Protocol"


def test_one_distribution_seen_twice_on_the_path_is_no_conflict(
    site: PluginSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site.add(
        "panther-iut-twice", {"iut": {"twice": "reg_twice:Manager"}}, {"reg_twice": service_manager_source("twice")}
    )
    # The same distribution again further down the path, as an editable and a site install would be.
    shadow = PluginSite(tmp_path / "shadow")
    shadow.add("panther_iut_twice", {"iut": {"twice": "reg_twice:Manager"}}, version="0.9")
    monkeypatch.syspath_prepend(str(site.root))
    monkeypatch.setattr(sys, "path", [*sys.path, str(shadow.root)])

    registry = PluginRegistry.discover()
    [entry] = [entry for entry in registry.entries("iut") if entry.name == "twice"]
    assert entry.version == "1.0"
    assert registry.load("iut", "twice").__name__ == "Manager"


def test_plugins_can_be_disabled_by_name_or_kind_and_name(site: PluginSite, monkeypatch: pytest.MonkeyPatch) -> None:
    site.add(
        "panther-iut-multi",
        {
            "iut": {"one": "reg_multi:Manager", "two": "reg_multi:Manager"},
            "protocol": {"one": "reg_multi:Protocol"},
        },
    )
    registry = PluginRegistry.discover(disabled=["iut:one"])
    assert "one" not in registry.names("iut")
    assert "one" in registry.names("protocol")
    assert [(entry.kind, entry.name) for entry in registry.disabled_entries()] == [("iut", "one")]
    with pytest.raises(PluginNotFoundError, match="disabled") as caught:
        registry.load("iut", "one")
    assert caught.value.disabled

    assert "one" not in PluginRegistry.discover(disabled=["one"]).names("protocol")

    monkeypatch.setenv("PANTHER_DISABLE_PLUGINS", " two , iut:one,protocol:two")
    registry = PluginRegistry.discover()
    assert not {"one", "two"} & set(registry.names("iut"))
    assert registry.unmatched_disabled() == ["protocol:two"]


def test_a_plugin_exiting_on_import_is_reported_not_obeyed(site: PluginSite) -> None:
    site.add("panther-iut-quitter", {"iut": {"quitter": "reg_quit:Manager"}}, {"reg_quit": "raise SystemExit(3)\n"})
    with pytest.raises(PluginLoadError, match="panther-iut-quitter.*SystemExit"):
        PluginRegistry.discover().load("iut", "quitter")


def test_a_name_used_with_the_wrong_kind_says_which_kind_it_is(site: PluginSite) -> None:
    site.add("panther-iut-solo", {"iut": {"solo": "reg_solo:Manager"}})
    with pytest.raises(PluginNotFoundError, match="'solo' is installed, but as kind iut"):
        PluginRegistry.discover().load("tester", "solo")


def test_an_unknown_name_lists_what_is_installed(site: PluginSite) -> None:
    site.add("panther-iut-picoquic", {"iut": {"picoquic": "reg_pico:Manager"}})
    with pytest.raises(PluginNotFoundError) as caught:
        PluginRegistry.discover().load("iut", "picoquik")
    error = caught.value
    assert (error.kind, error.name) == ("iut", "picoquik")
    assert "picoquic" in error.available
    assert "did you mean 'picoquic'" in str(error)


def test_unknown_kinds_are_errors_and_the_guide_spelling_of_tester_is_accepted(site: PluginSite) -> None:
    site.add(
        "panther-tester-ivy",
        {"tester": {"ivy": "reg_ivy:Manager"}},
        {"reg_ivy": service_manager_source("ivy", kind="tester")},
    )
    registry = PluginRegistry.discover()
    assert registry.load("testers", "ivy") is registry.load("tester", "ivy")
    with pytest.raises(PluginError, match="unknown plugin kind 'gadget'"):
        registry.names("gadget")
    assert set(KINDS) == {"iut", "tester", "network_environment", "execution_environment", "protocol"}
