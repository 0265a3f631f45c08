"""Plugin stages of a workflow: a task that reaches one is sent to the stage's Model plugin, as on Hub.

A ``Plugin`` stage (``{"type": "Plugin", "pluginId": ..., "classMapping"?: {...}, "config"?: ...}``)
names a Model plugin. Whenever a task arrives there (the Hub notifies ``task`` with its
stage), a workflow run of that plugin starts on the task's asset, as the project's
organization's first user; the plugin answers with ``POST /v2/annotate/{taskId}?nextStage=true``,
which moves the task on. When the run cannot start (the plugin is offline, or not a Model
plugin), the task stays and its history says why (action ``plugin-stage-refused``, with
``plugin_stage`` and ``reason``).

Runs start from a thread of their own, so the Hub's lock is not held while the event goes out.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

from .. import workflow
from ..errors import MockangoError

if TYPE_CHECKING:
    from ..hub import Hub

log = logging.getLogger(__name__)


class PluginStages:
    """Watches one Hub's task moves and starts the runs of its Plugin stages."""

    def __init__(self, hub: Hub) -> None:
        self._hub = hub
        self._guard = threading.Lock()
        self._started: dict[str, str] = {}  # task id -> session of its plugin-stage run ("" while it starts)

    def on_change(self, kind: str, payload: dict) -> None:
        """A Hub listener: a ``task`` change whose task now waits at a Plugin stage starts that stage's run."""
        if kind != "task" or not payload.get("task"):
            return
        hub = self._hub
        try:
            task = hub.tasks.get(None, payload["task"])
        except MockangoError:
            return
        stage = workflow.stage_by_id(hub.tasks.stages(task["project"]), task["stage"])
        if stage is None or stage.get("type") != workflow.PLUGIN:
            return
        with self._guard:
            if task["_id"] in self._started:
                running = hub.sessions.get(self._started[task["_id"]], with_logs=False)
                if self._started[task["_id"]] == "" or (running is not None and not running.finished):
                    return  # its run is starting or running: a second notification starts nothing
            self._started[task["_id"]] = ""
        threading.Thread(
            target=self._start, args=(task, dict(stage)), daemon=True, name=f"mockango plugin stage {task['_id']}"
        ).start()

    def _start(self, task: dict, stage: dict[str, Any]) -> None:
        hub = self._hub
        project = hub.projects.get(task["project"])
        with hub.store.read() as db:
            row = db.execute(
                "SELECT id FROM users WHERE organization_id = ? ORDER BY rowid LIMIT 1", (project.organization_id,)
            ).fetchone()
        user = hub.get_user(row[0]) if row else None
        if user is None:
            return
        try:
            plugin = hub.plugin_for(user.organization_id, stage.get("pluginId"))
            if plugin.type != "model":
                raise MockangoError(
                    f"plugin '{plugin.name}' is a {plugin.type} plugin; a Plugin stage runs Model plugins"
                )
            session = hub.start_run(
                user,
                plugin.id,
                project.id,
                asset=task["asset"],
                task=task["_id"],
                workflow=True,
                class_mapping=stage.get("classMapping"),
                config=stage.get("config"),
            )
        except MockangoError as error:
            with self._guard:
                self._started.pop(task["_id"], None)
            hub.tasks.note(task["_id"], "plugin-stage-refused", plugin_stage=stage.get("id"), reason=error.message)
            log.warning(
                "task %s reached plugin stage %s, but no run started: %s", task["_id"], stage.get("id"), error.message
            )
            return
        with self._guard:
            self._started[task["_id"]] = session.id
