"""Test-case suites: testers that decide, per named test case, what each IUT is asked
to do and which checks judge the result.

A suite is the tester of a matrix test (``matrix: {tester: NAME, servers, clients,
cases}``). The loader asks it, for every (case, server, client) cell, for the test
that cell runs (:meth:`TestSuite.cell`, a :class:`SuiteCell`); the runner then runs
that test like any other and calls the suite's hooks after the protocol plugins'
(:meth:`TestSuite.prepare_test` before any service starts,
:meth:`TestSuite.evaluate_test` once every service has ended). A suite is published
in the entry-point group ``panther.tester`` and carries a manifest
(``@register_plugin(plugin_type="tester", name=..., supported_protocols=[protocol])``).

Every instance the harness makes has the run's plugin registry in
:attr:`TestSuite.registry` before any of its methods is called: a suite that needs
another plugin (an implementation's class, to read its ``get_supported_features()``)
loads it with :meth:`TestSuite.load_plugin`, so that what ``--disable-plugins`` turned
off stays off and every plugin is imported once per run.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import msgspec

from panther.protocols import TestContext
from panther.services.outcome import Check, ServiceOutcome

if TYPE_CHECKING:
    from panther.plugins.registry import PluginRegistry


class SuiteCell(msgspec.Struct, kw_only=True):
    """What one (case, server, client) cell of a matrix runs.

    ``services`` is a test's ``services:`` block as the experiment file would write it
    (``{"server": {"implementation": {"name": ...}, "protocol": {...}}, ...}``): it is
    checked and resolved exactly like a block written by hand.
    """

    services: dict[str, dict[str, Any]]
    #: Deep-merged over the matrix test's ``network_environment`` (the cell's keys win).
    network_environment: dict[str, Any] = {}
    #: Seconds the cell may take and how often it runs, unless the matrix test sets
    #: ``timeout`` or ``iterations`` itself (the experiment file has the last word).
    timeout: float | None = None
    iterations: int | None = None


class SuiteOptions(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The options of a suite that has none: the ``options:`` block must be empty."""


class TestSuite(ABC):
    """Base of suite-shaped testers (entry-point group ``panther.tester``).

    A suite is instantiated without arguments, once to expand a matrix and once per
    test iteration it judges: keep no state between calls other than what the
    :class:`~panther.protocols.TestContext` carries.
    """

    # Not a pytest test class, whatever its name says.
    __test__ = False

    #: The name of the entry point (``matrix.tester`` in the experiment file).
    name: ClassVar[str]
    #: The protocol every IUT of the matrix must speak (``supported_protocols`` of its manifest).
    protocol: ClassVar[str]
    #: The Struct the matrix's ``options:`` block is decoded into.
    options_class: ClassVar[type[msgspec.Struct]] = SuiteOptions
    #: The run's plugin registry, set by the harness on every instance it makes (to
    #: expand a matrix, to judge a test iteration) right after making it: read it in the
    #: methods, not in ``__init__``. None for a suite made outside a run (in its own
    #: unit tests); :meth:`load_plugin` then discovers the installed plugins.
    registry: PluginRegistry | None = None

    def load_plugin(self, kind: str, name: str) -> type:
        """The plugin class ``kind``/``name`` (``"iut"``, ``"aioquic"``) from the run's registry.

        Raises :class:`panther.plugins.registry.PluginError` (a subclass of it says why:
        not installed, disabled by ``--disable-plugins``, broken).
        """
        if self.registry is None:
            from panther.plugins.registry import PluginRegistry

            self.registry = PluginRegistry.discover()
        return self.registry.load(kind, name)

    @abstractmethod
    def cases(self) -> dict[str, str]:
        """Every case this suite knows, in its preferred order: name -> one-line description."""

    @abstractmethod
    def cell(self, case: str, server: str, client: str, options: Any) -> SuiteCell:
        """The test that ``client`` against ``server`` runs for ``case``.

        ``options`` is the matrix's ``options:`` block decoded into ``options_class``.
        Raise :class:`panther.UnsupportedFeatureError` when the cell cannot be run at
        all (its verdict is then ``unsupported`` with the error's message, and nothing
        is started).
        """

    def prepare_test(self, case: str, test: TestContext) -> None:
        """Called after the protocol plugins' ``prepare_test``, before any service starts.

        Raise :class:`panther.UnsupportedFeatureError` to end the test as ``unsupported``.
        """

    def evaluate_test(self, case: str, test: TestContext, outcomes: Mapping[str, ServiceOutcome]) -> list[Check]:
        """The case's checks, after the protocol plugins' own, once every service has ended.

        Numbers measured from the evidence go into ``test.measurements`` (name -> value);
        the reports show their mean and standard deviation over a cell's iterations.
        """
        return []


Suite = TypeVar("Suite", bound=TestSuite)


def suite_for_run(suite_class: type[Suite], registry: PluginRegistry | None) -> Suite:
    """An instance of ``suite_class`` that sees ``registry`` (how the harness makes every suite)."""
    suite = suite_class()
    suite.registry = registry
    return suite
