"""`mockango serve` as a child process, the way a user starts it, for the CLI and packaging tests.

Every process started here is stopped by the test that started it, even when SIGINT is ignored
(a shell's background job ignores it): :func:`stop_process` falls back to SIGTERM, then SIGKILL.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import time
from pathlib import Path

import pytest


def start_serve(
    command: list[str], tmp_path: Path, *extra: str, cwd: Path | None = None, **popen
) -> tuple[subprocess.Popen, str]:
    """Start ``command serve`` on a free port; return it and what it printed up to its prompt."""
    process = subprocess.Popen(
        [*command, "serve", "--port", "0", "--state", str(tmp_path / "state.sqlite3"), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=cwd or tmp_path,
        **popen,
    )
    lines = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if "Press Ctrl+C to stop." in line:
            return process, "".join(lines)
    stop_process(process)
    pytest.fail("mockango serve did not start:\n" + "".join(lines))


def stop_process(process: subprocess.Popen, timeout: float = 10) -> str:
    """Ctrl+C the process; if it ignores SIGINT, terminate it, then kill it. Returns what it printed."""
    for send in (lambda: process.send_signal(signal.SIGINT), process.terminate, process.kill):
        if process.poll() is None:
            send()
        try:
            out, _ = process.communicate(timeout=timeout)
            return out or ""
        except subprocess.TimeoutExpired:
            continue
    process.wait()
    return ""


def printed(banner: str, label: str) -> str:
    return re.search(rf"{label}:\s+(\S+)", banner).group(1)


def command_after(banner: str, heading: str) -> str:
    lines = banner.splitlines()
    return lines[lines.index(heading) + 1].strip()


def split_command(line: str) -> tuple[dict, list[str]]:
    """``A=1 B=2 prog args`` -> (this process's environment plus A and B, [prog, args...])."""
    words = shlex.split(line)
    env = dict(os.environ)
    while words and "=" in words[0]:
        key, _, value = words.pop(0).partition("=")
        env[key] = value
    return env, words
