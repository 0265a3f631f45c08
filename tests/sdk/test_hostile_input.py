"""Every route this issue added, fed wrong shapes: each answer is a 4xx JSON error (or a success), never a 5xx."""

from __future__ import annotations

import itertools

from mockango.web import create_app
from mockango.web.control import tasks as control_tasks
from mockango.web.sdk import exports, issues, objects, projects, storages, tasks

BODIES = [
    None,
    [],
    "text",
    5,
    {"a": [1]},
    {
        "name": ["x"],
        "batches": [[1], {"_id": [1], "name": "n"}],
        "assets": [[], {"data": 5}, {"_id": [1]}],
        "answer": {"objects": {"x": 1}, "classifications": 5},
        "stages": [{"id": ["x"], "type": ["Start"]}],
        "priority": 10**30,
        "filters": {"taskIds": [[1]]},
        "toStageId": ["Label"],
        "tasks": [{}],
        "user": ["x"],
        "stage": {"$in": 1},
        "reviewStatus": ["Accepted"],
        "content": {"x": 1},
        "labelTask": [1],
        "storageId": {"a": 1},
        "bucket": ["b"],
        "scrollToken": -5,
        "files": "x",
        "projectId": 5,
        "categorySchema": [],
        "benchmarkEnabled": "yes",
        "confirmName": [1],
        "status": ["Open"],
        "errorCodes": [1],
        "duration": -1,
        "provider": ["AWS"],
        "isBenchmark": "no",
    },
]
QUERIES = [
    {},
    {"filter": '{"stage": {"$regex": "' + "(a+)+" * 50 + '"}}', "limit": "-1", "page": "x"},
    {"filter": "[1]", "batches": "{", "stage": "", "status[eq]": "x", "includeAnswer": "maybe", "sort": "x"},
    {
        "name": "../x",
        "project": "p",
        "type": "assets",
        "bucketName": "../",
        "path": "//",
        "getSignedUrls": "x",
        "format": "csv",
        "stage": '"Label"',
        "createdAt": "[1]",
    },
]


def routes(app):
    mine = {m.blueprint.name for m in (control_tasks, exports, issues, objects, projects, storages, tasks)}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] in mine:
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield method, rule


def fill(rule, host) -> str:
    path = rule.rule
    for name in rule.arguments:
        value = {"project_id": host.project_id, "key": "x/y/z"}.get(name, "0" * 24)
        path = path.replace(f"<{name}>", value).replace(f"<path:{name}>", value)
    return path


def test_no_5xx_on_wrong_input(api, host):
    checked = list(routes(create_app(host.hub)))  # the rules only: requests go to the live host
    assert len(checked) >= 35
    failures = []
    for (method, rule), body, query in itertools.product(checked, BODIES, QUERIES):
        status, answer = api.call(method, fill(rule, host), json=body, params=query)
        if status >= 500 or (status >= 400 and not isinstance(answer, dict)):
            failures.append((method, rule.rule, body, query, status, answer))
    assert failures == []
