"""Assets added and removed through the SDK: ``upload_files_cloud`` / ``upload_files`` / ``delete_assets``,
and the presigned URLs (``getUploadUrl``, ``getSignedUrl``) behind local uploads, brushes and exports.

A file uploaded to this host's object store becomes an asset whose URL is signed for
:data:`ASSET_URL_TTL` (like a private bucket's presigned URL), so a plugin can GET it
without a key while another organization cannot guess its way to it. New assets get
their tasks from the store (a trigger of :mod:`mockango.records.tasks`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ..errors import Forbidden, InvalidRequest
from ..ids import new_object_id
from ..models import User
from ..records import asset_order, cells
from ..records import projects as project_rows
from ..records.tasks import task_id_for
from ..store.objects import OBJECT_PREFIX, SIGNED_URL_TTL, UPLOAD_URL_TTL, ObjectStore
from . import batches as batch_rules

if TYPE_CHECKING:
    from ..hub import Hub

SCHEMA = """
CREATE TABLE IF NOT EXISTS run_uploads (
    session_id TEXT NOT NULL,
    asset_pk INTEGER NOT NULL REFERENCES assets(pk) ON DELETE CASCADE,
    PRIMARY KEY (session_id, asset_pk)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS run_uploads_by_asset ON run_uploads(asset_pk);
"""
EXPORTED = ("run_uploads",)

ASSET_URL_TTL = 30 * 24 * 3600.0
MAX_ASSETS_PER_CALL = 10_000


URL_SECRET_SETTING = "objectUrlSecret"


def keep_url_secret(hub: Hub) -> None:
    """Use the URL-signing secret the store keeps (so URLs given out survive a restart of
    ``mockango serve``), or keep this one there when it has none. In memory there is no
    restart to survive, and nothing to do (a reset stays a plain copy)."""
    from ..records import accounts

    if hub.store.memory:
        return
    stored = hub.accounts.setting(URL_SECRET_SETTING)
    if stored:
        hub.objects.secret = bytes.fromhex(stored)
    else:
        with hub.store.write() as db:
            accounts.set_setting(db, URL_SECRET_SETTING, hub.objects.secret.hex())


class Uploads:
    def __init__(self, hub: Hub) -> None:
        self._hub = hub

    @property
    def _objects(self) -> ObjectStore:
        return self._hub.objects

    # ------------------------------------------------------------ presigned URLs

    def upload_url(self, user: User, name: Any, project_id: Any, file_type: Any) -> str:
        project = self._hub.project_for(user, project_id)
        key = self._objects.key_for(user.organization_id, project.id, file_type, name)
        return self._objects.url(self._hub.base_url, key, "PUT", UPLOAD_URL_TTL)

    def signed_url(self, user: User, name: Any, project_id: Any, file_type: Any) -> str:
        """A GET URL for a file of the caller's organization, named by any URL of it (the upload URL too)."""
        self._hub.project_for(user, project_id)
        key = self._objects.key_of_url(name, "name")
        self._check_owner(user, key, "name")
        return self._objects.url(self._hub.base_url, key, "GET", SIGNED_URL_TTL)

    @staticmethod
    def _check_owner(user: User, key: str, where: str) -> None:
        if key.split("/", 1)[0] != user.organization_id:
            raise Forbidden(f"{where}: that file belongs to another organization")

    # ------------------------------------------------------------------- assets

    def _own_file_path(self, user: User, url: str, where: str) -> str | None:
        """For a URL of this host's object store: a path signed for a long time; else None."""
        parts = urlsplit(url)
        if parts.netloc != urlsplit(self._hub.base_url).netloc or not parts.path.startswith(OBJECT_PREFIX):
            return None
        key = self._objects.key_of_url(url, where)
        self._check_owner(user, key, where)
        if not self._objects.exists(key):
            raise InvalidRequest(f"{where}: nothing was uploaded to {url} (PUT the file to its upload URL first)")
        return self._objects.url("", key, "GET", ASSET_URL_TTL)

    def add_assets(
        self,
        user: User,
        project_id: Any,
        assets: Any,
        *,
        batches: Any = None,
        priority: Any = 0,
        session_id: str | None = None,
    ) -> list[dict]:
        """Create assets (``{data, externalId, metadata?, batches?, storage?, contextData?}``) and their tasks.

        All or nothing: any bad asset refuses the whole call, saying which and why.
        ``session_id`` is the plugin run making the call (its run key), if any: the assets
        remember it (:meth:`created_by` lists a run's assets). A ``data`` that is not an http(s) URL is an
        embedded markdown asset's text, kept as the asset's ``data`` itself: Ango's docs on bulk-importing
        markdown assets ("the data is the Markdown content itself", stored "where the file path would
        normally be"), and the vendor's markdown sample uploads it so.
        """
        if not isinstance(assets, list) or not assets:
            raise InvalidRequest("assets must be a non-empty list of {'data', 'externalId'} objects")
        if len(assets) > MAX_ASSETS_PER_CALL:
            raise InvalidRequest(f"assets: at most {MAX_ASSETS_PER_CALL} per call, got {len(assets)}")
        if isinstance(priority, bool) or not isinstance(priority, int) or abs(priority) > 2**31:
            raise InvalidRequest(f"priority must be a whole number, got {priority!r}")
        project = self._hub.project_for(user, project_id)
        common = batch_rules.resolve(project, batches, "batches") if batches is not None else []
        prepared = []
        for index, raw in enumerate(assets):
            where = f"assets[{index}]"
            if not isinstance(raw, Mapping):
                raise InvalidRequest(f"{where} must be an object with 'data' (a URL)")
            data = raw.get("data")
            if not isinstance(data, str) or not data:
                raise InvalidRequest(f"{where}.data must be a URL or a markdown text, got {data!r}")
            is_url = data.startswith(("http://", "https://"))
            external_id = raw.get("externalId")
            if external_id is None:
                external_id = (urlsplit(data).path.rsplit("/", 1)[-1] or data) if is_url else f"{index:05d}.md"
            if raw.get("storage") is not None:
                self._hub.storages.check(user, raw["storage"])
            metadata = raw.get("metadata") or {}
            own = self._own_file_path(user, data, f"{where}.data") if is_url else None
            own_batches = (
                batch_rules.resolve(project, raw["batches"], f"{where}.batches")
                if raw.get("batches") is not None
                else []
            )
            prepared.append(
                {
                    "_id": new_object_id(),
                    "externalId": external_id,
                    "data": own or data,
                    "hosted": own is not None,
                    "metadata": metadata,
                    "batches": list(dict.fromkeys(common + own_batches)),
                }
            )
        ids = [a["_id"] for a in prepared]
        with self._hub.store.write() as db:
            project_rows.add_assets(db, project.id, prepared)
            if session_id is not None:
                db.execute(
                    "INSERT INTO run_uploads (session_id, asset_pk) SELECT ?, pk FROM assets "
                    "WHERE id IN (SELECT value FROM json_each(?))",
                    (session_id, json.dumps(ids)),
                )
            if priority:
                db.execute(
                    "UPDATE tasks SET priority = ? WHERE id IN (SELECT value FROM json_each(?))",
                    (priority, json.dumps([task_id_for(i) for i in ids])),
                )
        self._hub._notify("project", {"id": project.id})
        with self._hub.store.read() as db:
            found = {
                r["id"]: project_rows.asset_dict(r, self._hub.base_url)
                for r in db.execute(
                    "SELECT * FROM assets WHERE id IN (SELECT value FROM json_each(?))", (json.dumps(ids),)
                )
            }
        return [found[i] for i in ids]

    def created_by(self, session_id: str) -> list[str]:
        """Ids of the assets a run created (through its run key), in creation order."""
        with self._hub.store.read() as db:
            return [
                r[0]
                for r in db.execute(
                    "SELECT a.id FROM run_uploads u JOIN assets a ON a.pk = u.asset_pk "
                    "WHERE u.session_id = ? ORDER BY a.pk",
                    (session_id,),
                )
            ]

    def delete_assets(self, user: User, project_id: Any, asset_ids: Any) -> int:
        """Delete assets with their tasks and issues; the others keep their positions (gaps are counted in
        :mod:`.records.asset_order`, so no later asset is renumbered)."""
        if not isinstance(asset_ids, list) or not asset_ids or not all(isinstance(a, str) for a in asset_ids):
            raise InvalidRequest("assets must be a non-empty list of asset ids")
        project = self._hub.project_for(user, project_id)
        with self._hub.store.write() as db:
            rows = db.execute(
                "SELECT a.id, a.pk, a.position, a.pre_labeled, a.batches, t.stage FROM assets a "
                "JOIN tasks t ON t.asset_pk = a.pk WHERE +a.project_id = ? AND a.id IN (SELECT value FROM json_each(?))",
                (project.id, json.dumps(asset_ids)),
            ).fetchall()
            found = {r["id"] for r in rows}
            for index, asset_id in enumerate(asset_ids):
                if asset_id not in found:
                    raise InvalidRequest(f"assets[{index}]: no asset '{asset_id}' in this project")
            pks = json.dumps([r["pk"] for r in rows])
            # Only the batches the deleted assets are in (a project may have one batch per asset).
            db.execute(
                "UPDATE batches SET asset_count = asset_count - (SELECT count(*) FROM asset_batches m "
                "WHERE m.batch_id = batches.id AND m.asset_pk IN (SELECT value FROM json_each(?1))) "
                "WHERE id IN (SELECT batch_id FROM asset_batches WHERE asset_pk IN "
                "(SELECT value FROM json_each(?1)))",
                (pks,),
            )
            self._hub.tasks.forget(db, pks)
            cells.forget(db, project.id, [(r["position"], r["batches"], r["stage"], r["pre_labeled"]) for r in rows])
            db.execute("DELETE FROM assets WHERE pk IN (SELECT value FROM json_each(?))", (pks,))
            db.execute(
                "UPDATE projects SET asset_count = asset_count - ?, pre_labeled_count = pre_labeled_count - ? "
                "WHERE id = ?",
                (len(rows), sum(r["pre_labeled"] for r in rows), project.id),
            )
            asset_order.count_removed(db, project.id, [r["position"] for r in rows])
        self._hub._notify("project", {"id": project.id})
        return len(rows)
