"""The Docker image of picoquic: picotls and picoquic from upstream at pinned commits.

picoquic links picotls statically; picotls is configured in its own source tree
(as picoquic's CI and upstream Dockerfile do) and picoquic is pointed at the three
libraries and the headers explicitly, so that the build never depends on CMake's
search hints. Only ``picoquicdemo`` is built and shipped; it needs OpenSSL's
libcrypto at run time.
"""

from __future__ import annotations

from panther.services.docker_build import DockerBuilderFactory

from panther_iut_picoquic.config_schema import PICOQUIC_REPOSITORY, PICOTLS_REPOSITORY, PicoquicConfig

PICOTLS_DIR = "/src/picotls"
PICOTLS_LIBRARIES = ("picotls-core", "picotls-openssl", "picotls-minicrypto")


def build_commands() -> list[list[str]]:
    picotls = [
        ["cmake", "-S", PICOTLS_DIR, "-B", PICOTLS_DIR, "-DCMAKE_BUILD_TYPE=Release"],
        ["cmake", "--build", PICOTLS_DIR, "--parallel", "2", "--target", *PICOTLS_LIBRARIES],
    ]
    picoquic = [
        [
            "cmake",
            "-S",
            ".",
            "-B",
            "build",
            "-DCMAKE_BUILD_TYPE=Release",
            "-Dpicoquic_BUILD_TESTS=OFF",
            f"-DPTLS_INCLUDE_DIR={PICOTLS_DIR}/include",
            f"-DPTLS_CORE_LIBRARY={PICOTLS_DIR}/libpicotls-core.a",
            f"-DPTLS_OPENSSL_LIBRARY={PICOTLS_DIR}/libpicotls-openssl.a",
            f"-DPTLS_MINICRYPTO_LIBRARY={PICOTLS_DIR}/libpicotls-minicrypto.a",
        ],
        ["cmake", "--build", "build", "--parallel", "2", "--target", "picoquicdemo"],
    ]
    return picotls + picoquic


def dockerfile(config: PicoquicConfig) -> str:
    builder = DockerBuilderFactory.create_builder(
        implementation_name="picoquic",
        language="c",
        repo_url=PICOQUIC_REPOSITORY,
        ref=config.picoquic_ref,
        extra_sources=[{"url": PICOTLS_REPOSITORY, "ref": config.picotls_ref, "directory": "picotls"}],
        build_commands=build_commands(),
        binaries=["build/picoquicdemo"],
        runtime_packages=["libssl3", "ca-certificates"],
    )
    return builder.generate_complete_dockerfile()
