"""Plugin stages of a workflow: a task that reaches one is sent to the stage's Model plugin, as on Hub.

A ``Plugin`` stage (``{"type": "Plugin", "pluginId": ..., "classMapping"?: {...}, "config"?: ...}``)
names a Model plugin. Whenever a task arrives there (the Hub notifies ``task`` with its
stage), a workflow run of that plugin starts on the task's asset, as the project's
organization's first user; the plugin answers with ``POST /v2/annotate/{taskId}?nextStage=true``,
which moves the task on. When the run cannot start (the plugin is offline, or not a Model
plugin), the task stays and its history says why (action ``plugin-stage-refused``).

Runs start from a thread of their own, so the Hub's lock is not held while the event goes out.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

from . import workflow
from .errors import MockangoError

if TYPE_CHECKING:
    from .hub import Hub

log = logging.getLogger("mockango.plugin_stages")


class PluginStages:
    """Watches one Hub's task moves and starts the runs of its Plugin stages."""

    def __init__(self, hub: Hub) -> None:
        self._hub = hub
        self._started: dict[str, str] = {}  # task id -> session of its current plugin-stage run

    def on_change(self, kind: str, payload: dict) -> None:
        """A Hub listener (called with the Hub's lock held)."""
        if kind != "task":
            return
        hub = self._hub
        task = hub.tasks.tasks.get(payload.get("task"))
        if task is None:
            return
        stage = workflow.stage_by_id(hub.tasks.stages(task.project_id), task.stage)
        if stage is None or stage.get("type") != workflow.PLUGIN:
            return
        if task.id in self._started:
            running = hub.sessions.get(self._started[task.id])
            if self._started[task.id] == "" or (running is not None and not running.finished):
                return  # its run is starting or running: a second notification starts nothing
        self._started[task.id] = ""
        threading.Thread(target=self._start, args=(task.id, dict(stage)), daemon=True,
                         name=f"mockango plugin stage {task.id}").start()

    def _start(self, task_id: str, stage: dict[str, Any]) -> None:
        hub = self._hub
        with hub._lock:
            task = hub.tasks.tasks.get(task_id)
            project = hub.projects.get(task.project_id) if task else None
            user = next((u for u in hub.users.values()
                         if project is not None and u.organization_id == project.organization_id), None)
        if task is None or project is None or user is None:
            return
        try:
            plugin = hub.plugin_for(user.organization_id, stage.get("pluginId"))
            if plugin.type != "model":
                raise MockangoError(f"plugin '{plugin.name}' is a {plugin.type} plugin; a Plugin stage runs "
                                    "Model plugins")
            session = hub.start_run(user, plugin.id, project.id, asset=task.asset_id, task=task.id, workflow=True,
                                    class_mapping=stage.get("classMapping"), config=stage.get("config"))
        except MockangoError as error:
            with hub._lock:
                self._started.pop(task_id, None)
                hub.tasks._record(task, "plugin-stage-refused", None, stage=stage.get("id"), reason=error.message)
            log.warning("task %s reached plugin stage %s, but no run started: %s", task_id, stage.get("id"),
                        error.message)
            return
        with hub._lock:
            self._started[task_id] = session.id
