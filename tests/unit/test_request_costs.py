"""Requests read what they answer with, not the project: checked on the SQL they run (no timings)."""

from __future__ import annotations

import pytest

from mockango import Hub


@pytest.fixture
def traced():
    """A hub with a project of one batch per asset, and the SQL each call runs."""
    hub = Hub(populate=True)
    project = hub.create_project("many batches", {"tools": []}, (
        {"externalId": f"a{n}", "data": f"https://example.com/{n}.png", "batches": [f"b{n}"]} for n in range(50)))
    ran: list[str] = []
    with hub.store.read() as db:
        db.set_trace_callback(ran.append)
        yield hub, project, ran
        db.set_trace_callback(None)


def test_a_project_request_does_not_read_the_project_s_batches(traced):
    hub, project, ran = traced
    user = hub.default_user
    task = hub.tasks.page(user, project.id, limit=1)[0][0]
    hub.tasks.get(user, task["_id"])
    hub.find_assets(user, project.id, page=2, limit=5)
    hub.tasks.page(user, project.id, filters={"stage": "Label"})
    assert ran and not [q for q in ran if "FROM batches" in q]
    assert len(hub.project_for(user, project.id).batches) == 50  # still there when asked for
    assert [q for q in ran if "FROM batches" in q]


def scans(db, queries: list[str], tables: tuple[str, ...]) -> list[tuple[str, str]]:
    """(query, step) of every plan step that reads a whole table, or all of one project's rows of it."""
    found = []
    for query in dict.fromkeys(q for q in queries if q.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE"))):
        for step in (row[3] for row in db.execute("EXPLAIN QUERY PLAN " + query)):
            words = step.split()
            if len(words) > 1 and words[0] in ("SCAN", "SEARCH") and words[1] in tables and (
                    words[0] == "SCAN" or step.endswith("(project_id=?)")):
                found.append((query, step))
    return found


def test_issue_filters_use_indexes(traced):
    hub, project, ran = traced
    user = hub.default_user
    tasks = hub.tasks.page(user, project.id, limit=3)[0]
    for task in tasks:
        hub.issues.create(user, {"content": "look", "labelTask": task["_id"]})
    ran.clear()
    for filters in ({"asset": tasks[1]["asset"]}, {"task": tasks[2]["_id"]}, {"stage": "Label"},
                    {"created_by": user.email}):
        found = hub.issues.find(user, project.id, **filters)
        assert len(found) == (3 if set(filters) & {"stage", "created_by"} else 1), filters
    with hub.store.read() as db:
        assert scans(db, ran, ("issues",)) == []


def test_deleting_assets_touches_only_their_batches(traced):
    hub, project, ran = traced
    user = hub.default_user
    page, _ = hub.find_assets(user, project.id, page=1, limit=50)
    ran.clear()
    assert hub.uploads.delete_assets(user, project.id, [page[-1]["_id"], page[-2]["_id"]]) == 2
    with hub.store.read() as db:
        assert scans(db, ran, ("batches",)) == []
        counts = dict(db.execute("SELECT name, asset_count FROM batches WHERE project_id = ?",
                                 (project.id,)).fetchall())
    assert counts["b49"] == counts["b48"] == 0 and counts["b0"] == counts["b47"] == 1
