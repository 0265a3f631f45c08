"""What a page of tasks costs as a project grows (issue 9's scale goal: 1M tasks <= 2x 1k).

    .venv/bin/python bench/tasks.py [--sizes 1000,100000,1000000] [--repeat 200]

For each size it makes one project of that many assets (each gets its task from the
store's trigger) in an in-memory Hub, then times, over ``--repeat`` calls (median, ms):
- ``page 1``: ``GET /v2/project/{id}/tasks?limit=10``'s domain call (``TaskBook.page``);
- ``last page``: the same at the project's last page (a position range, not an OFFSET);
- ``stage page 1``: ``filter={"stage": "Label"}``, through the (project, stage) index;
- ``get_task``: one task by id, with its answer;
- ``annotate+move``: ``annotate`` with ``nextStage`` of a fresh task (checked, stored, moved);
- filtered pages as the official client sends them (``get_tasks(..., status=, batches=,
  task_filter=TaskFilter(...))``), each page 1 at limit 10 with its total: ``status TODO``,
  ``stage in [Label, Review]``, ``batch`` (one of ten, a tenth of the project), ``assignee``
  (100 tasks assigned), ``reviewStatus`` (50 tasks Accepted), ``batch + stage``,
  ``assignee + stage``, ``type/isDraft`` (constant fields), ``isBenchmark`` (10 tasks),
  ``priority >= 1`` (20 tasks);
and the ratio of each to the smallest size. Also prints the seconds spent creating the project.
"""

from __future__ import annotations

import argparse
import time

from figures import print_table, timed

from mockango.hub import Hub

ONTOLOGY = {"tools": [{"schemaId": "box", "tool": "bounding-box", "title": "Box"}]}


def measure(size: int, repeat: int) -> tuple[dict, float]:
    hub = Hub(populate=True)
    user = hub.default_user
    start = time.perf_counter()
    assets = (
        {
            "externalId": f"a-{n}",
            "data": f"https://example.com/{n}.png",
            "batches": [f"b{n % 10}"],
            "metadata": {"width": 100, "height": 100},
        }
        for n in range(size)
    )
    project = hub.create_project(f"bench {size}", ONTOLOGY, assets)
    built = time.perf_counter() - start
    last = (size + 9) // 10
    tasks, _ = hub.tasks.page(user, project.id, limit=repeat)
    answer = {"answer": {"objects": [{"schemaId": "box", "bounding-box": {"x": 1, "y": 1, "width": 2, "height": 2}}]}}
    fresh = iter(t["_id"] for t in tasks)
    spread = [
        hub.tasks.page(user, project.id, page=1 + size // 2 + n * size // 200, limit=1)[0][0]["_id"] for n in range(100)
    ]  # 100 tasks spread over the second half (annotate+move takes the first)
    hub.tasks.assign(user, project.id, spread, user.email, "Label")
    for n, task_id in enumerate(spread):
        hub.tasks.set_task(
            task_id,
            review_status="Accepted" if n % 2 else None,
            priority=1 if n % 5 == 0 else 0,
            is_benchmark=n % 10 == 0,
        )
    batch = next(b.id for b in hub.projects.require(project.id).batches if b.name == "b3")

    def filtered(filters: dict):
        return lambda: hub.tasks.page(user, project.id, page=1, limit=10, filters=filters)

    figures = {
        "page 1": timed(lambda: hub.tasks.page(user, project.id, page=1, limit=10), repeat),
        "last page": timed(lambda: hub.tasks.page(user, project.id, page=last, limit=10), repeat),
        "stage page 1": timed(
            lambda: hub.tasks.page(user, project.id, page=1, limit=10, filters={"stage": "Label"}), repeat
        ),
        "get_task": timed(lambda: hub.tasks.get(user, tasks[0]["_id"]), repeat),
        "annotate+move": timed(lambda: hub.tasks.annotate(user, next(fresh), answer, next_stage=True), repeat),
    }
    few = max(3, repeat // 20)  # filters that used to read the whole project: fewer repeats
    for name, filters in (
        ("status TODO", {"status": {"$eq": "TODO"}}),
        ("stage in 2", {"stage": {"$in": ["Label", "Review"]}}),
        ("batch", {"batches": {"$in": [batch]}}),
        ("assignee", {"assignee": {"$eq": user.email}}),
        ("reviewStatus", {"reviewStatus": {"$eq": "Accepted"}}),
        ("batch+stage", {"batches": {"$in": [batch]}, "stage": "Label"}),
        ("assignee+stage", {"assignee": {"$eq": user.email}, "stage": {"$eq": "Label"}}),
        ("type/isDraft", {"type": {"$eq": "default"}, "isDraft": {"$eq": False}}),
        ("isBenchmark", {"isBenchmark": {"$eq": True}}),
        ("priority >= 1", {"priority": {"$gte": 1}}),
    ):
        figures[name] = timed(filtered(filters), few)
    hub.close_store()
    return figures, built


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,100000,1000000")
    parser.add_argument("--repeat", type=int, default=200)
    options = parser.parse_args()
    sizes = [int(s) for s in options.sizes.split(",")]
    results = {}
    for size in sizes:
        results[size], built = measure(size, options.repeat)
        print(f"{size:>9} tasks: project made in {built:.1f} s", flush=True)
    print()
    print_table(results)


if __name__ == "__main__":
    main()
