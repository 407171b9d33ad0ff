"""Loading an experiment file: from a path to a :class:`ResolvedExperiment`.

The steps, each owned by its own module: read and parse the file keeping the line
of every value (:mod:`~panther.config.yaml_source`), decode it into the experiment
Structs (:mod:`~panther.config.decoding`), check the rules types cannot express
(:mod:`~panther.config.rules`), then find every plugin the file names and decode its
block with the plugin's own Struct (:mod:`~panther.config.resolution`), expanding each
``matrix:`` test into its cells (:mod:`~panther.config.matrix`). Any user
mistake is a :class:`~panther.config.errors.ConfigError`; nothing is started.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from panther.config.decoding import decode, describe_value, field_names
from panther.config.errors import ConfigError
from panther.config.matrix import check_cell_names, expand_matrix
from panther.config.models import ExperimentConfig
from panther.config.resolution import PluginResolver
from panther.config.resolved import MatrixAxes, ResolvedExperiment, ResolvedTest
from panther.config.rules import check_experiment, check_test_form
from panther.config.yaml_source import parse_document, read_source

if TYPE_CHECKING:
    from panther.plugins.registry import PluginRegistry

__all__ = ["ConfigError", "load_experiment", "load_experiment_text"]


def load_experiment(path: Path, registry: PluginRegistry) -> ResolvedExperiment:
    """Read, check and resolve the experiment file at ``path``."""
    return load_experiment_text(read_source(path), path, registry)


def load_experiment_text(text: str, source: Path, registry: PluginRegistry) -> ResolvedExperiment:
    """Check and resolve an experiment given as text; ``source`` names it in messages."""
    document = parse_document(text, source)
    expected_top = "a mapping with the keys: " + ", ".join(field_names(ExperimentConfig))
    if document.data is None:
        raise ConfigError("the file is empty (no YAML document)", file=source, expected=expected_top, found="nothing")
    if not isinstance(document.data, dict):
        raise document.error(
            "an experiment file must be a mapping", (), expected=expected_top, found=describe_value(document.data)
        )
    config = decode(document, document.data, ExperimentConfig, ())
    check_experiment(document, config)
    resolver = PluginResolver(document, registry)
    tests: list[ResolvedTest] = []
    matrices: list[MatrixAxes] = []
    for index, test in enumerate(config.tests):
        check_test_form(document, index)
        if test.matrix is None:
            tests.append(resolver.test(index, test))
        else:
            axes, cells = expand_matrix(resolver, index, test)
            matrices.append(axes)
            tests += cells
    check_cell_names(document, config, tests)
    for position, resolved in enumerate(tests):
        resolved.index = position
    return ResolvedExperiment(source=source, config=config, tests=tests, matrices=matrices)
