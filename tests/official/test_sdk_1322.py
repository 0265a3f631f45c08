"""imerit-ango 1.3.22 (what the vendor's plugin samples pin) where its requests differ from 1.4.10:
``create_batch`` posts the whole batch list, ``export`` calls ``/v2/exportV3`` with its own
parameters, and errors come back as the message string instead of raising."""

from __future__ import annotations

import json
import subprocess

import pytest
from harness import SAMPLES, official_python

from mockango import MockAngo

pytestmark = pytest.mark.official


@pytest.fixture(scope="module")
def python_1322():
    try:
        return official_python("1.3.22")
    except RuntimeError as exc:  # it does not install here (e.g. this Python): pip says why
        pytest.skip(f"imerit-ango 1.3.22 does not install: {exc}")


def test_1322_shapes(python_1322):
    with MockAngo(seed=0) as host:
        process = subprocess.run(
            [str(python_1322), str(SAMPLES / "sdk_1322_driver.py"), host.url, host.api_key, host.project_id],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert process.returncode == 0, process.stderr[-4000:]
        out = json.loads(process.stdout.strip().splitlines()[-1])
        batches = [b.name for b in host.hub.default_project.batches]
        journal = [(e["method"], e["path"]) for e in host.hub.journal_entries()]
        count = len(host.assets())
    assert batches == ["Batch 1", "Batch 2", "from 1.3.22"]
    assert out["create_batch"]["status"] == "success"
    assert "already exists" in out["create_batch_again"]  # 1.3.22 returns the message string
    assert ("GET", "/v2/exportV3") in journal
    assert out["export_count"] == count == out["export_json_len"]
    assert {"externalId", "asset", "task", "batches"} <= set(out["export_first"])
    assert out["tasks_at_label"] == out["tasks_by_status"] == count
    assert out["missing_task"] == f"task '{'f' * 24}' not found"
