"""Requests read what they answer with, not the project: checked on the SQL they run (no timings)."""

from __future__ import annotations

import pytest

from mockango import Hub


@pytest.fixture
def traced():
    """A hub with a project of one batch per asset, and the SQL each call runs."""
    hub = Hub(populate=True)
    project = hub.create_project(
        "many batches",
        {"tools": []},
        ({"externalId": f"a{n}", "data": f"https://example.com/{n}.png", "batches": [f"b{n}"]} for n in range(50)),
    )
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
    """(query, step) of every plan step that reads a whole table, or all of one project's rows of it
    (a query bounded by LIMIT, or SQLite's one-probe max(), is not one)."""
    found = []
    statements = ("SELECT", "UPDATE", "DELETE", "INSERT")
    for query in dict.fromkeys(
        q
        for q in queries
        if q.lstrip().upper().startswith(statements) and " LIMIT " not in q and not q.startswith("SELECT max(")
    ):
        for step in (row[3] for row in db.execute("EXPLAIN QUERY PLAN " + query)):
            words = step.split()
            if (
                len(words) > 1
                and words[0] in ("SCAN", "SEARCH")
                and words[1] in tables
                and (words[0] == "SCAN" or step.endswith("(project_id=?)"))
            ):
                found.append((query, step))
    return found


def test_issue_filters_use_indexes(traced):
    hub, project, ran = traced
    user = hub.default_user
    tasks = hub.tasks.page(user, project.id, limit=3)[0]
    for task in tasks:
        hub.issues.create(user, {"content": "look", "labelTask": task["_id"]})
    ran.clear()
    for filters in (
        {"asset": tasks[1]["asset"]},
        {"task": tasks[2]["_id"]},
        {"stage": "Label"},
        {"created_by": user.email},
    ):
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
        counts = dict(
            db.execute("SELECT name, asset_count FROM batches WHERE project_id = ?", (project.id,)).fetchall()
        )
    assert counts["b49"] == counts["b48"] == 0 and counts["b0"] == counts["b47"] == 1


@pytest.mark.parametrize("preloaded", [10_000, 5])
def test_adding_assets_looks_batches_up_instead_of_reading_them_all(traced, monkeypatch, preloaded):
    """Same batches either way: all read up front (few), or each looked up once by name or id (many)."""
    from mockango.records import projects as project_records

    hub, project, ran = traced
    monkeypatch.setattr(project_records, "PRELOADED_BATCHES", preloaded)
    user = hub.default_user
    first = hub.project_for(user, project.id).batches
    ran.clear()
    assert (
        hub.add_assets(
            project.id,
            [
                {"externalId": "n1", "data": "https://example.com/n1.png", "batches": ["b3", first[7].id, "brand new"]},
                {"externalId": "n2", "data": "https://example.com/n2.png", "batches": ["brand new", "b3"]},
            ],
        )
        == 2
    )
    made = hub.uploads.add_assets(
        user, project.id, [{"externalId": "n3", "data": "https://example.com/n3.png"}], batches=["b9", first[11].id]
    )
    read_all = [q for q in ran if q.startswith("SELECT id, name FROM batches WHERE project_id")]
    assert bool(read_all) == (preloaded > 50)
    everything = hub.project_for(user, project.id).batches
    new = [b for b in everything if b.name == "brand new"]
    assert len(everything) == 51 and len(new) == 1 and everything[-1] == new[0]
    added = {a["externalId"]: a["batches"] for a in hub.find_assets(user, project.id, page=6, limit=10)[0]}
    assert added == {
        "n1": [first[3].id, first[7].id, new[0].id],
        "n2": [new[0].id, first[3].id],
        "n3": [first[9].id, first[11].id],
    }
    assert made[0]["batches"] == [first[9].id, first[11].id]


def test_writes_that_name_tasks_assets_or_batches_read_only_those(traced, monkeypatch):
    """Requeue, priority, benchmark, assignBatches, delete, upload: each finds what it names through an
    index (the project counts as one with many batches)."""
    from mockango.records import projects as project_records

    monkeypatch.setattr(project_records, "PRELOADED_BATCHES", 5)
    hub, project, ran = traced
    user = hub.default_user
    tasks = hub.tasks.page(user, project.id, limit=6)[0]
    batch_ids = [b.id for b in hub.project_for(user, project.id).batches[:2]]
    ran.clear()
    assert hub.tasks.requeue(user, project.id, "Review", {"taskIds": [tasks[0]["_id"]]}) == 1
    assert hub.tasks.set_priority(user, project.id, 2, {"externalIds": [tasks[1]["externalId"]]}) == 1
    assert hub.tasks.set_priority(user, project.id, 3, {"assetIds": [tasks[2]["asset"]]}) == 1
    assert hub.tasks.set_benchmark(user, project.id, [tasks[3]["_id"]], True) == 1
    hub.batches.assign(user, {"projectId": project.id, "assets": [tasks[4]["asset"]], "batches": batch_ids})
    assert hub.uploads.delete_assets(user, project.id, [tasks[5]["asset"]]) == 1
    added = hub.uploads.add_assets(
        user, project.id, [{"externalId": "late", "data": "https://example.com/late.png"}], batches=["b3"]
    )
    assert added[0]["batches"] == [hub.tasks.get(user, tasks[3]["_id"])["batches"][0]]
    assert hub.projects.batch_names(project.id, batch_ids) == {batch_ids[0]: "b0", batch_ids[1]: "b1"}
    with hub.store.read() as db:
        assert scans(db, ran, ("tasks", "assets", "batches", "asset_batches", "task_counts")) == []
    shown = {t["_id"]: t for t in hub.tasks.page(user, project.id, limit=6)[0]}
    assert shown[tasks[0]["_id"]]["stage"] == "Review" and shown[tasks[3]["_id"]]["isBenchmark"]
    assert shown[tasks[1]["_id"]]["priority"] == 2 and shown[tasks[2]["_id"]]["priority"] == 3
    assert shown[tasks[4]["_id"]]["batches"] == tasks[4]["batches"] + batch_ids
    assert tasks[5]["_id"] not in shown and hub.tasks.stage_counts(project.id) == {
        "Start": 0,
        "Label": 49,
        "Review": 1,
        "Complete": 0,
    }


@pytest.mark.parametrize("block_sizes", [(65_536, 1_024), (4, 2)])
def test_deleting_assets_keeps_assets_and_tasks_in_one_order_without_renumbering(traced, monkeypatch, block_sizes):
    """Deletes leave gaps: no other asset or task moves, and pages still skip exactly what is gone."""
    from mockango.records import asset_order

    default = asset_order.BLOCK_SIZES
    monkeypatch.setattr(asset_order, "BLOCK_SIZES", block_sizes)
    hub, project, ran = traced
    if block_sizes != default:  # the fixture's project was counted in blocks of the default sizes
        with hub.store.write() as db:
            asset_order.recount(db)
    user = hub.default_user
    before, _ = hub.find_assets(user, project.id, limit=50)
    with hub.store.read() as db:
        positions = dict(db.execute("SELECT id, position FROM assets WHERE project_id = ?", (project.id,)).fetchall())
    gone = [before[n]["_id"] for n in (0, 7, 8, 30, 49)]
    ran.clear()
    assert hub.uploads.delete_assets(user, project.id, gone) == 5
    assert not [q for q in ran if q.startswith(("UPDATE assets", "UPDATE tasks"))], "nothing is renumbered"
    kept = [a["_id"] for a in before if a["_id"] not in gone]
    assert [a["_id"] for a in hub.find_assets(user, project.id, limit=50)[0]] == kept
    assert [t["asset"] for t in hub.tasks.page(user, project.id, limit=50)[0]] == kept
    assert [t["asset"] for t in hub.tasks.page(user, project.id, page=9, limit=5)[0]] == kept[40:45]
    with hub.store.read() as db:
        rows = db.execute(
            "SELECT a.id, a.position, t.position FROM assets a JOIN tasks t ON t.asset_pk = a.pk "
            "WHERE a.project_id = ? ORDER BY a.position",
            (project.id,),
        ).fetchall()
    assert [tuple(r) for r in rows] == [(i, positions[i], positions[i]) for i in kept]


def test_requeue_with_every_option_moves_counts_and_records_each_task(traced):
    hub, project, _ = traced
    user = hub.default_user
    tasks = hub.tasks.page(user, project.id, limit=4)[0]
    chosen = [t["_id"] for t in tasks[:3]]
    hub.tasks.set_task(chosen[0], assignee=user.email, answer={"objects": [{"schemaId": "x"}]})
    hub.tasks.set_task(chosen[1], stage="Review", review_status="Rejected")
    hub.tasks.note(chosen[2], "looked")
    assert (
        hub.tasks.requeue(
            user,
            project.id,
            "Review",
            {"taskIds": chosen},
            {"removeAnnotations": True, "removeAssignee": True, "removeStageHistory": True},
        )
        == 3
    )
    for task_id, was in zip(chosen, ("Label", "Review", "Label")):
        task = hub.tasks.get(user, task_id)
        assert (task["stage"], task["status"], task["assignee"], task["reviewStatus"]) == ("Review", "TODO", None, None)
        assert task["answer"] == {"tools": [], "classifications": [], "relations": []}
        assert task["updatedBy"] == user.email
        assert [(h["action"], h["stage"], h["fromStage"]) for h in hub.tasks.history_of(user, task_id)] == [
            ("requeue", "Review", was)
        ]
    untouched = hub.tasks.get(user, tasks[3]["_id"])
    assert untouched["stage"] == "Label" and hub.tasks.stage_counts(project.id)["Review"] == 3
    assert hub.tasks.stage_counts(project.id)["Label"] == 47
