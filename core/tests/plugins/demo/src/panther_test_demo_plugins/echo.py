"""The demo echo implementation: a line echo server and a client that checks the echoes.

``python -m panther_test_demo_plugins.echo server|client --host H --port P ...``

The server echoes every line (TCP) or datagram (UDP) back and appends it to
``received.log`` in its working folder (``--max-line N``: only its first N bytes, the
limit of a flawed server). The client sends ``--lines`` lines made from
``--message``, checks each answer, logs to ``client.log`` and exits 0 when every echo
matched, 1 otherwise. ``--behaviour`` makes either side a faulty implementation.
With ``--judge-after N`` the server plays a tester that judges a whole exchange: once
it has received N lines it takes ``--judge-seconds`` to judge them, writes
``judged.log`` and exits 0, ending by itself like a client.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import socketserver
import sys
import threading
from pathlib import Path

EXIT_CRASH = 3
EXIT_UNSUPPORTED = 127
BEHAVIOURS = ("normal", "crash", "hang", "never_ready", "unsupported", "argv_echo")
_received_lock = threading.Lock()


def _forever() -> None:
    threading.Event().wait()


def _spawn_orphan() -> None:
    """Fork a child that leaves the process group and outlives its parent."""
    if os.fork() == 0:
        os.setsid()
        _forever()


#: A server keeps at most this many bytes of a line (0: all of it); see ``--max-line``.
_max_line = 0


def _limited(line: bytes) -> bytes:
    line = line.rstrip(b"\n")
    return line[:_max_line] if _max_line else line


#: Server: lines to receive before judging them and exiting (0: serve forever), and
#: how long judging takes; see ``--judge-after``.
_judge_after = 0
_judge_seconds = 0.0
_received = 0


def _judge_and_exit() -> None:
    threading.Event().wait(_judge_seconds)
    Path("judged.log").write_text(f"judged {_received} lines\n")
    os._exit(0)


def _record(line: bytes) -> None:
    global _received
    with _received_lock, open("received.log", "ab") as log:
        log.write(line + b"\n")
        _received += 1
        if _received == _judge_after:
            threading.Thread(target=_judge_and_exit, daemon=True).start()


class _TcpEcho(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        for line in self.rfile:
            kept = _limited(line)
            _record(kept)
            self.wfile.write(kept + b"\n")


class _UdpEcho(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        data, sock = self.request
        kept = _limited(data)
        _record(kept)
        sock.sendto(kept, self.client_address)


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def serve(host: str, port: int, transport: str) -> None:
    if transport == "tcp":
        server_class: type[socketserver.BaseServer] = socketserver.ThreadingTCPServer
        handler: type[socketserver.BaseRequestHandler] = _TcpEcho
    else:
        server_class, handler = socketserver.UDPServer, _UdpEcho
    server_class.address_family = _family(host)  # type: ignore[attr-defined]
    server_class.allow_reuse_address = False  # type: ignore[attr-defined]
    try:
        server = server_class((host, port), handler)
    except OSError as exc:
        print(f"cannot listen on {host}:{port}/{transport}: {exc.strerror}", file=sys.stderr)
        sys.exit(2)
    print(f"listening on {host}:{port}/{transport}", flush=True)
    with server:
        server.serve_forever()


def _exchange_tcp(host: str, port: int, lines: list[str]) -> list[str]:
    answers = []
    with socket.create_connection((host, port), timeout=10) as sock, sock.makefile("rwb") as stream:
        for line in lines:
            stream.write(line.encode() + b"\n")
            stream.flush()
            answers.append(stream.readline().decode().rstrip("\n"))
    return answers


def _exchange_udp(host: str, port: int, lines: list[str]) -> list[str]:
    answers = []
    with socket.socket(_family(host), socket.SOCK_DGRAM) as sock:
        sock.settimeout(2)
        for line in lines:
            for _ in range(3):  # a datagram may be lost; ask again
                sock.sendto(line.encode(), (host, port))
                try:
                    answers.append(sock.recv(65535).decode())
                    break
                except TimeoutError:
                    continue
            else:
                answers.append("")
    return answers


def run_client(host: str, port: int, transport: str, message: str, count: int) -> int:
    lines = [f"{message} {index}" for index in range(count)]
    exchange = _exchange_tcp if transport == "tcp" else _exchange_udp
    try:
        answers = exchange(host, port, lines)
    except OSError as exc:
        print(f"cannot talk to {host}:{port}/{transport}: {exc}", file=sys.stderr)
        return 1
    mismatches = 0
    with open("client.log", "w") as log:
        for sent, answer in zip(lines, answers, strict=True):
            status = "ok" if sent == answer else "MISMATCH"
            mismatches += status != "ok"
            log.write(f"{status}\t{sent!r}\t{answer!r}\n")
    print(f"{len(lines) - mismatches}/{len(lines)} echoes matched")
    return 0 if mismatches == 0 else 1


def _settings_agree(arguments: argparse.Namespace) -> bool:
    """The settings file exists, was written for this very command, and names the folder we run in."""
    try:
        settings = json.loads(arguments.settings.read_text())
    except (OSError, ValueError) as exc:
        print(f"cannot read the settings file {arguments.settings}: {exc}", file=sys.stderr)
        return False
    wanted = {"port": arguments.port, "folder": os.getcwd()}
    if {key: settings.get(key) for key in wanted} != wanted:
        print(f"settings file {arguments.settings} says {settings}, the command {wanted}", file=sys.stderr)
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="demo-echo")
    parser.add_argument("role", choices=("server", "client", "peer"))
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--transport", choices=("tcp", "udp"), default="tcp")
    parser.add_argument("--behaviour", choices=BEHAVIOURS, default="normal")
    parser.add_argument("--label", default="")
    parser.add_argument("--message", default="hello")
    parser.add_argument("--lines", type=int, default=3)
    parser.add_argument("--spawn-orphan", action="store_true")
    parser.add_argument("--max-line", type=int, default=0, help="server: keep only this many bytes of a line")
    parser.add_argument("--settings", type=Path, help="a settings file written before the start, checked here")
    parser.add_argument("--judge-after", type=int, default=0, help="server: exit after judging this many lines")
    parser.add_argument("--judge-seconds", type=float, default=0.0, help="server: how long judging takes")
    # Unknown arguments (extra_args) are accepted: argv_echo exists to show them.
    arguments, _ = parser.parse_known_args(argv)

    if arguments.behaviour == "argv_echo":
        Path("argv.received.json").write_text(json.dumps(sys.argv[1:] if argv is None else argv))
    if arguments.settings is not None and not _settings_agree(arguments):
        return EXIT_CRASH
    if arguments.spawn_orphan:
        _spawn_orphan()
    global _max_line, _judge_after, _judge_seconds
    _max_line = arguments.max_line
    _judge_after, _judge_seconds = arguments.judge_after, arguments.judge_seconds
    if arguments.behaviour == "crash":
        print("crashing as configured", file=sys.stderr)
        return EXIT_CRASH
    if arguments.behaviour == "unsupported":
        print("this feature is not supported", file=sys.stderr)
        return EXIT_UNSUPPORTED
    if arguments.behaviour == "never_ready":
        _forever()
    if arguments.behaviour == "hang":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if arguments.role == "client":
            _forever()
    if arguments.role == "client":
        return run_client(arguments.host, arguments.port, arguments.transport, arguments.message, arguments.lines)
    serve(arguments.host, arguments.port, arguments.transport)
    return 0


if __name__ == "__main__":
    sys.exit(main())
