"""Deleting a whole project (issue 21 item 5): gone for every lookup at once, its rows removed in
chunks between other writes (never one long transaction), resumed after a restart."""

from __future__ import annotations

import contextlib
import threading

import pytest

from mockango import Hub, NotFound
from mockango.records import project_deletion
from mockango.services import deletions

BOX = {"tools": [{"schemaId": "box", "tool": "bounding-box", "title": "Box"}]}
SIZE = 600
ROW_TABLES = ("assets", "tasks", "batches", "issues", "asset_blocks", "task_counts", "workflows", "projects_deleted")


def big_project(hub: Hub, name: str = "Doomed"):
    project = hub.create_project(
        name,
        BOX,
        (
            {"externalId": f"{name}-{n}", "data": f"https://example.com/{n}.png", "batches": [f"b{n % 3}", f"c{n}"]}
            for n in range(SIZE)
        ),
    )
    user = hub.default_user
    item = {"objects": [{"schemaId": "box", "bounding-box": {"x": 1, "y": 1, "width": 2, "height": 2}}]}
    hub.import_labels(user, project.id, [{"externalId": f"{name}-{n}", **item} for n in range(0, SIZE, 3)])
    tasks, _ = hub.tasks.page(user, project.id, limit=5)
    issue = hub.issues.create(user, {"content": "look", "labelTask": tasks[0]["_id"]})
    entry = hub.tasks.history_of(user, tasks[0]["_id"])[0]
    return project, tasks[0], issue, entry


def rows_of(hub: Hub, project_id: str) -> dict[str, int]:
    with hub.store.read() as db:
        counts = {
            table: db.execute(f"SELECT count(*) FROM {table} WHERE project_id = ?", (project_id,)).fetchone()[0]  # noqa: S608
            for table in ROW_TABLES
        }
        counts["task_history"] = db.execute(
            "SELECT count(*) FROM task_history h WHERE NOT EXISTS (SELECT 1 FROM tasks t WHERE t.pk = h.task_pk)"
        ).fetchone()[0]
        counts["asset_batches"] = db.execute(
            "SELECT count(*) FROM asset_batches m WHERE NOT EXISTS (SELECT 1 FROM assets a WHERE a.pk = m.asset_pk)"
        ).fetchone()[0]
        counts["projects"] = db.execute("SELECT count(*) FROM projects WHERE id = ?", (project_id,)).fetchone()[0]
    return counts


def assert_hidden(hub: Hub, project, task, issue, entry) -> None:
    user = hub.default_user
    with pytest.raises(NotFound):
        hub.project_for(user, project.id)
    assert hub.get_project(project.id) is None
    assert project.id not in [p["_id"] for p in hub.list_projects(user, limit=100)[0]]
    for lookup in (
        lambda: hub.tasks.get(user, task["_id"]),
        lambda: hub.tasks.get(None, task["_id"]),
        lambda: hub.tasks.history_entry(user, entry["_id"]),
        lambda: hub.issues.update(user, issue["_id"], {"status": "Resolved"}),
        lambda: hub.tasks.page(user, project.id),
        lambda: hub.find_assets(user, project.id),
    ):
        with pytest.raises(NotFound):
            lookup()


def test_a_deleted_project_is_gone_at_once_then_row_by_row(tmp_path):
    hub = Hub(state=tmp_path / "state.sqlite3")
    kept, *_ = big_project(hub, "Kept")
    doomed, task, issue, entry = big_project(hub)
    projects_before = hub.project_count()
    kept_rows = rows_of(hub, kept.id)

    hub.project_admin.delete(hub.default_user, doomed.id)
    assert_hidden(hub, doomed, task, issue, entry)
    assert hub.project_count() == projects_before - 1
    assert hub.deletions.wait_idle(60)
    assert set(rows_of(hub, doomed.id).values()) == {0}
    assert rows_of(hub, kept.id) == kept_rows
    assert hub.tasks.page(hub.default_user, kept.id, limit=1)[1] == SIZE
    hub.close_store()


def test_the_rows_go_in_many_short_transactions_while_other_writes_go_on(tmp_path, monkeypatch):
    """The delete never holds the writer for the whole project: each chunk is its own transaction,
    and a write from another thread gets in between (it would wait for the whole delete before)."""
    monkeypatch.setattr(deletions, "FIRST_STEP", 50)
    monkeypatch.setattr(deletions, "LARGEST_STEP", 50)
    chunks: list[int] = []
    real = project_deletion.delete_some
    other_write_between = threading.Event()

    def counted(db, project_id, chunk):
        chunks.append(chunk)
        if len(chunks) == 3:
            threading.Thread(target=other_write, daemon=True).start()
        return real(db, project_id, chunk)

    monkeypatch.setattr(project_deletion, "delete_some", counted)
    hub = Hub(state=tmp_path / "state.sqlite3")
    kept, *_ = big_project(hub, "Kept")
    doomed, *_ = big_project(hub)

    def other_write():
        hub.add_assets(kept.id, [{"externalId": "late", "data": "https://example.com/late.png"}])
        if hub.deletions._busy:
            other_write_between.set()

    hub.project_admin.delete(hub.default_user, doomed.id)
    assert hub.deletions.wait_idle(60)
    assert len(chunks) >= SIZE // 50
    assert other_write_between.is_set()
    assert set(rows_of(hub, doomed.id).values()) == {0}
    hub.close_store()


def test_a_chunk_commits_once_it_has_held_the_writer_its_time_even_when_rows_get_costlier(tmp_path, monkeypatch):
    """A chunk sized in rows overshot its ~20 ms up to 5x where rows cascade to more (labelled tasks'
    history) or the machine is busy, and another write waited for all of it. Now a chunk commits
    once it has held the writer CHUNK_SECONDS, at most one (short) step later. A fake clock: each
    row deleted costs 0.1 ms, then 0.3 ms for the second half of the project."""
    hub = Hub(state=tmp_path / "state.sqlite3")
    doomed, *_ = big_project(hub)
    now = [0.0]
    deleted = [0]
    held: list[float] = []  # simulated seconds each of the deletion's transactions held the writer
    real_delete, real_write = project_deletion.delete_some, hub.store.write

    def costly(db, project_id, chunk):
        rows, done = real_delete(db, project_id, chunk)
        for _ in range(rows):
            now[0] += 0.0001 if deleted[0] < SIZE // 2 else 0.0003
            deleted[0] += 1
        return rows, done

    @contextlib.contextmanager
    def timed_write():
        began = now[0]
        with real_write() as db:
            yield db
        if threading.current_thread().name == "mockango-project-deletions":
            held.append(now[0] - began)

    monkeypatch.setattr(project_deletion, "delete_some", costly)
    monkeypatch.setattr(hub.store, "write", timed_write)
    hub.deletions.clock = lambda: now[0]
    hub.project_admin.delete(hub.default_user, doomed.id)
    assert hub.deletions.wait_idle(60)
    assert set(rows_of(hub, doomed.id).values()) == {0}
    assert max(held) <= 2 * deletions.CHUNK_SECONDS, held
    assert len(held) > 5
    hub.close_store()


def test_the_delete_copies_its_pages_from_the_log_itself_after_each_chunk(tmp_path, monkeypatch):
    """SQLite copies the write-ahead log into the file in the commit that takes it past 1,000 pages:
    during a big delete that was often another request's commit, which then waited tens of ms.
    The deletion thread checkpoints after each of its transactions, outside the writer's lock."""
    monkeypatch.setattr(deletions, "CHUNK_SECONDS", 0.0)  # a step a transaction
    monkeypatch.setattr(deletions, "FIRST_STEP", 50)
    monkeypatch.setattr(deletions, "LARGEST_STEP", 50)
    hub = Hub(state=tmp_path / "state.sqlite3")
    doomed, *_ = big_project(hub)
    events: list[str] = []
    real_write, real_checkpoint = hub.store.write, hub.store.checkpoint

    @contextlib.contextmanager
    def noted_write():
        with real_write() as db:
            yield db
        if threading.current_thread().name == "mockango-project-deletions":
            events.append("commit")

    def noted_checkpoint():
        inside_a_write = getattr(hub.store._local, "writing", False)
        left = real_checkpoint()
        events.append(f"checkpoint inside={inside_a_write} left={left}")
        return left

    monkeypatch.setattr(hub.store, "write", noted_write)
    monkeypatch.setattr(hub.store, "checkpoint", noted_checkpoint)
    hub.project_admin.delete(hub.default_user, doomed.id)
    assert hub.deletions.wait_idle(60)
    assert set(rows_of(hub, doomed.id).values()) == {0}
    assert events.count("commit") > 3
    assert events == ["commit", "checkpoint inside=False left=0"] * events.count("commit")
    hub.close_store()


def test_a_store_in_memory_has_no_log_to_checkpoint():
    hub = Hub()
    assert hub.store.checkpoint() == 0


def test_a_delete_cut_short_is_resumed_at_the_next_start(tmp_path):
    state = tmp_path / "state.sqlite3"
    hub = Hub(state=state)
    doomed, task, issue, entry = big_project(hub)
    with hub.store.write() as db:  # hidden, as a delete does first; the process stops before any chunk
        project_deletion.hide(db, doomed.id, 0.0)
    hub.close_store()
    again = Hub(state=state)
    assert_hidden(again, doomed, task, issue, entry)
    assert again.deletions.wait_idle(60)
    assert set(rows_of(again, doomed.id).values()) == {0}
    again.close_store()


def test_in_memory_the_rows_are_gone_when_the_delete_answers():
    hub = Hub()
    doomed, task, issue, entry = big_project(hub)
    hub.project_admin.delete(hub.default_user, doomed.id)
    assert_hidden(hub, doomed, task, issue, entry)
    assert set(rows_of(hub, doomed.id).values()) == {0}


def test_a_hidden_project_is_left_out_of_the_listing_total_and_every_page():
    """The listing counts and pages its projects as bare index entries when none of the organization's is
    hidden, and probes each row only while one is: both ways give the same listing."""
    hub = Hub()
    user = hub.default_user
    made = [hub.create_project(f"p{n}", BOX, ()).id for n in range(7)]
    before, total = hub.list_projects(user, limit=100)
    every = [p["_id"] for p in before]
    assert total == len(every) and set(made) <= set(every)
    with hub.store.write() as db:  # hidden, as a delete does first (the rows stay until its chunks run)
        project_deletion.hide(db, made[2], 0.0)
        project_deletion.hide(db, made[5], 0.0)
    left = [i for i in every if i not in (made[2], made[5])]
    pages = [hub.list_projects(user, page=page, limit=2) for page in range(1, len(left) // 2 + 3)]
    assert {total for _, total in pages} == {len(left)}
    assert [p["_id"] for shown, _ in pages for p in shown] == left
