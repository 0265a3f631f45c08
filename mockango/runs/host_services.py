"""What a plugin kind may use of the host (:class:`~mockango.runs.kinds.RunServices`), over its services."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..config import Settings
from ..errors import InvalidRequest, MockangoError, NotFound
from ..models import Project
from ..records.projects import Projects
from ..store.objects import ObjectStore

if TYPE_CHECKING:
    from ..services.tasks import TaskService
    from ..services.uploads import Uploads


class HostServices:
    """Assets, tasks and uploaded files of one host, as the run kinds ask for them."""

    def __init__(
        self, *, projects: Projects, tasks: TaskService, uploads: Uploads, objects: ObjectStore, settings: Settings
    ) -> None:
        self._projects = projects
        self._tasks = tasks
        self._uploads = uploads
        self._objects = objects
        self._settings = settings

    def run_asset(self, project: Project, ref: Any) -> dict:
        if not isinstance(ref, str) or not ref:
            raise InvalidRequest("'asset' must be the id or external id of one asset of the project")
        for key in ("_id", "externalId"):
            found, total = self._projects.find_assets(
                project, self._settings.base_url, page=1, limit=1, filters={key: ref}
            )
            if total == 1:
                return found[0]
            if total > 1:
                raise InvalidRequest(
                    f"external id '{ref}' names {total} assets of project '{project.name}': pass the asset's _id"
                )
        raise NotFound(f"asset '{ref}' is not an asset of project '{project.name}' (give its _id or externalId)")

    def asset(self, project: Project, asset_id: Any) -> dict | None:
        found, _ = self._projects.find_assets(
            project, self._settings.base_url, page=1, limit=1, filters={"_id": asset_id}
        )
        return found[0] if found else None

    def project(self, project_id: str) -> Project | None:
        return self._projects.get(project_id)

    def stages(self, project_id: str) -> list[dict]:
        return self._tasks.stages(project_id)

    @property
    def strict(self) -> bool:
        return self._settings.strict

    def task_of(self, asset_id: str) -> dict:
        return self._tasks.for_asset(asset_id)

    def store_answer(self, asset_id: str, answer: Mapping[str, Any], actor: str) -> dict:
        return self._tasks.store_plugin_answer(asset_id, answer, actor)

    def assets_created_by(self, session_id: str) -> list[str]:
        return self._uploads.created_by(session_id)

    def exported_file(self, url: str, organization_id: str | None = None) -> tuple[str, bytes] | None:
        """Only this host's object store counts, and only the given organization's files when one is given."""
        try:
            key = self._objects.key_of_url(url)
        except MockangoError:
            return None
        if organization_id is not None and key.split("/", 1)[0] != organization_id:
            return None
        try:
            return key.rsplit("/", 1)[-1], self._objects.get(key)
        except MockangoError:
            return None
