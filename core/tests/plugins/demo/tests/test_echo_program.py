"""The demo echo program on its own: a real server and client, over TCP and UDP."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from panther.environments.ports import ALLOCATOR

PROGRAM = [sys.executable, "-m", "panther_test_demo_plugins.echo"]


def _wait_listening(server: subprocess.Popen[bytes], port: int, transport: str) -> None:
    table = "/proc/net/tcp" if transport == "tcp" else "/proc/net/udp"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert server.poll() is None, "the server exited"
        lines = Path(table).read_text().splitlines()[1:]
        if any(int(line.split()[1].rsplit(":", 1)[1], 16) == port for line in lines):
            return
        time.sleep(0.02)  # polling the socket table
    raise AssertionError("the server never listened")


@pytest.mark.parametrize("transport", ["tcp", "udp"])
def test_client_gets_every_line_echoed(tmp_path, transport):
    port = ALLOCATOR.allocate()
    common = ["--host", "127.0.0.1", "--port", str(port), "--transport", transport]
    server = subprocess.Popen([*PROGRAM, "server", *common], cwd=tmp_path)
    try:
        _wait_listening(server, port, transport)
        client = subprocess.run([*PROGRAM, "client", *common, "--lines", "3", "--message", "a b"], cwd=tmp_path,
                                capture_output=True, text=True, timeout=60)  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=30)
        ALLOCATOR.release([port])
    assert client.returncode == 0, client.stderr
    assert client.stdout.strip() == "3/3 echoes matched"
    assert (tmp_path / "received.log").read_text().splitlines() == ["a b 0", "a b 1", "a b 2"]


def test_client_fails_when_nobody_answers(tmp_path):
    port = ALLOCATOR.allocate()
    done = subprocess.run([*PROGRAM, "client", "--host", "127.0.0.1", "--port", str(port)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    ALLOCATOR.release([port])
    assert done.returncode == 1 and "cannot talk to" in done.stderr


@pytest.mark.parametrize(("behaviour", "code"), [("crash", 3), ("unsupported", 127)])
def test_faulty_behaviours_exit_with_their_code(tmp_path, behaviour, code):
    done = subprocess.run([*PROGRAM, "server", "--host", "127.0.0.1", "--port", "1", "--behaviour", behaviour],
                          cwd=tmp_path, timeout=60)  # fmt: skip
    assert done.returncode == code


def test_argv_echo_writes_the_arguments_it_received(tmp_path):
    args = ["client", "--host", "127.0.0.1", "--port", "1", "--behaviour", "argv_echo", "--label", "$(x); 'y'"]
    subprocess.run([*PROGRAM, *args, "extra item"], cwd=tmp_path, capture_output=True, timeout=60)
    assert json.loads((tmp_path / "argv.received.json").read_text()) == [*args, "extra item"]


def test_listening_on_a_taken_port_fails_with_a_message(tmp_path):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        done = subprocess.run([*PROGRAM, "server", "--host", "127.0.0.1", "--port", str(port)], cwd=tmp_path,
                              capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 2 and "Address already in use" in done.stderr
