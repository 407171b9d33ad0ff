"""What the ``docker_compose`` environment does once per experiment, before any test's clock.

In this order, each a step on the console (:class:`~panther.events.PreparationStepEvent`):
remove what killed harnesses left on the engine; make the base image when it is
missing (debootstrap, minutes; only when ``docker.build`` allows it); find each
implementation's image and build the ones that are missing, and the network path
relay's image when a test has a ``path:``. A test therefore starts
with every image it needs: the first run of an experiment gives the verdicts the
second gives. A build that fails ends only the tests that need its image, with the
end of its log; Ctrl-C ends a build within a fraction of a second.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from panther.environments.base import EnvironmentPreparation, folder_name
from panther.events import EventBus, PreparationStepEvent
from panther.services.manager import ServiceManagerError

from panther_env_docker_compose.cleanup import remove_dead_runs
from panther_env_docker_compose.engine import DockerBuildError, DockerUnavailableError, connect, image_exists
from panther_env_docker_compose.implementation_images import ImageRecipe, image_recipe, make_image, relay_recipe
from panther_env_docker_compose.subprocesses import BuildCancelled

if TYPE_CHECKING:
    from docker import DockerClient
    from panther.config.models import ExperimentConfig
    from panther.config.resolved import ResolvedTest
    from panther.runner.cancellation import Cancellation
    from panther.services.manager import BaseServiceManager


@dataclass
class PreparedImages:
    """The image of each service, by (test index, service name), and the path relay's."""

    images: dict[tuple[int, str], str] = field(default_factory=dict)
    relay: str | None = None


def prepare_images(
    tests: Sequence[ResolvedTest],
    *,
    bus: EventBus,
    experiment: ExperimentConfig,
    cancellation: Cancellation,
    output_dir: Path,
    managers: Mapping[tuple[int, str], BaseServiceManager],
    run_id: str = "",
) -> EnvironmentPreparation:
    """Every image ``tests`` need, made now; see the module's docstring.

    The arguments are those of :meth:`NetworkEnvironment.prepare_experiment`.
    """
    try:
        client = connect()
    except DockerUnavailableError as exc:
        raise ServiceManagerError(str(exc)) from None
    _remove_what_killed_runs_left(client, bus)
    base_image = experiment.docker.base_image
    if not image_exists(base_image):
        _make_base_image(base_image, build=experiment.docker.build, bus=bus, cancellation=cancellation)

    prepared = EnvironmentPreparation(data=PreparedImages())
    assert isinstance(prepared.data, PreparedImages)
    recipes: dict[tuple[int, str], ImageRecipe] = {}
    for (index, service), manager in managers.items():
        try:
            recipes[(index, service)] = image_recipe(manager, base_image=base_image)
        except DockerBuildError as exc:
            prepared.failures.setdefault(index, f"no image for {manager.implementation_name}: {exc}")
    built: dict[str, str | None] = {}  # tag -> why it could not be made (None: it exists now)
    for key, recipe in recipes.items():
        if recipe.tag not in built:
            built[recipe.tag] = _ensure(recipe, experiment, bus, output_dir, cancellation)
        failure = built[recipe.tag]
        if failure is None:
            prepared.data.images[key] = recipe.tag
        else:
            prepared.failures.setdefault(key[0], f"no image for {recipe.implementation}: {failure}")
    with_path = [test.index for test in tests if getattr(test.network_environment_config, "path", None) is not None]
    if with_path:
        try:
            relay = relay_recipe(base_image=base_image)
            failure = _ensure(relay, experiment, bus, output_dir, cancellation)
        except DockerBuildError as exc:
            failure = str(exc)
        if failure is None:
            prepared.data.relay = relay.tag
        else:
            for index in with_path:
                prepared.failures.setdefault(index, f"no image for the network path relay: {failure}")
    return prepared


def _remove_what_killed_runs_left(client: DockerClient, bus: EventBus) -> None:
    from docker.errors import DockerException

    try:
        removed = remove_dead_runs(client).removed
    except DockerException:
        return  # the next run, or `panther docker clean`, tries again: this one goes on
    if removed:
        with _step(bus, f"removed what killed runs left: {', '.join(removed)}"):
            pass


def _ensure(
    recipe: ImageRecipe, experiment: ExperimentConfig, bus: EventBus, output_dir: Path, cancellation: Cancellation
) -> str | None:
    """Make ``recipe``'s image unless it exists; why it could not be made, or None."""
    if recipe.ready_made or image_exists(recipe.tag):
        return None
    if not experiment.docker.build:
        return f"image {recipe.tag} is not built and docker.build is false"
    log = output_dir / f"image-{folder_name(recipe.implementation)}-{recipe.tag.rsplit(':', 1)[1]}.log"
    try:
        with _step(bus, f"image for {recipe.implementation}: {recipe.tag}"):
            make_image(recipe, log_path=log, cancellation=cancellation)
    except BuildCancelled:
        raise
    except DockerBuildError as exc:
        return f"{exc}\n(build log: {log})"
    return None


def _make_base_image(tag: str, *, build: bool, bus: EventBus, cancellation: Cancellation) -> None:
    from panther_env_docker_compose.base_image import build_base_image

    how = f"make it with `panther docker base-image --tag {tag}`"
    if not build:
        raise ServiceManagerError(f"the base image {tag} is not on the Docker engine and docker.build is false: {how}")
    if shutil.which("debootstrap") is None or os.geteuid() != 0:
        raise ServiceManagerError(
            f"the base image {tag} is not on the Docker engine, and making it here needs root and debootstrap: {how}"
        )
    try:
        with _step(bus, f"base image {tag} (debootstrap: a few minutes, once)"):
            build_base_image(tag, cancellation=cancellation)
    except DockerBuildError as exc:
        raise ServiceManagerError(f"the base image {tag} could not be made: {exc}") from None


@contextmanager
def _step(bus: EventBus, label: str) -> Iterator[None]:
    """Announce a step of the preparation, as the runner announces its own."""
    began = time.monotonic()
    bus.publish(PreparationStepEvent(step=label, step_type="environment", status="started"))
    status, reason = "ready", ""
    try:
        yield
    except BuildCancelled as exc:
        status, reason = "interrupted", str(exc)
        raise
    except Exception as exc:
        status, reason = "error", str(exc).splitlines()[0]
        raise
    finally:
        duration = time.monotonic() - began
        bus.publish(
            PreparationStepEvent(step=label, step_type="environment", status=status, duration=duration, reason=reason)
        )
