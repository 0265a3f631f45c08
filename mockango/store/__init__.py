"""mockango's SQLite store: where a Hub keeps everything that must survive a restart.

One :class:`Store` per Hub. ``Store(path)`` keeps the data in a file (``mockango serve``:
WAL journal, one serialised writer connection, a pool of reader connections that
never wait for the writer); ``Store()`` keeps it in memory (``MockAngo()``, the
pytest fixture) with the same schema, behind one connection and one lock.

Reading and writing::

    with store.read() as db:                 # a consistent snapshot; never blocks on a writer (file mode)
        row = db.execute("SELECT ... WHERE id = ?", (some_id,)).fetchone()
    with store.write() as db:                # BEGIN IMMEDIATE ... COMMIT: all or nothing
        db.execute("INSERT INTO ...", values)   # committed before the block exits

A failed write (disk full, read-only file, any ``sqlite3`` error) raises
:class:`~mockango.errors.StorageError` after rolling back: the caller must not
acknowledge it. Inside ``write()``, ``read()`` on the same thread sees the
uncommitted changes (it uses the writer connection); ``write()`` nests by joining
the outer transaction.

Background work that writes a lot in many short transactions (a project's delete) calls
``store.checkpoint()`` between them: the log's pages are copied into the file then, outside
the writer's lock, instead of in whichever request's commit takes the log past 1,000 pages.

Adding a table (for a new concept module, e.g. ``mockango/records/tasks.py``):

1. In your module, define ``SCHEMA``: ``CREATE TABLE IF NOT EXISTS`` and
   ``CREATE INDEX IF NOT EXISTS`` statements (an index for every lookup a request
   makes; a request's cost must not grow with the table). Reference other tables
   with foreign keys (``foreign_keys`` is on), ``ON DELETE CASCADE`` where the child
   has no life of its own.
2. Add your module to :data:`mockango.records.CONCEPTS` (one line). The Hub gives
   every module's ``SCHEMA`` to its Store, which applies them in that order on
   every open, so an existing state file gains the new tables at the next start.
3. If your rows belong in ``mockango state export``, list your tables in your
   module's ``EXPORTED`` tuple (see :mod:`mockango.store.transfer`).

Changing an existing table's columns is not migrated: bump
:data:`SCHEMA_VERSION`; older files are then refused with a message saying to
export with the old version or start with ``--fresh``.
"""

from __future__ import annotations

from .connection import SCHEMA_VERSION, Store

__all__ = ["SCHEMA_VERSION", "Store"]
