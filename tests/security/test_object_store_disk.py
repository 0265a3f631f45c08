"""Issue 17.1/17.7: uploads on a real disk: a full disk answers 507, and no half-written file is ever left.

The full disk is a real one: `mockango serve` runs in its own user and mount namespace with a
512 KiB tmpfs over its files directory (``unshare``; skipped where the kernel does not allow it).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from mockango import Hub, MockAngo
from mockango.store.objects import INCOMING, ObjectStore
from tests import serving

MOCKANGO = [sys.executable, "-m", "mockango.cli"]


def _namespaces_work(tmp_path: Path) -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = tmp_path / "probe"
    probe.mkdir()
    done = subprocess.run(
        ["unshare", "-rm", "sh", "-c", f"mount -t tmpfs -o size=64k tmpfs {probe}"], capture_output=True, timeout=10
    )
    probe.rmdir()
    return done.returncode == 0


@pytest.fixture
def serve_on_a_small_disk(tmp_path):
    """`mockango serve` whose files directory is a 512 KiB tmpfs; yields (url, api key, project id, pid)."""
    if not _namespaces_work(tmp_path):
        pytest.skip("unshare cannot mount a tmpfs here (user namespaces disabled)")
    files = tmp_path / "files"
    files.mkdir()
    command = ["unshare", "-rm", "sh", "-c", f'mount -t tmpfs -o size=512k tmpfs {files} && exec "$@"', "sh"]
    process, banner = serving.start_serve([*command, *MOCKANGO], tmp_path)
    try:
        yield (
            re.search(r"serving at (\S+)", banner).group(1),
            serving.printed(banner, "API key"),
            serving.printed(banner, "Project"),
            process.pid,
            files,
        )
    finally:
        serving.stop_process(process)


def test_a_put_on_a_full_disk_answers_507_and_leaves_no_partial_file(serve_on_a_small_disk):
    url, key, project, pid, files = serve_on_a_small_disk

    def upload(name: str, size: int) -> requests.Response:
        answer = requests.get(
            f"{url}/v2/getUploadUrl",
            params={"name": name, "project": project, "type": "assets"},
            headers={"apikey": key},
            timeout=10,
        )
        return requests.put(answer.json()["data"]["uploadUrl"], data=b"x" * size, timeout=30)

    full = upload("big.bin", 1024 * 1024)
    assert full.status_code == 507, (full.status_code, full.text[:300])
    assert full.headers["Content-Type"] == "application/json"
    assert "full" in full.json()["message"] and "nothing was stored" in full.json()["message"]
    # What the server sees (its own mount namespace): nothing half-written in its files directory.
    seen = Path(f"/proc/{pid}/root") / str(files).lstrip("/")
    leftovers = [p.name for p in seen.rglob("*") if p.is_file()]
    assert leftovers == [], leftovers
    # And the space is back: a file that fits is stored.
    assert upload("small.bin", 300 * 1024).status_code == 200


def test_half_written_uploads_of_a_killed_process_are_removed_at_start(tmp_path):
    files = tmp_path / "files"
    old = files / "org" / "project" / "brushes"
    old.mkdir(parents=True)
    (old / "mask.png").write_bytes(b"kept")
    (old / ".mask.png.1a2b3c4d.part").write_bytes(b"half")  # how versions before .incoming/ wrote them
    ObjectStore(files)
    (files / INCOMING / "0123456789abcdef.part").write_bytes(b"half")
    store = ObjectStore(files)
    assert sorted(p.name for p in files.rglob("*") if p.is_file()) == ["mask.png"]
    assert store.get("org/project/brushes/mask.png") == b"kept"


def test_an_upload_over_the_limit_leaves_no_partial_file(tmp_path):
    """A chunked body (no Content-Length) is refused while it is read: the bytes written so far go."""
    files = tmp_path / "files"
    with MockAngo(hub=Hub(seed=1, files_dir=files), max_body=256 * 1024) as host:
        answer = requests.get(
            f"{host.url}/v2/getUploadUrl",
            params={"name": "big.bin", "project": host.project_id, "type": "assets"},
            headers={"apikey": host.api_key},
            timeout=10,
        )
        refused = requests.put(answer.json()["data"]["uploadUrl"], data=iter([b"x" * 65536] * 8), timeout=30)
        assert refused.status_code == 413, refused.text[:300]
        assert "256 KiB" in refused.json()["message"]
        assert [p for p in files.rglob("*") if p.is_file()] == []


def test_the_stated_upload_limit_is_the_body_limit():
    with MockAngo(seed=1, max_body=3 * 1024 * 1024) as host:
        assert host.hub.objects.max_bytes == 3 * 1024 * 1024
    assert ObjectStore().max_bytes == 32 * 1024 * 1024
