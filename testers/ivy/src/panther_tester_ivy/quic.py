"""The upstream QUIC tests (repository PANTHER-Ivy): how they compile and run.

Their models need picotls, built from source, and the upstream fork of Ivy's standard
library (``ivy/include/1.7`` of the same repository). Two ways to run them:

- ``docker_compose``: an image built from the upstream repositories at pinned commits
  (picotls, PANTHER-Ivy) with panther-ms-ivy and z3-solver from PyPI; the requested
  test is compiled while the image is built, so an image per test is reused by every
  later run. A peer is known there by name: the tester starts through ``launch.py``,
  which resolves ``@name`` values to addresses.
- ``local``: the user points the plugin at a checkout's ``protocol-testing/quic``
  folder (``quic_models``) and a picotls build (``picotls``).

The tester's parameters are upstream's: ``server_addr``/``server_port`` (the server,
whichever side plays it), ``client_addr``/``client_port``, and environment variables
its TLS code reads (``TEST_TYPE``, ``TEST_ALPN``, ``PANTHER_IVY_CERT_PATH``, ...).
"""

from __future__ import annotations

import base64
import re
import shlex
import socket
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from panther.services.docker_build import RUNTIME_IMAGE_ARG
from panther.services.manager import ServiceManagerError

from panther_tester_ivy.addresses import ivy_address
from panther_tester_ivy.catalog import IvyTest
from panther_tester_ivy.models import ModelSource
from panther_tester_ivy.toolchain import REQUIREMENTS

if TYPE_CHECKING:
    from panther_tester_ivy.config_schema import IvyTesterConfig

PANTHER_IVY_REPOSITORY = "https://github.com/ElNiak/PANTHER-Ivy.git"
PICOTLS_REPOSITORY = "https://github.com/h2o/picotls.git"
#: The commits the image is built from (picotls: the one PANTHER-Ivy pins as a submodule).
PANTHER_IVY_COMMIT = "da943f2b51ef1282b4159d05fc8f164849d6eb72"
PICOTLS_COMMIT = "047c5fe20bb9ea91c1caded8977134f19681ec76"
#: Where the image keeps things.
IMAGE_ROOT = PurePosixPath("/opt/panther-ivy")
IMAGE_MODELS = IMAGE_ROOT / "src" / "protocol-testing"
IMAGE_BUILD = IMAGE_ROOT / "build"
IMAGE_LAUNCHER = IMAGE_ROOT / "launch.py"
#: The port the tester binds as a client when nothing else is decided (upstream's).
DEFAULT_CLIENT_PORT = 4987
_COMMIT = re.compile(r"^[0-9a-f]{7,40}$")
PICOTLS_LIBRARIES = ("libpicotls-core.a", "libpicotls-openssl.a", "libpicotls-minicrypto.a")


def _checked_commit(name: str, value: str) -> str:
    if not _COMMIT.match(value):
        raise ServiceManagerError(f"panther_ivy: `{name}` must be a git commit (7 to 40 hex digits), got {value!r}")
    return value


# ---------------------------------------------------------------------- local builds
def local_model(config: IvyTesterConfig) -> ModelSource:
    """The upstream models named by ``quic_models``, with the checkout's Ivy library."""
    if not config.quic_models:
        raise ServiceManagerError(
            "panther_ivy: QUIC tests on the `local` network environment need `quic_models:` "
            "(the protocol-testing/quic folder of a PANTHER-Ivy checkout) and `picotls:` "
            "(a picotls build folder); or run them on `docker_compose`, which builds both"
        )
    models = Path(config.quic_models).expanduser()
    if not (models / "quic_tests").is_dir():
        raise ServiceManagerError(
            f"panther_ivy: quic_models {str(models)!r} is not PANTHER-Ivy's protocol-testing/quic folder "
            "(it has no quic_tests/ folder)"
        )
    library = models.parent.parent / "ivy" / "include" / "1.7"
    folders = (library, models) if library.is_dir() else (models,)
    return ModelSource(folders)


def local_compile_env(config: IvyTesterConfig) -> tuple[tuple[str, str], ...]:
    """Where g++ finds picotls: its headers and its static libraries."""
    if not config.picotls:
        raise ServiceManagerError(
            "panther_ivy: QUIC tests on `local` need `picotls:`, a picotls build folder "
            f"(cmake . && make, at commit {PICOTLS_COMMIT}) holding include/ and {', '.join(PICOTLS_LIBRARIES)}"
        )
    picotls = Path(config.picotls).expanduser()
    missing = [name for name in ("include/picotls.h", *PICOTLS_LIBRARIES) if not (picotls / name).exists()]
    if missing:
        raise ServiceManagerError(f"panther_ivy: picotls {str(picotls)!r} lacks {', '.join(missing)}: build it first")
    return (("CPLUS_INCLUDE_PATH", str(picotls / "include")), ("LIBRARY_PATH", str(picotls)))


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# ---------------------------------------------------------------------- commands
def quic_parameters(test: IvyTest, arguments: dict[str, Any], seed: int, *, in_container: bool) -> list[str]:
    """``name=value`` parameters: the tester plays ``test.tester_role`` against the IUT.

    As a client (a ``quic_server_test``) it sends to the IUT server at the service's
    target address and port, from a port of its own; as a server (a
    ``quic_client_test``) it listens where the environment placed it.
    """
    host, port = str(arguments["host"]), int(arguments["port"])
    if test.tester_role == "client":
        server = f"@{host}" if in_container else ivy_address(host)
        client = "@self" if in_container else ivy_address("127.0.0.1")
        client_port = DEFAULT_CLIENT_PORT if in_container else free_udp_port()
        parameters = {"server_addr": server, "server_port": port, "client_addr": client, "client_port": client_port}
    else:
        server = "@self" if in_container else ivy_address(host)
        parameters = {"server_addr": server, "server_port": port}
        if not in_container:
            parameters["client_addr"] = ivy_address("127.0.0.1")
    parameters["seed"] = seed
    return [f"{name}={value}" for name, value in parameters.items()]


def quic_environment(test: IvyTest, arguments: dict[str, Any], models_root: str | None) -> dict[str, str]:
    """The variables upstream's tester reads: the role under test, ALPN, certificate, key log."""
    environment = {"TEST_TYPE": test.tested_role, "TEST_ALPN": str(arguments.get("alpn") or "hq-interop")}
    if models_root:
        environment["PANTHER_IVY_BASE_DIR"] = models_root
    for key, variable in (
        ("cert_file", "PANTHER_IVY_CERT_PATH"),
        ("key_file", "PANTHER_IVY_KEY_PATH"),
        ("keylog_file", "SSLKEYLOGFILE"),
    ):
        if arguments.get(key):
            environment[variable] = str(arguments[key])
    if arguments.get("quic_version_wire") is not None:
        environment["INITIAL_VERSION"] = str(arguments["quic_version_wire"])
    return environment


def image_command(test: IvyTest, parameters: list[str]) -> list[str]:
    return ["python3", str(IMAGE_LAUNCHER), str(IMAGE_BUILD / test.name), *parameters]


# ---------------------------------------------------------------------- the image
def dockerfile(test: IvyTest, config: IvyTesterConfig) -> str:
    """A Dockerfile that builds picotls and the upstream models at pinned commits and
    compiles ``test`` (one image per test, reused until one of its inputs changes)."""
    panther_ivy = _checked_commit("panther_ivy_commit", config.panther_ivy_commit)
    picotls = _checked_commit("picotls_commit", config.picotls_commit)
    launcher = base64.b64encode(Path(__file__).with_name("launch.py").read_bytes()).decode()
    quote = shlex.quote
    steps = [
        f"ARG {RUNTIME_IMAGE_ARG}=debian:bookworm-slim",
        f"FROM ${{{RUNTIME_IMAGE_ARG}}}",
        "RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates cmake g++ git make "
        "libssl-dev pkg-config python3 python3-venv && rm -rf /var/lib/apt/lists/*",
        f"RUN git clone {PICOTLS_REPOSITORY} {IMAGE_ROOT}/picotls && cd {IMAGE_ROOT}/picotls "
        f"&& git checkout {picotls} && git submodule update --init --recursive "
        "&& cmake -DOPENSSL_ROOT_DIR=/usr . && make -j2 picotls-core picotls-openssl picotls-minicrypto",
        f"RUN git clone {PANTHER_IVY_REPOSITORY} {IMAGE_ROOT}/src && cd {IMAGE_ROOT}/src && git checkout {panther_ivy}",
        f"RUN python3 -m venv {IMAGE_ROOT}/venv && {IMAGE_ROOT}/venv/bin/pip install --no-cache-dir "
        + " ".join(quote(requirement) for requirement in REQUIREMENTS),
        # Ivy finds included files in the current folder: the library fork, then the models, side by side.
        f"RUN mkdir -p {IMAGE_BUILD} && find {IMAGE_ROOT}/src/ivy/include/1.7 {IMAGE_MODELS}/quic "
        f"\\( -name '*.ivy' -o -name '*.h' \\) -exec cp -f {{}} {IMAGE_BUILD}/ \\;",
        f"RUN cd {IMAGE_BUILD} && Z3DIR=$(echo {IMAGE_ROOT}/venv/lib/python3*/site-packages/z3) "
        f"CPLUS_INCLUDE_PATH={IMAGE_ROOT}/picotls/include LIBRARY_PATH={IMAGE_ROOT}/picotls "
        f"PATH={IMAGE_ROOT}/venv/bin:$PATH ivyc target=test {quote(test.name + '.ivy')} "
        f"&& test -x {quote(str(IMAGE_BUILD / test.name))}",
        f"RUN python3 -c 'import base64,sys; open(sys.argv[1], \"wb\").write(base64.b64decode(sys.argv[2]))' "
        f"{IMAGE_LAUNCHER} {launcher}",
        f"ENV PANTHER_IVY_BASE_DIR={IMAGE_MODELS}",
        f"WORKDIR {IMAGE_BUILD}",
    ]
    return "\n".join(steps) + "\n"
