"""Running ``panther`` on a pseudo-terminal, and reading what a person would see on it.

The program writes to a real terminal device (so it draws its live display); what it
wrote is replayed by :func:`screen`, which understands what that display uses (line
feeds, carriage returns, cursor up, erase line) and drops colours and links.
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import termios
import time
from dataclasses import dataclass
from pathlib import Path

_TOKEN = re.compile(
    r"\x1b\[(?P<up>\d*)A"  # cursor up
    r"|(?P<erase>\x1b\[2K)"  # erase the line
    r"|\x1b\]8;[^\x1b\x07]*(?:\x1b\\|\x07)"  # a hyperlink's start or end
    r"|\x1b\[[0-9;?]*[A-Za-z]"  # colours, cursor shown or hidden
    r"|(?P<newline>\r?\n)|(?P<back>\r)|(?P<text>[^\x1b\r\n]+)"
)


@dataclass
class TerminalRun:
    returncode: int
    #: Everything written, escapes and all.
    raw: str

    @property
    def screen(self) -> list[str]:
        return screen(self.raw)

    @property
    def frames(self) -> str:
        """Every line ever drawn, escapes removed (the live display's frames included)."""
        return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\]8;[^\x1b\x07]*(?:\x1b\\|\x07)", "", self.raw)


def screen(text: str) -> list[str]:
    """The lines left on the terminal (its scrollback included) once ``text`` is written."""
    lines, row, column = [""], 0, 0
    for match in _TOKEN.finditer(text):
        if match["up"] is not None:
            row, column = max(row - int(match["up"] or 1), 0), 0
        elif match["erase"]:
            lines[row] = ""
        elif match["newline"]:
            row, column = row + 1, 0
            if row == len(lines):
                lines.append("")
        elif match["back"]:
            column = 0
        elif match["text"]:
            text_part = match["text"]
            line = lines[row].ljust(column)
            lines[row] = line[:column] + text_part + line[column + len(text_part) :]
            column += len(text_part)
    return [line.rstrip() for line in lines]


def run_on_terminal(
    argv: list[str], cwd: Path, *, rows: int = 40, columns: int = 120, timeout: float = 120
) -> TerminalRun:
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    environment = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(columns), "LINES": str(rows)}
    environment.pop("NO_COLOR", None)
    process = subprocess.Popen(
        argv, cwd=cwd, stdin=slave, stdout=slave, stderr=slave, env=environment, start_new_session=True
    )
    os.close(slave)
    chunks = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if not select.select([master], [], [], max(deadline - time.monotonic(), 0))[0]:
                continue
            try:
                data = os.read(master, 65536)
            except OSError as error:  # the terminal closes when the program has ended
                if error.errno != errno.EIO:
                    raise
                break
            if not data:
                break
            chunks.append(data)
        returncode = process.wait(timeout=max(deadline - time.monotonic(), 1))
    finally:
        os.close(master)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return TerminalRun(returncode, b"".join(chunks).decode(errors="replace"))
