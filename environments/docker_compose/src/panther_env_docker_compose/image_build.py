"""One image made, in a process of its own: ``python -m panther_env_docker_compose.image_build SPEC``.

``SPEC`` is a JSON object: either a build (``context``, a folder holding a
``Dockerfile``; ``tag``, ``buildargs``, ``labels``) or an import of a root file
system (``tarball``, ``repository``, ``tag``, ``changes``). The engine's output is
printed as it comes; a failure ends with a line ``ERROR: <reason>`` and exit code 1.

The harness makes images this way so that a cancelled run ends the work at once, by
ending this process: the engine stops a build whose client went away, and removes
its intermediate containers. The SDK gives no other handle on a build in progress.
"""

from __future__ import annotations

import json
import sys

ERROR_PREFIX = "ERROR: "


def main(argv: list[str]) -> int:
    import docker
    from docker.errors import DockerException

    spec = json.loads(argv[0])
    # No read timeout: a build step may work silently for minutes (a compiler).
    client = docker.from_env(timeout=None)
    failure: str | None = None
    try:
        if "tarball" in spec:
            client.api.import_image_from_file(
                spec["tarball"], repository=spec["repository"], tag=spec["tag"], changes=spec["changes"]
            )
            return 0
        for chunk in client.api.build(
            path=spec["context"],
            tag=spec["tag"],
            buildargs=spec["buildargs"],
            labels=spec["labels"],
            pull=False,
            rm=True,
            forcerm=True,
            decode=True,
        ):
            if "stream" in chunk:
                sys.stdout.write(chunk["stream"])
                sys.stdout.flush()
            if "error" in chunk:
                failure = str(chunk["error"])
    except DockerException as exc:
        failure = str(getattr(exc, "explanation", None) or exc)
    if failure is not None:
        print(f"{ERROR_PREFIX}{failure.strip()}", flush=True)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
