"""Every public method of the official SDK (1.4.10) against a live MockAngo, checked against
docs/sdk-coverage.md: the table says what each method does here, and this test fails when
reality disagrees (status, calls made), when any call answers 404, or when a served
method's effect cannot be read back (the checks live in samples/sdk_coverage_driver.py).

The client runs unmodified in its own cached venv (with numpy and Pillow, which
``upload_brush_array`` imports), as a subprocess, like every test in this folder.
"""

from __future__ import annotations

import json
import re
import subprocess

import pytest
from harness import REPO_ROOT, SAMPLES, official_python

from mockango import MockAngo

pytestmark = pytest.mark.official

CLIENT = "1.4.10+numpy+pillow"
TABLE = REPO_ROOT / "docs" / "sdk-coverage.md"
ROW = re.compile(r"^\| `(?P<method>\w+)` \| (?P<calls>[^|]+) \| (?P<status>served|501|client) \| (?P<what>[^|]+) \|$")
STATUSES = ("served", "501", "client")
MINIMUM_SERVED = 54


def read_table() -> dict[str, dict]:
    rows = {}
    for line in TABLE.read_text().splitlines():
        match = ROW.match(line.strip())
        if match:
            assert match["method"] not in rows, f"{match['method']} is listed twice in {TABLE.name}"
            calls = re.findall(r"`([A-Z]+ /[^`]*)`", match["calls"])
            assert calls, f"{match['method']}: no `METHOD /path` in its Calls column"
            rows[match["method"]] = {"status": match["status"], "calls": calls}
    return rows


def call_pattern(call: str) -> tuple[str, re.Pattern]:
    method, path = call.split(" ", 1)
    # {key} is an object store key (it has slashes); every other placeholder is one path segment.
    regex = re.escape(path).replace(r"\{key\}", ".+")
    regex = re.sub(r"\\\{\w+\\\}", "[^/]+", regex).replace("//", "/")  # the server merges double slashes
    return method, re.compile(f"^{regex}$")


@pytest.fixture(scope="module")
def coverage(tmp_path_factory) -> dict:
    python = official_python(CLIENT)
    folder = tmp_path_factory.mktemp("sdk-coverage")
    with MockAngo(seed=0) as host:
        hub = host.hub
        storage = hub.storages.create(hub.default_user, {"name": "seeded", "provider": "AWS", "region": "eu-central-1"})
        png = hub.asset_file(host.assets()[0]["_id"])
        for path in ("images/a.png", "images/b.png", "images/deeper/c.png"):
            hub.storages.put_file(storage["_id"], "bucket-1", path, png)
        box = next(t for t in hub.default_project.category_schema["tools"] if t["tool"] == "bounding-box")
        member = hub.organization.add_member(hub.default_user.organization_id, "member@example.com")
        setup = {
            "host": host.url,
            "apiKey": host.api_key,
            "projectId": host.project_id,
            "storageId": storage["_id"],
            "bucket": "bucket-1",
            "boxSchemaId": box["schemaId"],
            "assetCount": len(host.assets()),
            "memberEmail": member.email,
        }
        (folder / "setup.json").write_text(json.dumps(setup))
        process = subprocess.run(
            [
                str(python),
                str(SAMPLES / "sdk_coverage_driver.py"),
                str(folder / "setup.json"),
                str(folder / "out.json"),
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert process.returncode == 0, process.stderr[-4000:]
        journal = hub.journal_entries()
    return {**json.loads((folder / "out.json").read_text()), "journal": journal}


def test_the_table_lists_every_public_method(coverage):
    public = set(coverage["public"]) - {"make_request", "setup_logger"}  # plumbing, not Ango calls
    assert len(public) == 61
    table = read_table()
    assert sorted(set(public) - set(table)) == [], "methods missing from docs/sdk-coverage.md"
    assert sorted(set(table) - set(public)) == [], "methods in docs/sdk-coverage.md the SDK does not have"
    assert sorted(set(public) - set(coverage["results"])) == [], "methods the driver does not call"


def test_no_call_answers_404(coverage):
    missing = [entry for entry in coverage["journal"] if entry["status"] == 404]
    assert missing == []


@pytest.mark.parametrize("method", sorted(read_table()))
def test_method_does_what_the_table_says(coverage, method):
    row = read_table()[method]
    outcome = coverage["results"][method]
    statuses = [c["status"] for c in outcome["calls"]]
    if row["status"] == "served":
        assert outcome["error"] is None, f"{method} failed:\n{outcome.get('traceback')}"
        assert all(s < 400 for s in statuses), f"{method} calls: {outcome['calls']}"
    elif row["status"] == "501":
        assert 501 in statuses, f"{method} calls: {outcome['calls']} (error: {outcome['error']})"
        assert all(s < 400 or s == 501 for s in statuses), outcome["calls"]
    else:
        assert outcome["error"] is not None and 501 not in statuses, outcome
    for call in row["calls"]:
        http_method, pattern = call_pattern(call)
        assert any(c["method"] == http_method and pattern.match(c["path"]) for c in outcome["calls"]), (
            f"{method}: the table says it calls {call}, but it called {outcome['calls']}"
        )


def test_served_count(coverage):
    table = read_table()
    served = sum(1 for row in table.values() if row["status"] == "served")
    assert served >= MINIMUM_SERVED
    counts = {status: sum(1 for row in table.values() if row["status"] == status) for status in STATUSES}
    assert (
        f"Served: **{counts['served']}** of 61. Not simulated: {counts['501']}. Stops in the client: "
        f"{counts['client']}." in TABLE.read_text()
    )
