"""Task filters walk indexes (records/task_query.py) yet pick exactly what the plain Python check
(mockango.filters.record_matches over every task) picks: pages, totals, both orders."""

from __future__ import annotations

import re

import pytest

from mockango import Hub, workflow
from mockango.filters import record_matches

STAGES = [
    {"id": "Start", "type": "Start", "next": ["Label"]},
    {"id": "Label", "type": "Label", "next": ["Second"]},
    {"id": "Second", "type": "Label", "next": ["Review"]},
    {"id": "Review", "type": "Review", "next": ["Complete", "Label"]},
    {"id": "Complete", "type": "Complete", "next": []},
    {"id": "Shelf", "type": "Archive", "next": []},
]
ONTOLOGY = {"tools": [{"schemaId": "box", "tool": "bounding-box", "title": "Box"}]}
SIZE = 61


@pytest.fixture(scope="module")
def world():
    """A project whose tasks differ in every filtered field, next to the demo project's tasks."""
    hub = Hub(populate=True)
    user = hub.default_user
    batch_names = lambda n: [[], ["b0"], ["b1"], ["b0", "b1"], ["b2"]][n % 5]  # noqa: E731
    project = hub.create_project(
        "filters",
        ONTOLOGY,
        [
            {
                "externalId": f"x-{n % 50}",
                "data": f"https://example.com/{n}.png",
                "batches": batch_names(n),
                "metadata": {"width": 10, "height": 10},
            }
            for n in range(SIZE)
        ],
    )
    hub.tasks.set_stages(user, project.id, STAGES)
    tasks, _ = hub.tasks.page(user, project.id, limit=SIZE)
    places = ["Label", "Second", "Review", "Complete", "Shelf", "Label", "Review"]
    for n, task in enumerate(tasks):
        changes = {
            "stage": places[n % 7],
            "priority": [0, 0, 1, 2, -1][n % 5],
            "is_benchmark": n % 6 == 0,
            "assignee": [None, "a@x.io", "b@x.io", None][n % 4],
            "review_status": [None, "Accepted", "Rejected", None, "Fixed"][n % 5],
        }
        hub.tasks.set_task(task["_id"], **changes)
        if n % 9 == 0:
            hub.tasks.annotate(user, task["_id"], {"answer": {"objects": []}, "duration": n / 4})
        if n % 11 == 0:
            hub.issues.create(user, {"content": "look", "labelTask": task["_id"]})
    batches = {b.name: b.id for b in hub.projects.require(project.id).batches}
    other_batch = hub.default_project.batches[0].id if hub.default_project.batches else "f" * 24
    return hub, project, tasks, batches, other_batch


def filters_to_check(tasks, batches, other_batch):
    b0, b1, b2 = batches["b0"], batches["b1"], batches["b2"]
    return [
        {},
        {"stage": "Label"},
        {"stage": {"$in": ["Label", "Review"]}},
        {"stage": {"$ne": "Label"}},
        {"stage": {"$nin": ["Label", "Shelf"]}},
        {"stage": {"$regex": "^(Lab|Sec)"}},
        {"stage": {"$exists": False}},
        {"stage": {"$gt": "Review"}},
        {"stage": ["Label"]},
        {"stage": "Nowhere"},
        {"status": {"$eq": "Completed"}},
        {"status": "TODO", "stage": {"$in": ["Label", "Complete"]}},
        {"status": {"$ne": "TODO"}},
        {"status": {"$in": ["TODO", "Completed"]}},
        {"batches": {"$in": [b0]}},
        {"batches": {"$in": [b0, b1]}},
        {"batches": {"$eq": b1}},
        {"batches": {"$nin": [b0]}},
        {"batches": {"$ne": b2}},
        {"batches": {"$exists": True}},
        {"batches": {"$regex": b1[:20]}},
        {"batches": {"$in": []}},
        {"batches": {"$in": ["nope", None]}},
        {"batches": {"$in": [other_batch]}},
        {"batches": b2},
        {"batches": {"$gt": "0"}},
        {"assignee": {"$eq": "a@x.io"}},
        {"assignee": {"$in": ["a@x.io", "b@x.io"]}},
        {"assignee": {"$in": ["a@x.io", None]}},
        {"assignee": {"$ne": "a@x.io"}},
        {"assignee": {"$nin": ["a@x.io", None]}},
        {"assignee": {"$nin": ["b@x.io"]}},
        {"assignee": {"$exists": False}},
        {"assignee": {"$exists": True}},
        {"assignee": None},
        {"assignee": {"$regex": "^b"}},
        {"assignee": {"$gt": "a@x.io"}},
        {"assignee": {"$eq": 5}},
        {"assignee": {"$ne": 5}},
        {"assignee": {"$lt": 5}},
        {"assignee": {"$in": [5, "b@x.io"]}},
        {"reviewStatus": {"$eq": "Accepted"}},
        {"reviewStatus": {"$in": ["Accepted", "Rejected"]}},
        {"reviewStatus": {"$ne": "Accepted"}},
        {"reviewStatus": {"$exists": False}},
        {"externalId": {"$eq": "x-3"}},
        {"externalId": {"$in": ["x-1", "x-2", "nope"]}},
        {"externalId": {"$regex": "-1"}},
        {"externalId": "x-4", "stage": "Review"},
        {"_id": tasks[5]["_id"]},
        {"_id": {"$in": [tasks[1]["_id"], tasks[40]["_id"]]}},
        {"asset": {"$in": [tasks[2]["asset"], tasks[3]["asset"]]}, "assignee": {"$exists": True}},
        {"priority": {"$gte": 1}},
        {"priority": {"$eq": 0}},
        {"priority": {"$ne": 0}},
        {"priority": 2},
        {"priority": {"$in": [1, 2, "x"]}},
        {"priority": {"$nin": [0]}},
        {"priority": {"$gt": "x"}},
        {"priority": {"$eq": True}},
        {"priority": {"$lt": 1.5}},
        {"priority": {"$exists": True}},
        {"priority": {"$regex": "1"}},
        {"priority": {"$ne": None}},
        {"priority": {"$gte": 0, "$lt": 2}},
        {"isBenchmark": {"$eq": True}},
        {"isBenchmark": {"$eq": False}},
        {"isBenchmark": {"$ne": True}},
        {"isBenchmark": {"$eq": 1}},
        {"duration": {"$gt": 2.5}},
        {"totalDuration": {"$lte": 3}},
        {"openIssuesCount": {"$gte": 1}},
        {"openIssuesCount": {"$eq": 0}},
        {"type": {"$eq": "default"}},
        {"type": "other"},
        {"isDraft": {"$eq": False}},
        {"isSkipped": True},
        {"createdBy": {"$exists": False}},
        {"createdBy": {"$eq": "x"}},
        {"type": {"$regex": "^def"}},
        {"createdAt": {"$gte": "2000-01-01T00:00:00.000Z"}},
        {"updatedAt": {"$lt": "2000"}},
        {"updatedBy": {"$exists": True}},
        {"updatedBy": {"$regex": "@"}},
        {"batches": {"$in": [b0]}, "stage": "Label"},
        {"assignee": {"$eq": "b@x.io"}, "stage": {"$eq": "Review"}},
        {"assignee": {"$in": ["a@x.io", "b@x.io"]}, "batches": {"$in": [b1, b2]}, "priority": {"$gte": 0}},
        {"status": "TODO", "batches": {"$in": [b0, b1]}, "reviewStatus": {"$ne": "Rejected"}},
        {"externalId": {"$in": ["x-1", "x-6"]}, "stage": {"$nin": ["Complete"]}},
        {"reviewStatus": "Fixed", "assignee": "a@x.io", "isBenchmark": False, "type": "default"},
        {"batches": {"$in": [b2]}, "updatedAt": {"$gte": "2000"}, "stage": {"$regex": "e"}},
        {"batches": b1, "stage": {"$ne": "Shelf"}},
        {"batches": {"$in": [b0]}, "status": "TODO"},
        {"batches": b1, "stage": {"$ne": "Shelf"}, "isBenchmark": False},
        {"priority": {"$lt": 0}, "stage": {"$ne": "Label"}},
        {"isBenchmark": True, "batches": {"$in": [b0, b2]}},
        {"priority": {"$in": [2, -1]}},
        {"priority": {"$gt": 0}, "isBenchmark": {"$ne": False}},
    ]


def brute_force(hub, project, filters, descending):
    everything = hub.tasks.project_tasks(project.id, with_answer=False)
    chosen = [t["_id"] for t in everything if record_matches(t, filters)]
    return chosen[::-1] if descending else chosen


def test_every_filter_pages_exactly_like_the_plain_check(world):
    hub, project, tasks, batches, other_batch = world
    user = hub.default_user
    for filters in filters_to_check(tasks, batches, other_batch):
        for sort in (None, "-createdAt"):
            expected = brute_force(hub, project, filters, sort is not None)
            for limit in (1, 4, 100):
                pages = range(1, len(expected) // limit + 3) if limit > 1 else (1, 2, len(expected) + 1)
                for page in pages:
                    shown, total = hub.tasks.page(user, project.id, page=page, limit=limit, filters=filters, sort=sort)
                    where = f"filters={filters} sort={sort} limit={limit} page={page}"
                    assert total == len(expected), where
                    assert [t["_id"] for t in shown] == expected[(page - 1) * limit : page * limit], where


def test_the_filters_reach_every_kind_of_answer(world):
    """The fixture is varied enough: most filters pick some tasks but not all, several pick none."""
    hub, project, tasks, batches, other_batch = world
    sizes = [len(brute_force(hub, project, f, False)) for f in filters_to_check(tasks, batches, other_batch)]
    assert sum(0 < size < SIZE for size in sizes) >= 60
    assert 0 in sizes and SIZE in sizes


def test_a_task_s_status_always_follows_its_stage(world):
    """Status filters are answered through stages: that holds only while status = status_at(stage)."""
    hub, project, *_ = world
    stages = hub.tasks.stages(project.id)
    for task in hub.tasks.project_tasks(project.id, with_answer=False):
        assert task["status"] == workflow.status_at(stages, task["stage"]), task["_id"]


def test_filters_never_reach_another_project(world):
    hub, project, *_ = world
    demo = hub.default_project
    _, demo_total = hub.tasks.page(hub.default_user, demo.id, limit=1)
    for filters in ({"assignee": {"$exists": False}}, {"stage": {"$ne": "Nowhere"}}, {"priority": {"$gte": -5}}):
        shown, total = hub.tasks.page(hub.default_user, demo.id, limit=100, filters=filters)
        assert total == demo_total and {t["project"] for t in shown} == {demo.id}


INDEXED = [
    "assignee",
    "reviewStatus in",
    "stage in",
    "status",
    "batch",
    "batches in",
    "externalId in",
    "asset",
    "_id",
    "batch+stage",
    "assignee+stage ne",
    "constants",
    "priority",
    "isBenchmark",
    "batch+stage ne",
    "createdAt range",
    "updatedAt after",
    "duration",
    "priority at most 0",
    "isBenchmark false",
    "batches nin",
    "stage regex",
    "status and batches",
]


def indexed_filter(name, tasks, batches):
    return {
        "assignee": {"assignee": {"$eq": "a@x.io"}},
        "reviewStatus in": {"reviewStatus": {"$in": ["Accepted", "Fixed"]}},
        "stage in": {"stage": {"$in": ["Label", "Review"]}},
        "status": {"status": "Completed"},
        "batch": {"batches": batches["b2"]},
        "batches in": {"batches": {"$in": [batches["b0"], batches["b1"]]}},
        "externalId in": {"externalId": {"$in": ["x-1", "x-2"]}},
        "asset": {"asset": tasks[7]["asset"]},
        "_id": {"_id": tasks[7]["_id"]},
        "batch+stage": {"batches": batches["b0"], "stage": "Label"},
        "assignee+stage ne": {"assignee": "b@x.io", "stage": {"$ne": "Review"}},
        "constants": {"type": "default", "isDraft": False},
        "priority": {"priority": {"$gte": 1}},
        "isBenchmark": {"isBenchmark": {"$eq": True}},
        "batch+stage ne": {"batches": batches["b1"], "stage": {"$ne": "Shelf"}},
        # Issue 21: these read every task of the project before (dates, durations and regexes were
        # checked in Python; defaults most tasks hold were walked whole).
        "createdAt range": {"createdAt": {"$gte": "2000-01-01", "$lte": tasks[30]["createdAt"]}},
        "updatedAt after": {"updatedAt": {"$gte": tasks[40]["createdAt"]}},
        "duration": {"duration": {"$gt": 1}},
        "priority at most 0": {"priority": {"$lte": 0}},
        "isBenchmark false": {"isBenchmark": False},
        "batches nin": {"batches": {"$nin": [batches["b0"]]}},
        "stage regex": {"stage": {"$regex": "^(Lab|Sec)"}},
        "status and batches": {"status": "TODO", "batches": {"$in": [batches["b0"], batches["b1"]]}},
    }[name]


@pytest.mark.parametrize("name", INDEXED)
def test_indexed_filters_never_scan_the_project(world, name):
    """Every query a filtered page and its total run is an index search (SQLite's own plan), none a
    walk of all the project's tasks or assets."""
    hub, project, tasks, batches, _ = world
    filters = indexed_filter(name, tasks, batches)
    ran: list[str] = []
    with hub.store.read() as db:
        db.set_trace_callback(ran.append)
        try:
            hub.tasks.page(hub.default_user, project.id, page=2, limit=3, filters=filters)
        finally:
            db.set_trace_callback(None)
        plans = {
            q: [step[3] for step in db.execute("EXPLAIN QUERY PLAN " + q)]
            for q in ran
            if q.lstrip().upper().startswith("SELECT")
        }
    assert any("tasks t" in q for q in plans)
    for query, plan in plans.items():
        for step in plan:
            assert not re.match(r"SCAN [tam]( |$)", step), (query, plan)
            assert step != "SEARCH t USING INDEX tasks_in_order (project_id=?)", (query, plan)
