# A File Explorer plugin for plugin_client. Its "buckets" are folders under BUCKET_ROOT (a stand-in
# for S3 that needs no account): browsing lists a folder a page at a time, uploading copies the chosen
# files (or the whole folder) to the host (getUploadUrl + PUT) and makes them assets. Run:
#   BUCKET_ROOT=/data ANGO_HOST=... PLUGIN_ID=... PLUGIN_SECRET=... python file_explorer_plugin.py
import os
import re
from pathlib import Path

from plugin_client import SDK, FileExplorerPlugin, run

HOST = os.environ.get("ANGO_HOST", "http://127.0.0.1:8080")
PLUGIN_ID = os.environ["PLUGIN_ID"]
PLUGIN_SECRET = os.environ["PLUGIN_SECRET"]
PAGE_SIZE = int(os.environ.get("PAGE_SIZE", "50"))


def bucket_path(data) -> Path:
    root = Path(os.environ.get("BUCKET_ROOT", ".")).resolve()
    path = (root / data["bucket"] / (data.get("folder") or "")).resolve()
    if root not in path.parents and path != root:
        raise ValueError(f"{data['bucket']}/{data.get('folder')} is outside BUCKET_ROOT")
    return path


def explore(data):
    here = bucket_path(data)
    base = bucket_path({"bucket": data["bucket"]})
    entries = sorted(here.iterdir())
    keys = [p.relative_to(base).as_posix() + ("/" if p.is_dir() else "") for p in entries]
    if data.get("upload"):
        chosen = data.get("files") or [k for k in keys if not k.endswith("/")]
        assets = []
        with SDK(data["apiKey"], HOST) as sdk:
            for key in chosen:
                name = re.sub(r"[^A-Za-z0-9._-]", "_", key)
                upload_url = sdk.get_upload_url(name, data["projectId"], "assets")
                sdk.put_file(upload_url, (base / key).read_bytes())
                assets.append({"data": upload_url, "externalId": key})
            sdk.upload_files_cloud(data["projectId"], assets, storage_id=data.get("storageId"))
        data["logger"].info(f"{len(assets)} assets are uploaded")
        return f"{len(assets)} assets are uploaded!"
    start = keys.index(data["scrollToken"]) + 1 if data.get("scrollToken") in keys else 0
    page = keys[start : start + PAGE_SIZE]
    more = start + PAGE_SIZE < len(keys)
    return {
        "folders": [k for k in page if k.endswith("/")],
        "files": [k for k in page if not k.endswith("/")],
        "scrollToken": page[-1] if more else None,
        "success": True,
    }


if __name__ == "__main__":
    run(FileExplorerPlugin(PLUGIN_ID, PLUGIN_SECRET, explore, host=HOST), host=HOST)
