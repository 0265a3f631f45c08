"""The SQLite store under the Hub: transactions are all or nothing, readers see committed data only."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from mockango.errors import StorageError
from mockango.records import schema
from mockango.store import Store

TABLE = "CREATE TABLE IF NOT EXISTS things (id INTEGER PRIMARY KEY, name TEXT NOT NULL);"


@pytest.fixture(params=["memory", "file"])
def store(request, tmp_path):
    made = Store(None if request.param == "memory" else tmp_path / "state.sqlite3", schema=TABLE)
    yield made
    made.close()


def names(store: Store) -> list[str]:
    with store.read() as db:
        return [row["name"] for row in db.execute("SELECT name FROM things ORDER BY id")]


def test_a_write_is_committed_when_its_block_ends(store):
    with store.write() as db:
        db.execute("INSERT INTO things (name) VALUES ('a')")
    assert names(store) == ["a"]


def test_a_write_that_raises_leaves_nothing_behind(store):
    with pytest.raises(ValueError):
        with store.write() as db:
            db.execute("INSERT INTO things (name) VALUES ('a')")
            raise ValueError("refused")
    assert names(store) == []


def test_an_sqlite_error_in_a_write_becomes_a_storage_error_and_rolls_back(store):
    with pytest.raises(StorageError, match="not stored"):
        with store.write() as db:
            db.execute("INSERT INTO things (name) VALUES ('a')")
            db.execute("INSERT INTO things (name) VALUES (NULL)")
    assert names(store) == []
    with store.write() as db:  # and the store still works
        db.execute("INSERT INTO things (name) VALUES ('b')")
    assert names(store) == ["b"]


def test_reads_inside_a_write_see_its_changes_and_nested_writes_join_it(store):
    with store.write() as db:
        db.execute("INSERT INTO things (name) VALUES ('a')")
        with store.write() as inner:
            inner.execute("INSERT INTO things (name) VALUES ('b')")
        assert names(store) == ["a", "b"]


def test_file_readers_do_not_wait_for_the_writer_and_see_only_committed_rows(tmp_path):
    store = Store(tmp_path / "state.sqlite3", schema=TABLE)
    inside, release = threading.Event(), threading.Event()

    def slow_write():
        with store.write() as db:
            db.execute("INSERT INTO things (name) VALUES ('pending')")
            inside.set()
            release.wait(5)

    writer = threading.Thread(target=slow_write)
    writer.start()
    assert inside.wait(5)
    try:
        assert names(store) == []  # answered while the write is open
    finally:
        release.set()
        writer.join()
    assert names(store) == ["pending"]
    store.close()


def test_the_file_reopens_with_its_data_and_wal(tmp_path):
    path = tmp_path / "state.sqlite3"
    store = Store(path, schema=TABLE)
    with store.write() as db:
        db.execute("INSERT INTO things (name) VALUES ('kept')")
    with store.read() as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    store.close()
    again = Store(path, schema=TABLE)
    assert names(again) == ["kept"]
    again.close()


def test_copy_from_restores_a_template(store):
    template = Store(schema=TABLE)
    with template.write() as db:
        db.execute("INSERT INTO things (name) VALUES ('seeded')")
    with store.write() as db:
        db.execute("INSERT INTO things (name) VALUES ('changed')")
    store.copy_from(template)
    assert names(store) == ["seeded"]


def test_a_file_of_another_schema_version_is_refused(tmp_path):
    path = tmp_path / "state.sqlite3"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE old (x)")
    db.execute("PRAGMA user_version = 99")
    db.close()
    with pytest.raises(StorageError, match="schema version 99.*--fresh"):
        Store(path, schema=TABLE)


def test_every_concept_schema_applies():
    store = Store(schema=schema())
    with store.read() as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {
        "organizations",
        "users",
        "projects",
        "assets",
        "asset_batches",
        "plugins",
        "sessions",
        "session_logs",
        "run_keys",
    } <= tables


def test_copying_another_database_in_after_json_each_queries_does_not_crash():
    """SQLite 3.40 segfaulted reusing a cached json_each statement after deserialize on the same connection."""
    first, second = Store(schema=schema()), Store(schema=schema())
    with second.write() as db:
        db.execute("INSERT INTO settings (name, value) VALUES ('which', 'second')")
    store = Store(schema=schema(), template=first)
    store.mark_baseline()
    query = "SELECT count(*) FROM settings WHERE name IN (SELECT value FROM json_each(?))"
    with store.read() as db:
        assert db.execute(query, ('["which"]',)).fetchone()[0] == 0
    store.copy_from(second)
    store.mark_baseline()
    store.copy_from(first)
    store.copy_from(second)
    with store.read() as db:
        assert db.execute(query, ('["which"]',)).fetchone()[0] == 1


def test_a_baseline_undoes_every_write_since_it_was_marked():
    store = Store(schema=TABLE)
    with store.write() as db:
        db.execute("INSERT INTO things (name) VALUES ('seeded')")
    store.mark_baseline()
    with store.write() as db:
        db.execute("INSERT INTO things (name) VALUES ('later')")
    with pytest.raises(ValueError):
        with store.write() as db:
            db.execute("INSERT INTO things (name) VALUES ('refused')")
            raise ValueError
    assert names(store) == ["seeded", "later"]
    store.back_to_baseline()
    assert names(store) == ["seeded"]


def test_the_reader_pool_grows_to_the_readers_concurrency(tmp_path):
    """Issue 21: 16 waiters outran a pool of 8 idle readers, and every read beyond it opened (then closed) a
    connection. The pool keeps as many as were in use at once: a second wave as wide opens none."""
    from mockango.store import connection

    store = Store(tmp_path / "s.sqlite3", schema="CREATE TABLE IF NOT EXISTS t (x INTEGER);")
    wide = connection.READERS_KEPT * 2 + 4
    inside = threading.Barrier(wide)

    def read():
        with store.read() as db:
            db.execute("SELECT count(*) FROM t").fetchone()
            inside.wait(10)  # all of them hold a reader at once

    for wave in range(2):
        threads = [threading.Thread(target=read) for _ in range(wide)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if wave == 0:
            opened = store.readers_opened
            assert opened == wide
    assert store.readers_opened == opened  # the second wave reused them all
    store.close()


def test_one_reads_a_row_outside_any_transaction_and_leaves_no_snapshot_held(tmp_path):
    """Store.one (the hot lookups' single SELECT, issue 21.2) answers like a read, inside a write sees its
    changes, and gives its connection back with its statement finished: an unfinished SELECT would hold
    its snapshot, and the log could not be copied past it."""
    store = Store(tmp_path / "one.sqlite3", schema=TABLE)
    with store.write() as db:
        db.executemany("INSERT INTO things (name) VALUES (?)", [(f"n{i}",) for i in range(500)])
    assert store.one("SELECT name FROM things ORDER BY id")["name"] == "n0"
    assert store.one("SELECT name FROM things WHERE name = ?", ("none",)) is None
    with store.write() as db:
        db.execute("INSERT INTO things (name) VALUES ('inside')")
        assert store.one("SELECT count(*) FROM things")[0] == 501
    with store.write() as db:
        db.executemany("INSERT INTO things (name) VALUES (?)", [(f"m{i}",) for i in range(500)])
    assert store.checkpoint() == 0
    store.close()
    memory = Store(schema=TABLE)
    with memory.write() as db:
        db.execute("INSERT INTO things (name) VALUES ('x')")
    assert memory.one("SELECT name FROM things")["name"] == "x"
