"""``panther docker ...``: the base image, and cleaning up after runs (entry point ``docker``
in the ``panther.cli`` group)."""

from __future__ import annotations

from typing import Annotated

import typer
from panther.cli.common import TYPER_SETTINGS, user_errors

from panther_env_docker_compose.engine import DockerBuildError, DockerUnavailableError

app = typer.Typer(help="Docker images and clean-up for the docker_compose environment.", **TYPER_SETTINGS)

_DOCKER_ERRORS = (DockerBuildError, DockerUnavailableError)


@app.command("base-image")
def base_image(
    tag: Annotated[str | None, typer.Option("--tag", help="Image name (default: docker.base_image's default).")] = None,
    mirror: Annotated[str | None, typer.Option("--mirror", help="Debian mirror (default: the one apt uses).")] = None,
    package: Annotated[
        list[str] | None, typer.Option("--package", help="Extra Debian package to include (repeatable).")
    ] = None,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Make it again even if it exists.")] = False,
) -> None:
    """Make the base image locally (debootstrap, then docker import): no registry is needed."""
    with user_errors(*_DOCKER_ERRORS):
        from panther_env_docker_compose.base_image import BASE_PACKAGES, DEFAULT_BASE_IMAGE, build_base_image

        image = build_base_image(
            tag or DEFAULT_BASE_IMAGE,
            mirror=mirror,
            packages=[*BASE_PACKAGES, *(package or [])],
            rebuild=rebuild,
        )
    typer.echo(f"{tag or DEFAULT_BASE_IMAGE}: {image}")


@app.command("clean")
def clean(
    run: Annotated[
        str | None, typer.Option("--run", help="What this run left, even if it is still going (its run_id).")
    ] = None,
    images: Annotated[bool, typer.Option("--images", help="Also remove the implementation images.")] = False,
) -> None:
    """Remove the containers and networks of runs whose harness was killed (or of one run, with --run).

    Without --run, only what harnesses that no longer run on this machine left is
    removed: tests of live runs, and of harnesses on other machines, keep theirs.
    """
    with user_errors(*_DOCKER_ERRORS):
        from panther_env_docker_compose.cleanup import RUN_LABEL, remove_dead_runs, remove_labelled
        from panther_env_docker_compose.engine import connect
        from panther_env_docker_compose.implementation_images import remove_implementation_images

        client = connect()
        unidentified: list[str] = []
        if run is not None:
            removed = remove_labelled(client, RUN_LABEL, run)
        else:
            sweep = remove_dead_runs(client)
            removed, unidentified = sweep.removed, sweep.unidentified
        if images:
            removed += remove_implementation_images(client)
    for name in removed:
        typer.echo(f"removed {name}")
    typer.echo(f"{len(removed)} removed")
    if unidentified:
        typer.echo(
            f"kept {len(unidentified)} of runs whose harness is not recorded ({', '.join(unidentified)}): "
            "remove them with --run RUN_ID (the org.panther.run label)"
        )
