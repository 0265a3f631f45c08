"""Filters answered from counted cells (issue 21 items 3 and 4) pick exactly what the plain Python check
picks, on a project that went through every kind of change (moves, requeues, pre-labels, batches added,
deletes that leave gaps, new assets, overflow batch groups), for filters drawn at random; and the cell
counts kept by those changes equal a recount from the rows."""

from __future__ import annotations

import json
import random
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockango import Hub
from mockango.filters import record_matches
from mockango.records import cells, selection, task_query
from tests.unit.test_task_filters import STAGES

ONTOLOGY = {"tools": [{"schemaId": "box", "tool": "bounding-box", "title": "Box"}]}
BOX = {"objects": [{"schemaId": "box", "bounding-box": {"x": 1, "y": 1, "width": 2, "height": 2}}]}
SIZE = 240
EMAILS = ["a@x.io", "b@x.io"]


def changed_project(hub: Hub, seed: int):
    """A project that went through every change that moves a task or asset between cells."""
    rng = random.Random(seed)
    user = hub.default_user
    lists = [[], ["b0"], ["b1"], ["b0", "b1"], ["b2"], ["b1", "b0"], ["b3"], ["b4", "b0"], ["b5"]]
    project = hub.create_project(
        "cells",
        ONTOLOGY,
        [
            {"externalId": f"x-{n % 97}", "data": f"https://example.com/{n}.png", "batches": lists[n % len(lists)]}
            for n in range(SIZE)
        ],
    )
    hub.tasks.set_stages(user, project.id, STAGES)
    tasks, _ = hub.tasks.page(user, project.id, limit=SIZE)
    ids = [t["_id"] for t in tasks]
    for task_id in ids:
        if rng.random() < 0.25:
            hub.tasks.set_task(task_id, stage=rng.choice(["Second", "Review", "Complete", "Shelf"]))
        if rng.random() < 0.2:
            hub.tasks.set_task(task_id, assignee=rng.choice(EMAILS), priority=rng.choice([0, 1, 2, -1]))
        if rng.random() < 0.1:
            hub.tasks.set_task(task_id, review_status=rng.choice(["Accepted", "Rejected", "Fixed"]), is_benchmark=True)
        if rng.random() < 0.08:
            moves_on = hub.tasks.get(user, task_id)["stage"] not in ("Complete", "Shelf")
            hub.tasks.annotate(user, task_id, {"answer": BOX, "duration": rng.choice([0, 2.5, 7])}, next_stage=moves_on)
        if rng.random() < 0.05:
            hub.issues.create(user, {"content": "look", "labelTask": task_id})
    hub.tasks.requeue(user, project.id, "Label", {"taskIds": rng.sample(ids, 20)})
    hub.import_labels(user, project.id, [{"externalId": f"x-{n}", **BOX} for n in rng.sample(range(97), 30)])
    named = {b.name: b.id for b in hub.projects.require(project.id).batches}
    assets = [a["_id"] for a in hub.project_assets(project.id)]
    hub.batches.assign(user, {"projectId": project.id, "assets": rng.sample(assets, 25), "batches": [named["b2"]]})
    hub.batches.assign(user, {"projectId": project.id, "assets": rng.sample(assets, 10), "batches": [named["b5"]]})
    hub.uploads.delete_assets(user, project.id, rng.sample(assets, 30))
    hub.add_assets(
        project.id,
        [
            {"externalId": f"late-{n}", "data": f"https://example.com/l{n}.png", "batches": ["b6", "b2"][: n % 3]}
            for n in range(15)
        ],
    )
    return hub.projects.require(project.id)


@pytest.fixture(scope="module", params=[64, 3], ids=["groups", "overflow"])
def world(request):
    limit = request.param
    original = cells.GROUP_LIMIT
    cells.GROUP_LIMIT = limit  # 3: most batch lists share the overflow group
    try:
        hub = Hub()
        project = changed_project(hub, seed=limit)
        views = hub.tasks.project_tasks(project.id, with_answer=False)
        yield hub, project, views
    finally:
        cells.GROUP_LIMIT = original


def test_the_kept_counts_equal_a_count_of_the_rows(world):
    """Every change kept the cell counts: they equal the rows counted afresh (with the project's groups)."""
    hub, project, _ = world
    with hub.store.read() as db:
        groups = {
            members: pk
            for pk, members in db.execute("SELECT pk, members FROM batch_groups WHERE project_id = ?", (project.id,))
        }
        expected = Counter()
        for position, members, stage, pre in db.execute(
            "SELECT a.position, a.batches, t.stage, a.pre_labeled FROM assets a JOIN tasks t ON t.asset_pk = a.pk "
            "WHERE a.project_id = ?",
            (project.id,),
        ):
            group = groups.get(members, cells.OVERFLOW)
            for size in (cells.SMALL, cells.BIG):
                for g in (group, cells.MARGIN):
                    expected[(cells.TASKS, size, g, stage, position // size)] += 1
                    expected[(cells.ASSETS, size, g, str(pre), position // size)] += 1
        kept = {
            (family, size, g, value, block): live
            for family, size, g, value, block, live in db.execute(
                "SELECT family, size, group_pk, value, block, live FROM cell_blocks WHERE project_id = ?", (project.id,)
            )
        }
    assert kept == dict(expected)


def test_a_state_import_recounts_the_same(world, tmp_path):
    hub, project, views = world
    hub.export_state(tmp_path / "state.json")
    again = Hub(state=tmp_path / "again.sqlite3")
    again.import_state(tmp_path / "state.json")
    for filters in (
        {"stage": "Label"},
        {"batches": {"$in": [project.batches[1].id]}},
        {"createdAt": {"$gte": views[50]["createdAt"]}},
    ):
        expected = brute(views, filters, False)
        shown, total = again.tasks.page(again.default_user, project.id, filters=filters, limit=500)
        assert total == len(expected) and [t["_id"] for t in shown] == expected, filters
    again.close_store()


def field_values(views, batches):
    def pick(name):
        return [v[name] for v in views]

    stamps = sorted(pick("createdAt") + pick("updatedAt"))
    texts = st.sampled_from(
        [
            "Label",
            "Second",
            "Review",
            "Complete",
            "Shelf",
            "Nowhere",
            "TODO",
            "Completed",
            *EMAILS,
            "Accepted",
            "Fixed",
            "x-1",
            "x-50",
            "late-3",
            None,
            5,
        ]
    )
    return {
        "stage": st.sampled_from(["Label", "Second", "Review", "Complete", "Shelf", "Nowhere", "^S", "e"]),
        "status": st.sampled_from(["TODO", "Completed", "Archived", "x"]),
        "batches": st.sampled_from([*batches, "nope", "^.{3}", None]),
        "assignee": st.sampled_from([*EMAILS, None, "@", "^b"]),
        "reviewStatus": st.sampled_from(["Accepted", "Rejected", "Fixed", "Todo", None, "ed$"]),
        "externalId": st.sampled_from(["x-1", "x-50", "late-3", "nope", "-1", "^late"]),
        "updatedBy": st.sampled_from([*EMAILS, None, "@"]),
        "createdAt": st.sampled_from(stamps + ["2000", "2999"]),
        "updatedAt": st.sampled_from(stamps + ["2000", "2999"]),
        "priority": st.sampled_from([0, 1, 2, -1, 1.5, "x"]),
        "duration": st.sampled_from([0, 2.5, 7, 3]),
        "totalDuration": st.sampled_from([0, 2.5, 7, 9.5]),
        "openIssuesCount": st.sampled_from([0, 1, 2]),
        "isBenchmark": st.sampled_from([True, False, 0, 1]),
        "type": st.sampled_from(["default", "other"]),
        "_id": st.sampled_from([views[3]["_id"], views[100]["_id"], "nope"]),
        "asset": st.sampled_from([views[7]["asset"], "nope"]),
    }, texts


@st.composite
def a_filter(draw, values):
    fields, _ = values
    chosen = draw(st.lists(st.sampled_from(sorted(fields)), min_size=1, max_size=3, unique=True))
    built = {}
    for name in chosen:
        value = draw(fields[name])
        operator = draw(
            st.sampled_from(
                ["plain", "$eq", "$ne", "$in", "$nin", "$gt", "$gte", "$lt", "$lte", "$regex", "$exists", "two"]
            )
        )
        other = draw(fields[name])
        if operator == "plain":
            built[name] = value
        elif operator in ("$in", "$nin"):
            built[name] = {operator: [value, other]}
        elif operator == "$regex":
            built[name] = {"$regex": value if isinstance(value, str) else "1"}
        elif operator == "$exists":
            built[name] = {"$exists": draw(st.booleans())}
        elif operator == "two":
            low, high = sorted([value, other], key=lambda v: str(v))
            built[name] = {"$gte": low, "$lt": high}
        else:
            built[name] = {operator: value}
    return built


def brute(views, filters, descending):
    chosen = [v["_id"] for v in views if record_matches(v, filters)]
    return chosen[::-1] if descending else chosen


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(data=st.data())
def test_random_filters_page_exactly_like_the_plain_check(world, data):
    hub, project, views = world
    values = field_values(views, [b.id for b in project.batches])
    filters = data.draw(a_filter(values))
    descending = data.draw(st.booleans())
    expected = brute(views, filters, descending)
    limit = data.draw(st.sampled_from([1, 3, 10, 50]))
    last = max(1, -(-len(expected) // limit))
    counted = data.draw(st.booleans())  # through the block counts, or read from either end
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(selection, "NEAR_AN_END", 0 if counted else selection.NEAR_AN_END)
        pages = {1, 2, last, max(1, last // 2), last + 1}
        assert_pages(hub, project, filters, expected, pages, limit, descending, f"counted={counted}")


def assert_pages(hub, project, filters, expected, pages, limit, descending, note=""):
    """Each page (and the total) the host answers is that page of ``expected``."""
    for page in sorted(pages):
        shown, total = hub.tasks.page(
            hub.default_user,
            project.id,
            page=page,
            limit=limit,
            filters=filters,
            sort="-createdAt" if descending else None,
        )
        where = f"{json.dumps(filters)} desc={descending} limit={limit} page={page} {note}"
        assert total == len(expected), where
        assert [t["_id"] for t in shown] == expected[(page - 1) * limit : page * limit], where


def test_a_filter_that_would_check_too_many_rows_is_refused_saying_which(world, monkeypatch):
    hub, project, views = world
    monkeypatch.setattr(selection, "SCAN_LIMIT", 10)
    monkeypatch.setattr(task_query, "SCAN_LIMIT", 10)
    with pytest.raises(task_query.TooBroad, match=r"externalId .*more than 10 tasks.*narrow"):
        hub.tasks.page(hub.default_user, project.id, filters={"externalId": {"$regex": "x"}})
    # Narrowed by cells, the same condition checks few rows and is answered.
    narrow = {"externalId": {"$regex": "-1"}, "stage": "Shelf", "batches": {"$in": [project.batches[0].id]}}
    expected = brute(views, narrow, False)
    shown, total = hub.tasks.page(hub.default_user, project.id, filters=narrow, limit=100)
    assert total == len(expected) and [t["_id"] for t in shown] == expected


def brute_assets(hub, project, filters):
    chosen = []
    for asset in hub.project_assets(project.id):
        if "batches" in filters and not set(filters["batches"]) <= set(asset["batches"]):
            continue
        if "isPreLabeled" in filters and asset["isPreLabeled"] != filters["isPreLabeled"]:
            continue
        chosen.append(asset["_id"])
    return chosen


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_asset_filters_page_exactly_like_the_plain_check(world, data):
    """get_assets' batches (all of them) and isPreLabeled, alone and together, from the asset cells."""
    hub, project, _ = world
    ids = [b.id for b in project.batches] + ["f" * 24]
    filters = {}
    if data.draw(st.booleans()):
        filters["batches"] = data.draw(st.lists(st.sampled_from(ids), min_size=1, max_size=3, unique=True))
    if data.draw(st.booleans()):
        filters["isPreLabeled"] = data.draw(st.booleans())
    expected = brute_assets(hub, project, filters)
    limit = data.draw(st.sampled_from([1, 7, 60]))
    last = max(1, -(-len(expected) // limit))
    counted = data.draw(st.booleans())
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(selection, "NEAR_AN_END", 0 if counted else selection.NEAR_AN_END)
        for page in sorted({1, last, max(1, last // 2), last + 1}):
            shown, total = hub.find_assets(hub.default_user, project.id, page=page, limit=limit, filters=filters)
            assert total == len(expected), (filters, page, counted)
            assert [a["_id"] for a in shown] == expected[(page - 1) * limit : page * limit], (filters, page, counted)


def test_a_store_made_before_the_counts_is_counted_when_opened(tmp_path):
    state = tmp_path / "state.sqlite3"
    hub = Hub(state=state)
    project = hub.create_project(
        "old", ONTOLOGY, [{"externalId": f"o{n}", "data": f"https://e.x/{n}.png", "batches": ["b"]} for n in range(50)]
    )
    with hub.store.write() as db:  # as a file from before the cells would be
        db.execute("DELETE FROM cell_blocks")
        db.execute("DELETE FROM batch_groups")
    hub.close_store()
    again = Hub(state=state)
    batch = project.batches[0].id
    assert again.tasks.page(again.default_user, project.id, filters={"batches": batch}, limit=1)[1] == 50
    assert again.find_assets(again.default_user, project.id, filters={"batches": [batch]})[1] == 50
    again.close_store()


def test_createdat_out_of_order_is_checked_row_by_row():
    """A state file may hold a project whose createdAt does not grow with its order: its createdAt filters
    are then checked on the rows (not taken as a range of positions), and still exact."""
    hub = Hub()
    project = hub.create_project(
        "disordered", ONTOLOGY, [{"externalId": f"d{n}", "data": f"https://e.x/{n}.png"} for n in range(40)]
    )
    with hub.store.write() as db:
        db.execute(
            "UPDATE tasks SET created_at = 2e9 - position * 1000, updated_at = 2e9 - position * 1000 WHERE project_id = ?",
            (project.id,),
        )
        db.execute("UPDATE assets SET created_at = 2e9 - position * 1000 WHERE project_id = ?", (project.id,))
        cells.recount(db)
    views = hub.tasks.project_tasks(project.id, with_answer=False)
    middle = views[20]["createdAt"]
    for filters in ({"createdAt": {"$gte": middle}}, {"createdAt": {"$lt": middle}}, {"updatedAt": {"$gt": middle}}):
        expected = brute(views, filters, False)
        shown, total = hub.tasks.page(hub.default_user, project.id, filters=filters, limit=100)
        assert 0 < total == len(expected) and [t["_id"] for t in shown] == expected, filters


@pytest.fixture(scope="module")
def touched_world():
    """A project whose touched tasks were updated at spread times: long after their creation, a tenth of
    a millisecond apart (inside one ISO millisecond, so a bound's text falls between stored times), and
    far in the future; the untouched keep updatedAt == createdAt."""
    rng = random.Random(7)
    hub = Hub()
    project = changed_project(hub, seed=11)
    with hub.store.write() as db:
        rows = db.execute("SELECT pk, created_at FROM tasks WHERE project_id = ?", (project.id,)).fetchall()
        for pk, created in rng.sample(rows, len(rows) // 3):
            updated = rng.choice(
                [created + rng.uniform(0.0001, 0.003), created + rng.uniform(1, 5000), 4e9 + rng.random(), created]
            )
            db.execute("UPDATE tasks SET updated_at = ? WHERE pk = ?", (updated, pk))
    return hub, project, hub.tasks.project_tasks(project.id, with_answer=False)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_updatedat_ranges_page_exactly_like_the_plain_check(touched_world, data):
    """updatedAt ranges, alone and with the conditions cells decide (fast path: decided on stored times)
    and with one a row must be checked for (the rows are then checked whole)."""
    hub, project, views = touched_world
    stamps = sorted({v["updatedAt"] for v in views} | {v["createdAt"] for v in views})
    stamp = st.sampled_from(stamps + ["2000", "2026", "2999", stamps[len(stamps) // 2][:19]])
    operators = data.draw(
        st.sampled_from([["$gt"], ["$gte"], ["$lt"], ["$lte"], ["$eq"], ["$gte", "$lt"], ["$gt", "$lte"]])
    )
    filters: dict = {"updatedAt": {op: data.draw(stamp) for op in operators}}
    others = {
        "stage": st.sampled_from(["Label", "Review", {"$ne": "Shelf"}]),
        "status": st.sampled_from(["TODO", "Completed"]),
        "batches": st.sampled_from([{"$in": [project.batches[0].id]}, {"$nin": [project.batches[1].id]}]),
        "createdAt": st.sampled_from([{"$gte": s} for s in stamps[::40]] + [{"$lt": s} for s in stamps[::50]]),
        "assignee": st.sampled_from([EMAILS[0], None]),
    }
    for name in data.draw(st.lists(st.sampled_from(sorted(others)), max_size=2, unique=True)):
        filters[name] = data.draw(others[name])
    descending = data.draw(st.booleans())
    expected = brute(views, filters, descending)
    limit = data.draw(st.sampled_from([1, 7, 50]))
    last = max(1, -(-len(expected) // limit))
    assert_pages(hub, project, filters, expected, {1, 2, last, last + 1}, limit, descending)


def test_an_updatedat_range_is_decided_in_sql_without_reading_the_touched_rows(monkeypatch):
    """Issue 21 item 3: an updatedAt range read and checked every touched task as a row (15x at 1M). Now
    the touched tasks updated across a bound from their createdAt are a query, counted and paged by
    ranges of positions: no row is checked in Python, no list of them is built, and only a time within
    a bound's precision would be read and checked as text (none here)."""
    hub = Hub()
    project = hub.create_project(
        "touched", ONTOLOGY, [{"externalId": f"t{n}", "data": f"https://e.x/{n}.png"} for n in range(400)]
    )
    with hub.store.write() as db:  # 300 tasks touched a second after creation; 10 of them a day later
        db.execute(
            "UPDATE tasks SET updated_at = created_at + 1 WHERE project_id = ? AND position < 300", (project.id,)
        )
        db.execute(
            "UPDATE tasks SET updated_at = created_at + 86400 WHERE project_id = ? AND position >= 290 "
            "AND position < 300",
            (project.id,),
        )
    views = hub.tasks.project_tasks(project.id, with_answer=False)
    since = iso_time_of(views[-1]["createdAt"], plus=10)  # after every creation and first touch
    checked: list = []
    original = task_query.row_matches
    monkeypatch.setattr(task_query, "row_matches", lambda row, f: checked.append(row) or original(row, f))
    read: list = []
    monkeypatch.setattr(task_query.UpdatedRange, "holds", counting(task_query.UpdatedRange.holds, read))
    filters = {"updatedAt": {"$gte": since}}
    shown, total = hub.tasks.page(hub.default_user, project.id, filters=filters, limit=100)
    assert total == 10 and [t["_id"] for t in shown] == [v["_id"] for v in views[290:300]]
    assert checked == [] and read == []
    with hub.store.read() as db:
        found = task_query.TaskSearch(db, project.id, [], filters, columns="t.position").selection
    assert isinstance(found.added, selection.QueriedPositions) and found.added.sorted == []
    assert found.added.count() == 10


def counting(method, calls):
    def counted(self, *args):
        calls.append(args)
        return method(self, *args)

    return counted


def iso_time_of(stamp: str, plus: float) -> str:
    from datetime import datetime, timedelta

    moment = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ") + timedelta(seconds=plus)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
