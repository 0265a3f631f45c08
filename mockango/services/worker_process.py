"""Start a worker process of the server: ``python -m`` one of its modules, on the server's own code and CPUs.

Both workers (big label imports, exports) are started this way, so each runs the same ``mockango`` as
the server that started it (its package's folder goes first on ``PYTHONPATH``, ahead of any installed
copy) and on the CPUs the server's workers may use (``mockango serve`` keeps its own threads on one:
:mod:`mockango.cpu_affinity`).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from ..cpu_affinity import allow_cpus

__all__ = ["start_worker"]

PACKAGE_PARENT = str(Path(__file__).resolve().parents[2])
"""The folder that holds this ``mockango`` package."""


def start_worker(module: str, *args: str, cpus: frozenset[int] | None, **popen: Any) -> subprocess.Popen:
    """``python -m module *args`` with ``popen``'s pipes, given ``cpus`` (None: the server's); raises
    :class:`OSError` when it cannot start."""
    path = os.pathsep.join(filter(None, [PACKAGE_PARENT, os.environ.get("PYTHONPATH")]))
    process = subprocess.Popen([sys.executable, "-m", module, *args], env={**os.environ, "PYTHONPATH": path}, **popen)
    allow_cpus(process.pid, cpus)
    return process
