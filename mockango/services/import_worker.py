"""Big label imports are parsed and validated in a worker process, so they never hold the server's GIL.

Why: CPython runs one thread at a time. While a request's thread parses and validates a
10,000-item import (~250 ms of pure Python on a 2-core machine), every other request of
``mockango serve`` gets the interpreter back only once per switch interval, at each of the
many points where it gave it up (socket reads, SQLite calls): a 2 ms ``GET /v2/project/{id}``
took 12-58 ms during those phases, and none was slow while the rows were written (SQLite
releases the GIL). So the worker, a child process reading the same SQLite file (read-only;
WAL readers never wait for the writer), does everything an import does before it writes,
and hands back the rows; the server checks who may import into the project and stores the
rows in one transaction, as an in-thread import does.

Imports run in the request's thread when the store is in memory (the pytest fixture: there
is no file to share), for bodies under :data:`WORKER_MIN_BYTES` (the round trip would cost
more than it frees), and whenever the worker cannot be reached (it is restarted next time).

The worker is ``python -m mockango.services.import_worker DATABASE``: requests and answers are
length-prefixed frames on its stdin and stdout; it ignores SIGINT (Ctrl-C in the terminal
reaches the whole process group: ``serve`` decides when it ends) and exits when its stdin
closes, which also happens when the server is killed.
"""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import threading
import traceback
from pathlib import Path
from typing import IO

from ..records.projects import Projects
from ..store import Store
from .labels import WorkerAnswer, WorkerUnavailable, prepare_body, read_import_body
from .worker_process import start_worker

__all__ = ["ImportWorker", "WorkerAnswer", "WorkerUnavailable", "WORKER_MIN_BYTES", "read_import_body", "prepare_body"]

WORKER_MIN_BYTES = 128 * 1024
"""Bodies at least this big go to the worker (~900 label items; ~25 ms of parsing and validating)."""

_HEADER_BYTES = 8


# ------------------------------------------------------------------ framing


def _pipes(process: subprocess.Popen) -> tuple[IO[bytes], IO[bytes]]:
    """The worker's stdin and stdout (it is always started with both as pipes)."""
    if process.stdin is None or process.stdout is None:
        raise ValueError("the worker was started without pipes")
    return process.stdin, process.stdout


def _send(stream: IO[bytes], payload: bytes) -> None:
    stream.write(len(payload).to_bytes(_HEADER_BYTES, "big"))
    stream.write(payload)
    stream.flush()


def _receive(stream: IO[bytes]) -> bytes | None:
    """One frame, or None when the other side closed the pipe."""
    header = stream.read(_HEADER_BYTES)
    if len(header) < _HEADER_BYTES:
        return None
    size = int.from_bytes(header, "big")
    payload = stream.read(size)
    return payload if len(payload) == size else None


# ------------------------------------------------------------------ server side


class ImportWorker:
    """The server's handle on one worker process over ``database`` (started on first use).

    Thread-safe: one import at a time goes through the worker (imports queue for the
    store's writer anyway); the others wait without holding the GIL.
    """

    def __init__(
        self, database: str | os.PathLike, *, min_bytes: int = WORKER_MIN_BYTES, cpus: frozenset[int] | None = None
    ) -> None:
        self.database = Path(database)
        self.cpus = cpus
        """The CPUs the worker runs on (the server's own pin is not the worker's); None: as the server."""
        self.min_bytes = min_bytes
        self._process: subprocess.Popen | None = None
        self._lock = threading.Lock()
        self._closed = False
        self.answered = 0
        """How many bodies the worker has answered."""

    def wants(self, raw: bytes) -> bool:
        """True when a body of this size is worth sending to the worker."""
        return not self._closed and len(raw) >= self.min_bytes

    def start(self) -> None:
        """Start the process now (``mockango serve`` does, so the first big import does not wait)."""
        with self._lock:
            self._ensure_started()

    def _ensure_started(self) -> subprocess.Popen:
        if self._closed:
            raise WorkerUnavailable("the import worker was closed")
        if self._process is not None and self._process.poll() is None:
            return self._process
        try:
            self._process = start_worker(
                "mockango.services.import_worker",
                str(self.database),
                cpus=self.cpus,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
            )
        except OSError as exc:
            raise WorkerUnavailable(f"cannot start the import worker: {exc}") from exc
        return self._process

    def prepare(self, raw: bytes, base_url: str, *, strict: bool = False) -> WorkerAnswer:
        """Send one import body to the worker and wait for its answer.

        Raises :class:`WorkerUnavailable` when the worker is gone (it is started again on the next call).
        """
        with self._lock:
            process = self._ensure_started()
            try:
                to_worker, from_worker = _pipes(process)
                _send(to_worker, pickle.dumps((base_url, raw, strict), protocol=pickle.HIGHEST_PROTOCOL))
                answer = _receive(from_worker)
            except (OSError, ValueError) as exc:
                answer = None
                reason = str(exc)
            else:
                reason = "it closed its pipe"
            if answer is None:
                self._stop(process)
                raise WorkerUnavailable(f"the import worker stopped ({reason})")
            self.answered += 1
        return pickle.loads(answer)

    @property
    def pid(self) -> int | None:
        """The worker's process id while it runs."""
        process = self._process
        return process.pid if process is not None and process.poll() is None else None

    def _stop(self, process: subprocess.Popen) -> None:
        for stream in (process.stdin, process.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if self._process is process:
            self._process = None

    def close(self) -> None:
        """Stop the worker (it exits when its stdin closes); later imports run in-thread."""
        with self._lock:
            self._closed = True
            if self._process is not None:
                self._stop(self._process)


# ------------------------------------------------------------------ worker side


def serve_imports(database: str, inbox: IO[bytes], outbox: IO[bytes]) -> None:
    """Answer import bodies from ``inbox`` on ``outbox`` until ``inbox`` closes."""
    store = Store(database, readonly=True)
    projects = Projects(store)
    try:
        while (frame := _receive(inbox)) is not None:
            try:
                base_url, raw, strict = pickle.loads(frame)
                answer = prepare_body(projects, raw, base_url, strict=strict)
            except Exception:  # a bug, not a bad body: the server runs this import itself
                answer = WorkerAnswer(failure=traceback.format_exc())
            _send(outbox, pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL))
    finally:
        store.close()


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m mockango.services.import_worker DATABASE (started by mockango serve)", file=sys.stderr)
        return 2
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Answers go on the real stdout; anything printed by mistake goes to stderr instead of into a frame.
    outbox = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    try:
        serve_imports(argv[0], sys.stdin.buffer, outbox)
    except BrokenPipeError:
        pass  # the server went away mid-answer
    return 0


if __name__ == "__main__":
    # Run the imported module's main, so what the worker pickles names mockango.services.import_worker, not __main__.
    from mockango.services.import_worker import main as worker_main

    sys.exit(worker_main(sys.argv[1:]))
