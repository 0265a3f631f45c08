"""Connections to one SQLite database, and the transactions over them (see the package docstring)."""

from __future__ import annotations

import contextlib
import os
import queue
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

from ..errors import StorageError

SCHEMA_VERSION = 1
"""Bumped when an existing table changes shape; a file of another version is refused."""

WRITER_CACHE_KB = 64 * 1024  # the writer's page cache: bulk inserts into big indexes stay in memory
WAL_KEPT_BYTES = 64 * 1024 * 1024
READERS_KEPT = 8  # idle reader connections always kept open in file mode
READERS_MOST = 64  # ... and up to as many as were ever in use at once, at most this many (2 MiB cache each)
BUSY_TIMEOUT_MS = 10_000
OLDEST_SQLITE = (3, 33, 0)  # UPDATE ... FROM (a label import's one-statement write)


def _describe(exc: BaseException, path: str) -> StorageError:
    """A StorageError saying what went wrong with the database and what to do about it."""
    text = str(exc)
    lowered = text.lower()
    if "full" in lowered or getattr(exc, "sqlite_errorname", "") == "SQLITE_FULL":
        return StorageError(
            f"the change was not stored: the disk holding {path} is full ({text}). Free some space and send it again.",
            full=True,
        )
    if "readonly" in lowered or "read-only" in lowered:
        return StorageError(
            f"the change was not stored: {path} is read-only ({text}). "
            "Make it (and its folder) writable, or start with --state pointing elsewhere."
        )
    if "locked" in lowered or "busy" in lowered:
        return StorageError(
            f"the change was not stored: {path} is locked by another process ({text}). "
            "Is a second mockango using the same --state file?"
        )
    return StorageError(
        f"the change was not stored in {path}: {type(exc).__name__}: {text}. "
        "Check the file and its disk, then send it again."
    )


def _opening_error(exc: StorageError, path: str) -> StorageError:
    cause = exc.__cause__
    if (
        isinstance(cause, sqlite3.DatabaseError)
        and not isinstance(cause, sqlite3.OperationalError)
        or (cause is not None and "not a database" in str(cause))
    ):
        return StorageError(
            f"cannot open {path}: it is not a mockango state file ({cause}). Pass another --state, "
            "or start over with --fresh (which deletes it)"
        )
    if cause is not None and ("unable to open" in str(cause) or "readonly" in str(cause).lower()):
        return StorageError(f"cannot open {path}: {cause}. Is its folder writable? Pass a writable --state path")
    return exc


class Store:
    """One SQLite database with the Hub's schema: a file (``path``) or memory (``path=None``)."""

    def __init__(
        self,
        path: str | os.PathLike | None = None,
        *,
        schema: str = "",
        template: Store | None = None,
        readonly: bool = False,
    ) -> None:
        """Open (or create) the database; ``template`` (memory mode): start from a copy of another store
        made with the same ``schema`` instead of running the schema (~60x faster: see :meth:`copy_from`).

        ``readonly`` opens an existing file for reading only (another process's store, e.g. the
        import worker's view of ``mockango serve``'s file): no writer, no schema; :meth:`write` refuses.
        """
        self.path = None if path is None else Path(path)
        self.memory = path is None
        self.schema = schema
        self.readonly = readonly
        if sqlite3.sqlite_version_info < OLDEST_SQLITE:
            raise StorageError(
                f"mockango needs SQLite {'.'.join(map(str, OLDEST_SQLITE))} or newer, and this "
                f"Python uses SQLite {sqlite3.sqlite_version}: use a Python built with a newer "
                "one (python.org's installers, pyenv or uv builds on a current OS all are)"
            )
        if readonly and self.memory:
            raise ValueError("a read-only store reads a file: give its path")
        self._lock = threading.RLock()  # the writer's (in memory: every access's)
        self._local = threading.local()  # .writing: this thread is inside write()
        self._readers: queue.SimpleQueue[sqlite3.Connection] = queue.SimpleQueue()
        # The pool grows to the readers' concurrency: a reader finding it empty opens a connection (~0.1 ms,
        # 4-7 % of a busy server's time when 16 waiters outran a pool of 8), so as many are kept as were in
        # use at once (bounded by READERS_MOST).
        self._pool_lock = threading.Lock()
        self._reading = 0
        self._most_reading = 0
        self.readers_opened = 0
        """Reader connections opened so far (the pool's misses)."""
        self._closed = False
        self._baseline = False
        self._writer: sqlite3.Connection | None = None
        if readonly:
            return
        try:
            self._writer = self._connect()
            self._writer.execute(f"PRAGMA cache_size = -{WRITER_CACHE_KB}")
            if template is not None and self.memory:
                self.copy_from(template)
            else:
                self._apply_schema()
        except StorageError as exc:
            if self._writer is not None:
                self._writer.close()
            raise _opening_error(exc, self.where) from exc.__cause__

    @property
    def where(self) -> str:
        return "memory" if self.memory else str(self.path)

    # ---------------------------------------------------------------- connections

    @property
    def _db(self) -> sqlite3.Connection:
        """The writer: every store has one but a read-only one (in memory, it is also the reader)."""
        if self._writer is None:
            raise StorageError(f"{self.where} was opened read-only: this store cannot write")
        return self._writer

    def _connect(self) -> sqlite3.Connection:
        if self.path is None:  # in memory
            target = ":memory:"
        elif self.readonly:
            target = self.path.resolve().as_uri() + "?mode=ro"
        else:
            target = str(self.path)
        try:
            db = sqlite3.connect(target, uri=self.readonly, isolation_level=None, check_same_thread=False)
            db.row_factory = sqlite3.Row
            if not self.memory:
                db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            if self.readonly:
                return db  # the writing process set up the file; a reader only reads
            db.execute("PRAGMA foreign_keys = ON")
            if not self.memory:
                db.execute("PRAGMA journal_mode = WAL")
                # NORMAL in WAL: a commit survives the process being killed (not a power cut); ~10x faster than FULL.
                db.execute("PRAGMA synchronous = NORMAL")
                db.execute(f"PRAGMA journal_size_limit = {WAL_KEPT_BYTES}")  # a big import's WAL shrinks back
        except sqlite3.Error as exc:
            raise _describe(exc, self.where) from exc
        return db

    def _apply_schema(self) -> None:
        with self.write() as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            has_tables = db.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
            if has_tables and version not in (0, SCHEMA_VERSION):
                raise StorageError(
                    f"{self.where} holds mockango state of schema version {version}, not "
                    f"{SCHEMA_VERSION}: export it with the mockango that made it "
                    "(`mockango state export`), or start with --fresh"
                )
            for statement in _statements(self.schema):
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @contextlib.contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A connection for reading, as one consistent snapshot (a read transaction in file mode)."""
        if self.memory or getattr(self._local, "writing", False):
            with self._lock:
                yield self._db
            return
        with self._pooled() as db:
            db.execute("BEGIN")
            try:
                yield db
            finally:
                with contextlib.suppress(sqlite3.Error):  # a connection left in a transaction is closed
                    db.execute("COMMIT")

    @contextlib.contextmanager
    def _pooled(self) -> Iterator[sqlite3.Connection]:
        """A reader connection from the pool (opened if the pool is empty), given back afterwards
        unless it was left in a transaction or the pool holds enough."""
        with self._pool_lock:
            self._reading += 1
            self._most_reading = max(self._most_reading, self._reading)
        db = None
        try:
            try:
                db = self._readers.get_nowait()
            except queue.Empty:
                db = self._connect()
                with self._pool_lock:
                    self.readers_opened += 1
            yield db
        finally:
            with self._pool_lock:
                self._reading -= 1
                kept = min(max(READERS_KEPT, self._most_reading), READERS_MOST)
            if db is not None:
                if not db.in_transaction and self._readers.qsize() < kept and not self._closed:
                    self._readers.put(db)
                else:
                    db.close()

    def checkpoint(self) -> int:
        """Copy the pages the write-ahead log holds into the database file, without the writer's lock.

        SQLite checkpoints by itself in the commit that takes the log past 1,000 pages, so whichever
        write commits then pays for copying them and syncing the file (tens of ms after a big
        write). Background work that writes much (a project's delete) calls this after each of its
        transactions instead: on a reader connection, PASSIVE (it waits for no one), so writers go on
        meanwhile and find the log already copied. Returns the log's pages not copied (0: all were);
        0 in memory.
        """
        if self.memory:
            return 0
        try:
            with self._pooled() as db:
                _, logged, copied = db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        except sqlite3.Error as exc:
            raise _describe(exc, self.where) from exc
        return max(logged - copied, 0)

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One transaction on the writer: committed when the block ends, rolled back if it raises.

        ``sqlite3`` errors become :class:`StorageError`; anything the block raises is re-raised
        after the rollback, so a refused request leaves nothing behind.
        """
        db = self._db
        with self._lock:
            if getattr(self._local, "writing", False):  # nested: part of the outer transaction
                yield db
                return
            self._local.writing = True
            # Under a baseline (memory mode, see mark_baseline) the write is a savepoint inside it.
            begin, end, undo = (
                ("SAVEPOINT store_write", "RELEASE store_write", "ROLLBACK TO store_write; RELEASE store_write")
                if self._baseline
                else ("BEGIN IMMEDIATE", "COMMIT", "ROLLBACK")
            )
            try:
                try:
                    db.execute(begin)
                except sqlite3.Error as exc:
                    raise _describe(exc, self.where) from exc
                try:
                    yield db
                except BaseException as exc:
                    self._undo(db, undo)
                    if isinstance(exc, sqlite3.Error):
                        raise _describe(exc, self.where) from exc
                    raise
                try:
                    db.execute(end)
                except sqlite3.Error as exc:
                    self._undo(db, undo)
                    raise _describe(exc, self.where) from exc
            finally:
                self._local.writing = False

    def _undo(self, db: sqlite3.Connection, undo: str) -> None:
        if db.in_transaction:
            for statement in undo.split("; "):
                with contextlib.suppress(sqlite3.Error):
                    db.execute(statement)

    # --------------------------------------------------------------- baseline

    def mark_baseline(self) -> None:
        """Memory mode: take the content now as the baseline that :meth:`back_to_baseline` returns to.

        It opens one transaction that stays open; every :meth:`write` is then a savepoint
        inside it, and going back is a ROLLBACK: undoing only the pages the writes touched,
        with no copy and no trigger (the fixture's per-test reset).
        """
        if not self.memory:
            raise ValueError("a baseline is for stores in memory")
        with self._lock:
            self.drop_baseline()
            self._db.execute("BEGIN")
            self._baseline = True

    def back_to_baseline(self) -> None:
        """Undo every write since :meth:`mark_baseline` and keep the baseline."""
        with self._lock:
            if not self._baseline:
                raise ValueError("no baseline to go back to: call mark_baseline() first")
            self._db.execute("ROLLBACK")
            self._db.execute("BEGIN")

    def drop_baseline(self) -> None:
        """Forget the baseline (its transaction is rolled back: keep nothing written since)."""
        with self._lock:
            if self._baseline:
                self._baseline = False
                with contextlib.suppress(sqlite3.Error):
                    self._db.execute("ROLLBACK")

    @property
    def has_baseline(self) -> bool:
        return self._baseline

    def probe(self, query: str) -> None:
        """Run ``query`` on the database as its file is now: a new read-only connection in file mode, so
        no cached page hides a file that was replaced, clobbered or deleted (``GET /health``).

        Raises :class:`StorageError` when it cannot be read.
        """
        if self.path is None:  # in memory
            with self.read() as db:
                db.execute(query).fetchall()
            return
        try:
            db = sqlite3.connect(self.path.resolve().as_uri() + "?mode=ro", uri=True)
            try:
                db.execute(query).fetchall()
            finally:
                db.close()
        except sqlite3.Error as exc:
            raise _describe(exc, self.where) from exc

    def page_count(self) -> int:
        """How many pages the database has now (its size in ``PRAGMA page_size`` units)."""
        with self._lock:
            return self._db.execute("PRAGMA page_count").fetchone()[0]

    def set_max_pages(self, pages: int | None) -> None:
        """Cap the database's size (``None``: no cap). A write past it fails as on a full disk (tests use it)."""
        with self._lock:
            self._db.execute(f"PRAGMA max_page_count = {int(pages) if pages else 4294967294}")

    # ------------------------------------------------------------------- copies

    def copy_from(self, source: Store) -> None:
        """Replace everything with a copy of ``source`` (SQLite's backup API, page by page, no SQL).

        The backup API is in every Python's ``sqlite3`` (``serialize``/``deserialize`` only from
        3.11) and costs the same: ~33 µs against ~25 µs for the 320 KB seeded database, next to
        the milliseconds of starting a host, so there is one way to copy on every version.
        """
        with source._lock, self._lock:
            if not self.memory:
                try:
                    source._db.backup(self._db)
                except sqlite3.Error as exc:
                    raise _describe(exc, self.where) from exc
            else:
                self.drop_baseline()
                # Into a new connection: statements the old one prepared (and cached) on the replaced
                # database crashed SQLite 3.40 when they used json_each (measured after deserialize).
                fresh = self._connect()
                source._db.backup(fresh)
                fresh.execute(f"PRAGMA cache_size = -{WRITER_CACHE_KB}")
                old, self._writer = self._writer, fresh
                if old is not None:
                    old.close()
        self._drop_readers()  # their schema caches may predate the copy

    def _drop_readers(self) -> None:
        while True:
            try:
                self._readers.get_nowait().close()
            except queue.Empty:
                return

    def close(self) -> None:
        """Close every connection (a WAL file is checkpointed and removed by the last close)."""
        self._closed = True
        self._drop_readers()
        with self._lock:
            if self._writer is not None:
                with contextlib.suppress(sqlite3.Error):
                    self._writer.close()


def _statements(schema: str) -> list[str]:
    """Split a schema script into statements (``executescript`` would commit our transaction)."""
    statements, current = [], ""
    for line in schema.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            if current.strip():
                statements.append(current.strip())
            current = ""
    if current.strip():
        statements.append(current.strip())
    return statements
