"""Big exports are written by a worker process, so they never hold the server's GIL.

Writing an export is Python work per row (decoding the answer, encoding the row as JSON):
~100 µs a task, so a million tasks keep a thread busy for minutes, and in the server's process
every other request would wait for the interpreter at each turn (measured for imports: a 2 ms
GET took 12-58 ms beside a busy thread). So for a host kept in a file (``mockango serve``), the
request checks the export's options (:meth:`mockango.services.exports.ExportService.plan`) and starts
``python -m mockango.services.export_worker``, which opens the same SQLite file read-only (WAL readers
never wait for the writer), reads the project in one snapshot a chunk at a time and writes the
zip where the request said; the request's thread waits for it without holding the GIL.

One process per export (exports are rare, and it ends with its export: nothing to keep alive).
A Hub's :class:`ExportWorkers` runs at most :data:`WORKERS` at once; more exports queue for a
turn. The worker ignores SIGINT (``serve`` decides when it ends) and is killed if the request's
thread is interrupted while it waits.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import StorageError
from .worker_process import start_worker

if TYPE_CHECKING:
    from .exports import ExportPlan

__all__ = ["ExportWorkers", "WORKERS"]

WORKERS = 2
"""Exports written at the same time (one per core); more wait for a turn."""
NICENESS = 10
"""The worker runs at a lower priority: when the cores are busy, the server's requests go first."""


class ExportWorkers:
    """Export worker processes for one store file, at most ``limit`` at a time."""

    def __init__(
        self, database: str | os.PathLike, *, limit: int = WORKERS, cpus: frozenset[int] | None = None
    ) -> None:
        self.database = Path(database)
        self.cpus = cpus
        """The CPUs a worker runs on (the server's own pin is not a worker's); None: as the server."""
        self._turns = threading.BoundedSemaphore(limit)

    def write(self, plan: ExportPlan, path: str | os.PathLike) -> int:
        """Write ``plan``'s export to ``path`` in a worker process; returns the rows written, or raises
        :class:`StorageError` saying why not."""
        request = json.dumps({"database": str(self.database), "plan": plan.to_json(), "path": str(path)})
        with self._turns:
            try:
                process = start_worker(
                    "mockango.services.export_worker",
                    cpus=self.cpus,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                )
            except OSError as exc:
                raise StorageError(f"the export could not be written: cannot start its worker: {exc}") from exc
            try:
                out, err = process.communicate(request.encode())
            except BaseException:
                process.kill()
                process.wait()
                raise
        if process.returncode != 0:
            lines = err.decode(errors="replace").strip().splitlines()
            raise StorageError(
                f"the export could not be written: {lines[-1] if lines else f'exit {process.returncode}'}"
            )
        return json.loads(out)["rows"]


def main() -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(OSError, AttributeError):  # not on every platform
        os.nice(NICENESS)
    from ..store import Store
    from .exports import ExportPlan, write_export

    request = json.loads(sys.stdin.buffer.read())
    store = Store(request["database"], readonly=True)
    try:
        with store.read() as db:
            rows = write_export(db, ExportPlan.from_json(request["plan"]), request["path"])
    except Exception:
        traceback.print_exc()
        return 1
    finally:
        store.close()
    print(json.dumps({"rows": rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
