"""Assets added and removed through the SDK: ``upload_files_cloud`` / ``upload_files`` / ``delete_assets``,
and the presigned URLs (``getUploadUrl``, ``getSignedUrl``) behind local uploads, brushes and exports.

A file uploaded to this host's object store becomes an asset whose URL is signed for
:data:`ASSET_URL_TTL` (like a private bucket's presigned URL), so a plugin can GET it
without a key while another organization cannot guess its way to it. New assets get
their tasks from the store (a trigger of :mod:`mockango.records.tasks`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from ..errors import Forbidden, InvalidRequest
from ..events import ProjectChanged
from ..ids import new_object_id
from ..models import User
from ..records import accounts
from ..records import projects as project_rows
from ..records import uploads as upload_rows
from ..records.accounts import Accounts
from ..store import Store
from ..store.objects import OBJECT_PREFIX, SIGNED_URL_TTL, UPLOAD_URL_TTL, ObjectStore
from . import batches as batch_rules
from .context import Context

ASSET_URL_TTL = 30 * 24 * 3600.0
MAX_ASSETS_PER_CALL = 10_000


URL_SECRET_SETTING = "objectUrlSecret"


def keep_url_secret(store: Store, objects: ObjectStore) -> None:
    """Use the URL-signing secret the store keeps (so URLs given out survive a restart of
    ``mockango serve``), or keep this one there when it has none. In memory there is no
    restart to survive, and nothing to do (a reset stays a plain copy)."""
    if store.memory:
        return
    stored = Accounts(store).setting(URL_SECRET_SETTING)
    if stored:
        objects.secret = bytes.fromhex(stored)
    else:
        with store.write() as db:
            accounts.set_setting(db, URL_SECRET_SETTING, objects.secret.hex())


class Uploads:
    """Assets an SDK call adds or deletes, and the presigned URLs of the object store, for one host."""

    def __init__(self, context: Context) -> None:
        self._context = context
        self._objects = context.objects

    # ------------------------------------------------------------ presigned URLs

    def upload_url(self, user: User, name: Any, project_id: Any, file_type: Any) -> str:
        project = self._context.scope(user).project(project_id)
        key = self._objects.key_for(user.organization_id, project.id, file_type, name)
        return self._objects.url(self._context.base_url, key, "PUT", UPLOAD_URL_TTL)

    def signed_url(self, user: User, name: Any, project_id: Any, file_type: Any) -> str:
        """A GET URL for a file of the caller's organization, named by any URL of it (the upload URL too)."""
        self._context.scope(user).project(project_id)
        key = self._objects.key_of_url(name, "name")
        self._check_owner(user, key, "name")
        return self._objects.url(self._context.base_url, key, "GET", SIGNED_URL_TTL)

    @staticmethod
    def _check_owner(user: User, key: str, where: str) -> None:
        if key.split("/", 1)[0] != user.organization_id:
            raise Forbidden(f"{where}: that file belongs to another organization")

    # ------------------------------------------------------------------- assets

    def _own_file_path(self, user: User, url: str, where: str) -> str | None:
        """For a URL of this host's object store: a path signed for a long time; else None."""
        parts = urlsplit(url)
        if parts.netloc != urlsplit(self._context.base_url).netloc or not parts.path.startswith(OBJECT_PREFIX):
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
        project = self._context.scope(user).project(project_id)
        common = batch_rules.resolve(project, batches, "batches") if batches is not None else []
        prepared: list[dict[str, Any]] = []
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
                with self._context.store.read() as db:
                    self._context.scope(user).storage(db, raw["storage"])
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
        ids: list[str] = [a["_id"] for a in prepared]
        with self._context.store.write() as db:
            project_rows.add_assets(db, project.id, prepared)
            if session_id is not None:
                upload_rows.made_by_run(db, session_id, ids)
            if priority:
                upload_rows.prioritize(db, ids, priority)
        self._context.notifier.publish(ProjectChanged(project.id))
        with self._context.store.read() as db:
            found = {
                r["id"]: project_rows.asset_dict(r, self._context.base_url) for r in upload_rows.assets_by_id(db, ids)
            }
        return [found[i] for i in ids]

    def created_by(self, session_id: str) -> list[str]:
        """Ids of the assets a run created (through its run key), in creation order."""
        with self._context.store.read() as db:
            return upload_rows.created_by(db, session_id)

    def delete_assets(self, user: User, project_id: Any, asset_ids: Any) -> int:
        """Delete assets with their tasks and issues; the others keep their positions (gaps are counted in
        :mod:`.records.asset_order`, so no later asset is renumbered)."""
        if not isinstance(asset_ids, list) or not asset_ids or not all(isinstance(a, str) for a in asset_ids):
            raise InvalidRequest("assets must be a non-empty list of asset ids")
        project = self._context.scope(user).project(project_id)
        with self._context.store.write() as db:
            rows = upload_rows.of_project(db, project.id, asset_ids)
            found = {r["id"] for r in rows}
            for index, asset_id in enumerate(asset_ids):
                if asset_id not in found:
                    raise InvalidRequest(f"assets[{index}]: no asset '{asset_id}' in this project")
            upload_rows.delete_assets(db, project.id, rows)
        self._context.notifier.publish(ProjectChanged(project.id))
        return len(rows)
