"""Every SDK filter's first and last page as a project grows (issue 21, items 3 and 4).

    .venv/bin/python bench/filters.py [--sizes 1000,1000000] [--before REF] [--projects 10000] [--precision 0.05]

For each size, in a fresh process, a project of that many assets in ten batches (every 50th asset
in two batches, so batch lists overlap), kept in a SQLite file as ``mockango serve`` keeps it, with
some work done on it: 1 % of the tasks moved on to Review, 0.1 % assigned, accepted, prioritised
or marked benchmarks, issues opened, a few thousand assets pre-labelled. Then, for each filter the
official client's ``get_tasks(task_filter=TaskFilter(...))`` and ``get_assets(filters=...)`` send
(one per field and operator family, and the combinations the SDK makes), page 1 and the last page
(limit 10, with the total) as the domain call (``Hub.tasks.page``, ``Hub.find_assets``), and the
dashboard's project page filtered on pre-labels (last page) over HTTP; with ``--projects N``, the
dashboard's and the API's project lists in an organization of N projects. Median milliseconds
[95 % interval], sampled until the interval is within ``--precision`` of the median (or a time
budget runs out), and the ratio of the largest size to the smallest. A filter mockango refuses as
too broad to check row by row prints ``400``. ``--before REF`` measures the code at that git ref
the same way, in the same run. Loopback only; every process started is stopped.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from figures import Summary, machine, sample  # noqa: E402
from trees import env_for, tree_of  # noqa: E402

SCHEMA = {"tools": [{"schemaId": "box", "tool": "bounding-box", "title": "Box"}]}
BOX = {"objects": [{"schemaId": "box", "bounding-box": {"x": 1, "y": 1, "width": 2, "height": 2}}]}
STAGES = [
    {"id": "Start", "type": "Start", "next": ["Label"]},
    {"id": "Label", "type": "Label", "next": ["Review"]},
    {"id": "Review", "type": "Review", "next": ["Complete", "Label"]},
    {"id": "Complete", "type": "Complete", "next": []},
]


def assets(size: int):
    for i in range(size):
        yield {
            "externalId": f"a{i:07}",
            "data": f"https://example.invalid/{i}.png",
            "batches": [f"b{i % 10}"] + (["b1"] if i % 50 == 0 and i % 10 != 1 else []),
        }


def build(hub, size: int):
    """The project, and the work done on it (spread evenly over the project)."""
    user = hub.default_user
    began = time.perf_counter()
    project = hub.create_project("Filters", SCHEMA, assets(size))
    hub.tasks.set_stages(user, project.id, STAGES)
    made = time.perf_counter() - began
    step = max(size // 100, 1)
    ids = [hub.tasks.page(user, project.id, page=1 + n * step, limit=1)[0][0]["_id"] for n in range(size // step)]
    hub.tasks.requeue(user, project.id, "Review", {"taskIds": ids})  # 1 % at Review
    few = ids[:: max(len(ids) // 10, 1)] or ids[:1]  # 0.1 %
    hub.tasks.assign(user, project.id, [t for t in few], user.email, "Review")
    for n, task_id in enumerate(few):
        hub.tasks.set_task(task_id, priority=1 + n % 2, is_benchmark=n % 2 == 0)
        hub.tasks.review(user, task_id, "Accepted" if n % 2 else "Rejected")
        hub.issues.create(user, {"content": "look", "labelTask": task_id})
    labelled = min(size // 10, 5000)
    hub.import_labels(user, project.id, [{"externalId": f"a{i:07}", **BOX} for i in range(0, labelled * 2, 2)])
    batches = {b.name: b.id for b in hub.projects.require(project.id).batches}
    return project, batches, made


def task_filters(views: list[dict], batches: dict) -> list[tuple[str, dict]]:
    """(name, TaskFilter dict): each field and operator family the official client sends, and combinations."""
    middle = views[len(views) // 2]
    b0, b1, b3 = batches["b0"], batches["b1"], batches["b3"]
    return [
        ("stage (eq)", {"stage": "Review"}),
        ("stage $in", {"stage": {"$in": ["Label", "Review"]}}),
        ("stage $ne", {"stage": {"$ne": "Label"}}),
        ("stage $regex", {"stage": {"$regex": "^Rev"}}),
        ("status TODO", {"status": {"$eq": "TODO"}}),
        ("batches [b]", {"batches": {"$in": [b3]}}),
        ("batches [b0, b1]", {"batches": {"$in": [b0, b1]}}),
        ("batches $nin", {"batches": {"$nin": [b0]}}),
        ("batches $regex", {"batches": {"$regex": b3[:10]}}),
        ("assignee", {"assignee": {"$eq": middle["assignee"] or "user@example.com"}}),
        ("assignee $exists false", {"assignee": {"$exists": False}}),
        ("reviewStatus", {"reviewStatus": {"$eq": "Accepted"}}),
        ("externalId", {"externalId": {"$eq": middle["externalId"]}}),
        ("externalId $nin", {"externalId": {"$nin": [middle["externalId"]]}}),
        ("createdAt >= middle", {"createdAt": {"$gte": middle["createdAt"]}}),
        ("createdAt < middle", {"createdAt": {"$lt": middle["createdAt"]}}),
        ("updatedAt >= middle", {"updatedAt": {"$gte": middle["createdAt"]}}),
        ("updatedBy $exists", {"updatedBy": {"$exists": True}}),
        ("priority >= 1", {"priority": {"$gte": 1}}),
        ("priority <= 0", {"priority": {"$lte": 0}}),
        ("duration > 0", {"duration": {"$gt": 0}}),
        ("totalDuration <= 0", {"totalDuration": {"$lte": 0}}),
        ("openIssuesCount >= 1", {"openIssuesCount": {"$gte": 1}}),
        ("isBenchmark true", {"isBenchmark": {"$eq": True}}),
        ("isBenchmark false", {"isBenchmark": {"$eq": False}}),
        ("type + isDraft", {"type": {"$eq": "default"}, "isDraft": {"$eq": False}}),
        ("batch + stage", {"batches": {"$in": [b3]}, "stage": {"$eq": "Label"}}),
        ("batch + createdAt", {"batches": {"$in": [b3]}, "createdAt": {"$gte": middle["createdAt"]}}),
        ("stage + assignee", {"stage": {"$eq": "Review"}, "assignee": {"$exists": True}}),
        (
            "batches + status + reviewStatus",
            {"batches": {"$in": [b0, b1]}, "status": "TODO", "reviewStatus": {"$ne": "Rejected"}},
        ),
    ]


def asset_filters(batches: dict) -> list[tuple[str, dict]]:
    return [
        ("assets: batch", {"batches": [batches["b3"]]}),
        ("assets: two batches", {"batches": [batches["b0"], batches["b1"]]}),
        ("assets: batch + isPreLabeled", {"batches": [batches["b0"]], "isPreLabeled": True}),
        ("assets: isPreLabeled false", {"isPreLabeled": False}),
    ]


def measure(size: int, precision: float) -> dict:
    import requests

    from mockango import MockAngo
    from mockango.errors import InvalidRequest
    from mockango.hub import Hub

    out: dict = {}
    with tempfile.TemporaryDirectory(prefix="mockango-filters-") as folder:
        hub = Hub(seed=0, state=Path(folder) / "state.sqlite3")
        project, batches, made = build(hub, size)
        out["made_s"] = made
        user = hub.default_user
        views = hub.tasks.page(user, project.id, page=max(size // 20, 1), limit=20)[0]
        with MockAngo(hub=hub) as server:
            http = requests.Session()
            http.headers["apikey"] = user.api_key

            def figure(name: str, call, over_http) -> None:
                began = time.perf_counter()
                try:
                    _, total = call(1)
                except InvalidRequest as exc:
                    out[name] = {"refused": exc.status}
                    return
                slow = time.perf_counter() - began > 0.5  # seconds a call (the code before): three samples will do
                last = max(1, -(-total // 10))
                least, budget, warm_up = (3, 0.0, 0) if slow else (5, 3.0, 1)
                out[name] = {"total": total}
                for part, page in (("first", 1), ("last", last)):
                    out[name][part] = sample(
                        lambda p=page: call(p), least=least, precision=precision, budget=budget, warm_up=warm_up
                    ).to_dict()
                    if over_http is not None:
                        out[name]["http " + part] = sample(
                            lambda p=page: over_http(p),
                            least=least,
                            precision=precision,
                            budget=budget,
                            warm_up=warm_up,
                        ).to_dict()

            def get(path: str, key: str, filters: dict):
                def call(page: int):
                    answer = http.get(
                        f"{server.url}/v2/project/{project.id}/{path}",
                        params={"page": page, "limit": 10, key: json.dumps(filters)},
                        timeout=600,
                    )
                    answer.raise_for_status()

                return call

            for name, filters in task_filters(views, batches):
                figure(
                    name,
                    lambda page, f=filters: hub.tasks.page(user, project.id, page=page, limit=10, filters=f),
                    get("tasks", "filter", filters),
                )
            for name, filters in asset_filters(batches):
                figure(
                    name,
                    lambda page, f=filters: hub.find_assets(user, project.id, page=page, limit=10, filters=f),
                    get("assets", "filters", filters),
                )
            pages = -(-hub.page_project_assets(project.id, limit=1, pre_labeled=False)[1] // 60)

            def dashboard(page: int):
                http.get(
                    f"{server.url}/projects/{project.id}", params={"prelabeled": "no", "page": page}
                ).raise_for_status()
                return None, pages * 60

            figure("dashboard: prelabeled=no (HTTP)", dashboard, None)
        hub.close_store()
    return out


def measure_projects(count: int, precision: float) -> dict:
    import requests

    from mockango import MockAngo
    from mockango.hub import Hub

    with tempfile.TemporaryDirectory(prefix="mockango-projects-") as folder:
        hub = Hub(seed=0, state=Path(folder) / "state.sqlite3")
        for n in range(count):
            hub.create_project(f"p{n:05}", {}, ())
        out = {}
        with MockAngo(hub=hub) as server:
            http = requests.Session()
            http.headers["apikey"] = hub.default_user.api_key
            last = -(-hub.project_count() // 10)
            for name, path, params in (
                ("dashboard: projects page 1", "/projects", {}),
                ("dashboard: projects last page", "/projects", {"page": -(-hub.project_count() // 50)}),
                ("API: listProjects page 1", "/v2/listProjects", {"page": 1, "limit": 10}),
                ("API: listProjects last page", "/v2/listProjects", {"page": last, "limit": 10}),
            ):
                out[name] = {
                    "first": sample(
                        lambda p=path, q=params: http.get(server.url + p, params=q).raise_for_status(),
                        least=5,
                        precision=precision,
                        budget=3.0,
                    ).to_dict()
                }
        hub.close_store()
    return out


def run_child(args: list[str], tree: Path | None) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--child", *args], env=env_for(tree), capture_output=True, text=True, timeout=7200
    )
    if done.returncode:
        return {"error": (done.stderr.strip().splitlines() or ["?"])[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def show(value: dict | None, key: str) -> str:
    if value is None:
        return "—"
    if "refused" in value:
        return str(value["refused"])
    if key not in value:
        return ""
    return str(Summary.from_dict(value[key]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,1000000")
    parser.add_argument("--before", metavar="REF")
    parser.add_argument("--projects", type=int, default=0, help="also the project lists with this many projects")
    parser.add_argument("--precision", type=float, default=0.05)
    parser.add_argument("--json", metavar="PATH", help="also write every figure to this file")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        kind, size = options.child[0], int(options.child[1])
        work = measure if kind == "project" else measure_projects
        print(json.dumps(work(size, options.precision)))
        return 0
    sizes = [int(s) for s in options.sizes.split(",")]
    trees = [("now", None)] + ([(f"before ({options.before})", tree_of(options.before))] if options.before else [])
    print(f"bench/filters.py on {machine()}", flush=True)
    results: dict = {}
    for size in sizes:
        for name, tree in trees:
            began = time.perf_counter()
            results[(name, size)] = run_child(["project", str(size), "--precision", str(options.precision)], tree)
            print(f"  {name} {size:,}: {time.perf_counter() - began:.0f} s ({machine().split('; ')[-1]})", flush=True)
            if options.json:
                Path(options.json).write_text(json.dumps({f"{n} {s}": r for (n, s), r in results.items()}, indent=1))
    for name, _ in trees:
        first, last = results[(name, sizes[0])], results[(name, sizes[-1])]
        if "error" in first or "error" in last:
            print(f"\n{name}: {first.get('error') or last.get('error')}")
            continue
        for how, parts in (("the domain call", ("first", "last")), ("over HTTP", ("http first", "http last"))):
            print(f"\n{name}, {how}: median ms [95 % interval, samples]; ratio = {sizes[-1]:,} ÷ {sizes[0]:,}")
            print(f"{'filter':34} {'page 1':>26} {'':>26} {'ratio':>6}  {'last page':>26} {'':>26} {'ratio':>6}")
            for key in first:
                if key == "made_s":
                    continue
                over_http = "HTTP" in key or "http first" in first[key]
                if (how == "the domain call" and "HTTP" in key) or (how == "over HTTP" and not over_http):
                    continue
                a, b = first.get(key), last.get(key)
                cells = []
                for part in parts if "HTTP" not in key else ("first", "last"):
                    ratio = ""
                    if a and b and part in a and part in b:
                        ratio = f"{b[part]['median'] / a[part]['median']:.1f}×"
                    cells.append(f"{show(a, part):>26} {show(b, part):>26} {ratio:>6}")
                print(f"{key:34} " + "  ".join(cells))
        print(f"(project made in {first['made_s']:.1f} s and {last['made_s']:.1f} s)")
    if options.projects:
        for name, tree in trees:
            small = run_child(["projects", "20", "--precision", str(options.precision)], tree)
            big = run_child(["projects", str(options.projects), "--precision", str(options.precision)], tree)
            print(f"\n{name}: project lists, 20 projects vs {options.projects:,} (median ms)")
            for key in small:
                ratio = big[key]["first"]["median"] / small[key]["first"]["median"] if key in big else float("nan")
                print(f"  {key:34} {show(small[key], 'first'):>26} {show(big.get(key), 'first'):>26} {ratio:5.1f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
