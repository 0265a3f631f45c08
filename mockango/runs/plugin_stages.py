"""Plugin stages of a workflow: a task that reaches one is sent to the stage's plugin, as on Hub.

A ``Plugin`` stage (``{"type": "Plugin", "pluginId": ..., "classMapping"?: {...}, "config"?: ...}``)
names a plugin whose kind runs at Plugin stages (Model, in workflow mode). Whenever a task
arrives there (a :class:`~mockango.events.TaskChanged` with the task), a run of that plugin
starts on the task, as the project's organization's first user; the plugin answers with
``POST /v2/annotate/{taskId}?nextStage=true``, which moves the task on. When the run cannot
start (the plugin is offline, or of a kind that does not run there), the task stays and its
history says why (action ``plugin-stage-refused``, with ``plugin_stage`` and ``reason``).

Runs start from a thread of their own, so no lock is held while the event goes out.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

from .. import workflow
from ..errors import MockangoError, NotFound
from ..events import Event, TaskChanged
from ..records.accounts import Accounts

if TYPE_CHECKING:
    from ..services.tasks import TaskService
    from .engine import RunEngine

log = logging.getLogger(__name__)


class PluginStages:
    """Watches one host's task moves and starts the runs of its Plugin stages."""

    def __init__(self, engine: RunEngine, tasks: TaskService, accounts: Accounts) -> None:
        self._engine = engine
        self._tasks = tasks
        self._accounts = accounts
        self._guard = threading.Lock()
        self._started: dict[str, str] = {}  # task id -> session of its plugin-stage run ("" while it starts)

    def on_change(self, event: Event) -> None:
        """A listener: a task that now waits at a Plugin stage starts that stage's run."""
        if not isinstance(event, TaskChanged) or not event.task:
            return
        try:
            task = self._tasks.get(None, event.task)
        except MockangoError:
            return
        stage = workflow.stage_by_id(self._tasks.stages(task["project"]), task["stage"])
        if stage is None or stage.get("type") != workflow.PLUGIN:
            return
        with self._guard:
            if task["_id"] in self._started:
                running = self._engine.sessions.get(self._started[task["_id"]], with_logs=False)
                if self._started[task["_id"]] == "" or (running is not None and not running.finished):
                    return  # its run is starting or running: a second notification starts nothing
            self._started[task["_id"]] = ""
        threading.Thread(
            target=self._start, args=(task, dict(stage)), daemon=True, name=f"mockango plugin stage {task['_id']}"
        ).start()

    def _start(self, task: dict, stage: dict[str, Any]) -> None:
        project = self._engine.projects.get(task["project"])
        user = self._accounts.first_user(project.organization_id) if project is not None else None
        if project is None or user is None:
            return
        try:
            plugin = self._engine.plugins.get(stage.get("pluginId"))
            if plugin is None or plugin.organization_id != user.organization_id:
                raise NotFound(f"plugin '{stage.get('pluginId')}' not found")
            kind = self._engine.kinds.get(plugin.type)
            try:
                options = kind.plugin_stage_options(task)
            except MockangoError as refused:
                raise MockangoError(f"plugin '{plugin.name}': {refused.message}") from None
            session = self._engine.start(
                user,
                plugin.id,
                project.id,
                class_mapping=stage.get("classMapping"),
                config=stage.get("config"),
                **options,
            )
        except MockangoError as error:
            with self._guard:
                self._started.pop(task["_id"], None)
            self._tasks.note(task["_id"], "plugin-stage-refused", plugin_stage=stage.get("id"), reason=error.message)
            log.warning(
                "task %s reached plugin stage %s, but no run started: %s", task["_id"], stage.get("id"), error.message
            )
            return
        with self._guard:
            self._started[task["_id"]] = session.id
