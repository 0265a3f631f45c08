"""The run engine: what happens between clicking Run and a session's end.

A run starts (:meth:`RunEngine.start`): everything is checked, a session opens, and the event
goes to one live connection of the plugin. While it runs, the plugin logs (:meth:`record_log`)
and answers (:meth:`record_response`); the answer means what the plugin's kind says it means
(:mod:`.kinds`), and ends the session. A session also ends when its time limit passes (the
clock, or whoever reads it first), when the connection it was sent on closes, when a workflow
run's key submits its task, or when someone ends it from outside (:meth:`finish`). Every
ending is published as :class:`~mockango.events.SessionChanged`; waiters of that session wake.
"""

from __future__ import annotations

import copy
import itertools
import time
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .. import models
from ..errors import AuthenticationError, Conflict, Forbidden, InvalidRequest, MockangoError, NotFound, RunTimeout
from ..events import LateAnswer, LiveChanged, LogAdded, Notifier, SessionChanged, plugin_topic, session_topic
from ..ids import new_object_id, new_secret, same_secret
from ..models import Caller, Plugin, Session, User
from ..records import sessions as session_rows
from ..records.journal import Journal
from ..records.plugins import Plugins
from ..records.projects import Projects
from ..records.sessions import Sessions
from ..records.values import Record, to_json
from ..store import Store
from .clock import SessionClock
from .kinds import Kinds, Outcome, RunServices
from .links import Connections, PluginConnection
from .logs import log_entry
from .options import batch_ids_for, category_schema_for, config_json_for, time_limit_for
from .timeout_reason import timed_out_reason

if TYPE_CHECKING:
    from ..services.tasks import TaskService

DISCONNECTED = "the plugin disconnected before it answered"


class RunEngine:
    """The runs of one host: starting them, their logs and answers, their endings, waiting for them.

    ``run_timeout`` (a run's time limit unless it sets one), ``heartbeat_timeout`` (a connection
    whose last heartbeat is older is not live), ``log_line_limit`` and ``log_count_limit`` (what
    a session keeps of its logs) may be changed while the host runs.
    """

    def __init__(
        self,
        *,
        store: Store,
        notifier: Notifier,
        kinds: Kinds,
        services: RunServices,
        tasks: TaskService,
        journal: Journal,
        run_timeout: float,
        heartbeat_timeout: float,
        log_line_limit: int,
        log_count_limit: int,
    ) -> None:
        self.store = store
        self.notifier = notifier
        self.kinds = kinds
        self.services = services
        self.tasks = tasks
        self.journal = journal
        self.run_timeout = run_timeout
        self.heartbeat_timeout = heartbeat_timeout
        self.log_line_limit = log_line_limit
        self.log_count_limit = log_count_limit
        self.sessions = Sessions(store)
        self.plugins = Plugins(store)
        self.projects = Projects(store)
        self.connections = Connections()
        self.clock = SessionClock(self._expire_by_clock)
        self._turn = itertools.count()

    def clear(self) -> None:
        """Forget the runs in flight and the live connections (the state was replaced)."""
        self.clock.clear()
        self.connections.clear()

    def close(self) -> None:
        self.clock.close()

    # ------------------------------------------------------------ connections

    def authenticate_plugin(self, plugin_id: object, secret: object, connection: PluginConnection) -> Plugin:
        """Bind a connection to a plugin when id and secret match: the plugin is then live."""
        plugin = self.plugins.get(plugin_id)
        # Compare against a dummy secret for unknown ids too, so timing tells nothing.
        expected = plugin.secret if plugin else new_secret()
        if not same_secret(secret, expected) or plugin is None:
            raise AuthenticationError("plugin authentication failed: unknown plugin id or wrong secret")
        if self.connections.bind(plugin.id, connection):
            self.notifier.publish(LiveChanged(plugin.id, live=True))
        else:  # a heartbeat: a connection gone stale is fresh again
            self.notifier.wake(plugin_topic(plugin.id))
        return plugin

    def connection_closed(self, connection_id: str) -> None:
        """A plugin's link dropped: it stops being live there, and its runs in flight fail."""
        plugin_id = self.connections.unbind(connection_id)
        if plugin_id is None:
            return
        for session_id in self.sessions.running_on(connection_id):
            self.finish(session_id, models.FAILED, reason=DISCONNECTED)
        self.notifier.publish(LiveChanged(plugin_id, live=self.is_live(plugin_id)))

    def is_live(self, plugin_id: str) -> bool:
        """Connected, with a heartbeat within :attr:`heartbeat_timeout` (the green light)."""
        return bool(self.connections.fresh(plugin_id, self.heartbeat_timeout))

    def wait_live(self, plugin_id: str, timeout: float) -> bool:
        """Block until the plugin has a live connection; False when ``timeout`` passes first."""
        end = time.monotonic() + timeout
        while True:
            with self.notifier.watch(plugin_topic(plugin_id)) as changed:
                if self.is_live(plugin_id):
                    return True
                remaining = end - time.monotonic()
                if remaining <= 0:
                    return False
                changed.wait(remaining)

    # ------------------------------------------------------------------ start

    def start(
        self,
        user: User,
        plugin_id: str,
        project_id: str,
        *,
        class_mapping: Mapping | None = None,
        config: Any = None,
        batches: Iterable[str] | None = None,
        timeout: float | None = None,
        **options: Any,
    ) -> Session:
        """What clicking Run does: check everything, open a session, send the event to one connection."""
        limit = time_limit_for(timeout, self.run_timeout)
        plugin = self.plugins.get(plugin_id)
        if plugin is None or plugin.organization_id != user.organization_id:
            raise NotFound(f"plugin '{plugin_id}' not found")
        project = self.projects.require(project_id, user.organization_id)
        kind = self.kinds.get(plugin.type)
        option_warnings: list[dict] = []
        given = self.kinds.check_options(
            kind,
            plugin.name,
            {"class_mapping": class_mapping, "batches": batches, **options},
            strict=self.services.strict,
            warnings_out=option_warnings,
        )
        category_schema = category_schema_for(plugin, project, class_mapping)
        config_json = config_json_for(plugin, config)
        batch_ids = batch_ids_for(project, batches)
        type_fields = kind.event_fields(self.services, project, given)
        connections = self.connections.fresh(plugin.id, self.heartbeat_timeout)
        if not connections:
            if self.connections.count(plugin.id):
                raise Conflict(
                    f"plugin '{plugin.name}' ({plugin.id}) is not live: it is connected but sent no "
                    f"heartbeat for {self.heartbeat_timeout:g} s; is its process stuck?"
                )
            raise Conflict(f"plugin '{plugin.name}' ({plugin.id}) is not live: start its process first")
        session_id = new_object_id()
        run_key = new_secret()
        event = {
            "projectId": project.id,
            "categorySchema": category_schema,
            "apiKey": run_key,
            "orgId": user.organization_id,
            "runBy": user.id,
            "session": session_id,
            "batches": batch_ids,
            "tags": list(batch_ids),  # 1.1.x clients read the batches from here
            "configJSON": config_json,
            **type_fields,
        }
        connection = connections[next(self._turn) % len(connections)]
        session = Session(
            id=session_id,
            plugin_id=plugin.id,
            project_id=project.id,
            organization_id=user.organization_id,
            run_by=user.id,
            event=event,
            deadline=time.monotonic() + limit,
            time_limit=limit,
            connection_id=connection.id,
            plugin_type=kind.name,
        )
        with self.store.write() as db:
            session_rows.insert_session(db, session, run_key)
        self.log_lenient(session.id, "the run's options", option_warnings)
        self.clock.add(session.id, session.deadline)
        self.notifier.publish(SessionChanged(session.id, session.status))
        try:
            connection.send_run(copy.deepcopy(event))
        except Exception as exc:
            self.finish(session.id, models.FAILED, reason=f"the run event could not be delivered: {exc}")
            return self.get(session.id)
        return session

    # --------------------------------------------------------- logs, answers

    def _speaker(self, db: Any, connection_id: str | None, payload: Any, caller: Caller | None) -> Record:
        """The session a plugin's payload is about, if this caller may speak for it.

        Over Socket.IO, the connection must be the plugin that runs the session. Over REST
        (``caller``), a run's key may speak only for its own session, a user's key only for
        sessions that user started.
        """
        if not isinstance(payload, Mapping):
            raise InvalidRequest("the payload must be an object with a 'session' id")
        session_id = payload.get("session")
        row = session_rows.speaker_row(db, session_id) if isinstance(session_id, str) else None
        user = caller.user if caller is not None else None
        if row is None or (user is not None and user.organization_id != row["organization_id"]):
            raise NotFound(f"session '{session_id}' not found")
        if connection_id is not None and self.connections.plugin_of_connection(connection_id) != row["plugin_id"]:
            raise AuthenticationError("this connection is not the plugin that runs that session")
        if caller is not None:
            caller_session = caller.run_session
            if caller_session is not None and caller_session != row["id"]:
                raise Forbidden(
                    f"this run's API key belongs to session '{caller_session}': it may log to and "
                    f"answer only that session, not '{row['id']}'"
                )
            if caller_session is None and caller.user.id != row["run_by"]:
                raise Forbidden(
                    f"session '{row['id']}' was started by another user: a user's API key may log to "
                    "and answer only the sessions that user started"
                )
        return row

    def session_for_key(self, api_key: object) -> str | None:
        """The session whose run event carried this key, if it was a run key."""
        if not isinstance(api_key, str) or not api_key:
            return None
        run = self.sessions.by_key(api_key)
        return run[1] if run else None

    def record_log(self, payload: Any, *, connection_id: str | None = None, caller: Caller | None = None) -> None:
        """A ``log`` event (or a ``POST /v2/pluginLog``): keep it on its session, in order.

        Beyond :attr:`log_count_limit` lines a session keeps counting what it drops; a message
        longer than :attr:`log_line_limit` is cut, and says so.
        """
        level = str(payload.get("level", "INFO")).upper() if isinstance(payload, Mapping) else "INFO"
        entry = log_entry(payload, level, self.log_line_limit) if isinstance(payload, Mapping) else None
        with self.store.write() as db:
            row = self._speaker(db, connection_id, payload, caller)
            if row["status"] != models.RUNNING:  # kept, marked late: it shows what the plugin did after all
                entry = {**(entry or {}), "late": True}
            if row["log_count"] >= self.log_count_limit:
                session_rows.drop_log(db, row["id"])
                return
            session_rows.add_log(db, row["id"], row["log_count"], to_json(entry, "the log entry"))
        self.notifier.publish(LogAdded(row["id"], entry))

    def host_log(self, session_id: str, level: str, msg: str, **fields: Any) -> None:
        """A log line the host itself adds to a session (``"source": "mockango"``), in order with the plugin's."""
        entry = {**fields, "level": level, "msg": msg, "source": "mockango", "time": models.iso_time(time.time())}
        with self.store.write() as db:
            row = session_rows.speaker_row(db, session_id)
            if row is None or row["log_count"] >= self.log_count_limit:
                return
            session_rows.add_log(db, row["id"], row["log_count"], to_json(entry, "the log entry"))
        self.notifier.publish(LogAdded(session_id, entry))

    def log_lenient(self, session_id: str | None, what: str, warnings: Iterable[Mapping]) -> None:
        """Put on a run's log a WARNING for each rule of unknown evidence that was accepted (strict mode refuses it)."""
        from ..validation.evidence import RULES

        if session_id is None:
            return
        for warning in warnings:
            code = warning.get("code")
            if code in RULES and not RULES[code].refuses:
                self.host_log(
                    session_id,
                    "WARNING",
                    f"mockango accepted {what} although {warning.get('path')}: [{code}] {warning.get('message')} "
                    "(what the real host does here is unknown; strict mode refuses it)",
                    code=code,
                    path=warning.get("path"),
                )

    def record_response(
        self, payload: Any, *, connection_id: str | None = None, caller: Caller | None = None
    ) -> Session:
        """A ``response``: the run succeeded with its message, or failed when it says ``error``.

        A response to a session that has ended (or whose time limit has passed) is kept as a
        late answer. Over REST, the same rule as :meth:`record_log` decides who may answer a session.
        """
        with self.store.read() as db:
            row = self._speaker(db, connection_id, payload, caller)
        outcome = None
        if row["status"] == models.RUNNING and time.time() < row["deadline_at"]:
            error = payload.get("error")
            if error:
                reason = error if isinstance(error, str) else "the plugin reported an error"
                outcome = Outcome(False, message=payload.get("response"), reason=reason)
            else:
                # What the answer means for the plugin's kind (a Model answer is validated and stored here),
                # outside the transaction that ends the session: storing it takes transactions of its own.
                outcome = self._read_answer(self.sessions.get(row["id"], with_logs=False), payload)
        if (
            outcome is not None
            and time.time() < row["deadline_at"]
            and self.finish(
                row["id"],
                models.SUCCEEDED if outcome.ok else models.FAILED,
                message=outcome.message,
                reason=outcome.reason,
                result=outcome.result,
                errors=outcome.errors,
            )
        ):
            return self.get(row["id"])
        session = self.sessions.get(row["id"], with_logs=False)
        if session is not None:
            self.expire(session)
        late = {**dict(payload), "time": models.iso_time(time.time())}
        with self.store.write() as db:
            session_rows.add_late_answer(db, row["id"], to_json(late, "the response"))
        self.notifier.publish(LateAnswer(row["id"]))
        return self.get(row["id"])

    def _read_answer(self, session: Session | None, payload: Mapping) -> Outcome | None:
        if session is None:
            return None
        kind = self.kinds.get(session.plugin_type)
        if payload.get("export") is True and not kind.exports:
            return Outcome(
                False,
                message=payload.get("response"),
                reason=(
                    f"the plugin answered as an Export plugin does ({{export: true}}), but it is registered as a "
                    f"{kind.title} plugin: create it with type 'export', or run its process with the "
                    f"{kind.title} plugin class"
                ),
            )
        outcome = kind.read_answer(self.services, session, payload)
        if outcome.warnings:
            self.log_lenient(session.id, f"the {kind.title} plugin's answer", outcome.warnings)
        return outcome

    # -------------------------------------------------------------- endings

    def finish(
        self,
        session_id: str,
        status: str,
        *,
        message: Any = None,
        reason: str | None = None,
        result: Any = None,
        errors: list | None = None,
    ) -> bool:
        """End a running session with ``status`` (any final status, from any cause); False when it had
        ended already: the first ending wins. Its waiters wake and its timer is dropped."""
        if status not in models.FINAL_STATUSES:
            raise InvalidRequest(f"a session ends as one of {list(models.FINAL_STATUSES)}, not {status!r}")
        with self.store.write() as db:
            changed = session_rows.finish(
                db, session_id, status, message=message, reason=reason, result=result, errors=errors
            )
        if changed:
            self.clock.forget(session_id)
            self.notifier.publish(SessionChanged(session_id, status))
        return changed

    def cancel(self, user: User, session_id: str) -> Session:
        """Stop a running session of the user's organization: it ends ``cancelled`` at once, saying who.

        The plugin is not told: Ango's clients listen for no such event (1.1.6, 1.3.22 and 1.4.10
        handle only connect, disconnect and ``plugin`` on the socket, and serve only ``/plugin`` and
        ``/heartbeat`` over REST), so what it sends for the session afterwards is kept, marked late
        (as after any other ending). A session that has ended already is a :class:`Conflict`.
        """
        session = self.get(session_id, organization_id=user.organization_id)
        if session.finished or not self.finish(session.id, models.CANCELLED, reason=f"cancelled by {user.email}"):
            ended = self.get(session_id)
            raise Conflict(
                f"session '{session_id}' has ended ({ended.status}): only a running session can be cancelled"
            )
        return self.get(session_id)

    def annotate(
        self,
        user: User,
        task_id: Any,
        body: Any,
        *,
        next_stage: bool = False,
        is_plugin: bool = False,
        run_session: str | None = None,
        warnings_out: list[dict] | None = None,
    ) -> dict:
        """``POST /v2/annotate/{taskId}``: submit a task's answer. When the caller's key is a run's whose kind
        answers by submitting its task (a Model run in workflow mode), the run ends with it: succeeded with
        the task, or failed with every error of the refused call. ``run_session``: the run whose key calls."""
        session_id = run_session
        warnings: list[dict] = []
        try:
            task = self.tasks.annotate(
                user, task_id, body, next_stage=next_stage, is_plugin=is_plugin, warnings_out=warnings
            )
        except MockangoError as error:
            self.annotate_refused(session_id, task_id, error)
            raise
        self.log_lenient(session_id, f"POST /v2/annotate/{task_id}", warnings)
        self.annotated(session_id, task)
        if warnings_out is not None:
            warnings_out.extend(warnings)
        return task

    def annotated(self, session_id: str | None, task: Mapping[str, Any]) -> None:
        """A run's key submitted a task (``POST /v2/annotate``): a run whose kind answers that way ends with it."""
        session = self._answering(session_id, task.get("_id"))
        if session is None:
            return
        shown = task.get("answer") or {}
        answer = {
            "objects": shown.get("tools", []),
            "classifications": shown.get("classifications", []),
            "relations": shown.get("relations", []),
        }
        self.finish(
            session.id,
            models.SUCCEEDED,
            message=f"task {task.get('_id')} submitted to stage {task.get('stage')}",
            result={
                "assetId": task.get("asset"),
                "taskId": task.get("_id"),
                "answer": answer,
                "stage": task.get("stage"),
            },
        )

    def annotate_refused(self, session_id: str | None, task_id: str, error: MockangoError) -> None:
        """The run key's annotate call was refused: a run that answers that way fails with every error of it."""
        session = self._answering(session_id, task_id)
        if session is None:
            return
        details = error.details
        self.finish(
            session.id,
            models.FAILED,
            errors=list(details) if isinstance(details, list) else None,
            reason=f"the plugin's POST /v2/annotate/{task_id} was refused: {error.message}",
        )

    def _answering(self, session_id: str | None, task_id: Any) -> Session | None:
        session = self.sessions.get(session_id, with_logs=False) if session_id else None
        if session is None or session.finished:
            return None
        return session if self.kinds.get(session.plugin_type).ended_by_annotate(session, task_id) else None

    def _timeout_reason(self, session: Session) -> str:
        """What the host knows about a run that timed out (see :mod:`.timeout_reason`)."""
        connected = self.connections.plugin_of_connection(session.connection_id) is not None
        agents = sorted({entry.get("agent") or "no User-Agent" for entry in self.journal.entries(session.id)})
        return timed_out_reason(
            session.time_limit, connected=connected, agents=agents, last_log=self.sessions.last_log(session.id)
        )

    def expire(self, session: Session, **reading: Any) -> Session:
        """End a running session past its deadline (the clock does it too; reads must not wait for it).

        ``reading``: how to read it again once ended (``with_logs``, ``logs_from`` of :meth:`Sessions.get`).
        """
        if session.status == models.RUNNING and time.monotonic() >= session.deadline:
            self.finish(session.id, models.TIMED_OUT, reason=self._timeout_reason(session))
            return self.sessions.get(session.id, **reading) or session
        return session

    def _expire_by_clock(self, session_id: str) -> None:
        session = self.sessions.get(session_id, with_logs=False)
        if session is not None:
            self.expire(session)

    # --------------------------------------------------------------- reading

    def get(self, session_id: str, *, organization_id: str | None = None, logs_from: int = 0) -> Session:
        """One session; ``logs_from``: only its log lines from that index on (0: all), read by an index range."""
        session = self.sessions.get(session_id, logs_from=logs_from)
        if session is None or (organization_id and session.organization_id != organization_id):
            raise NotFound(f"session '{session_id}' not found")
        return self.expire(session, logs_from=logs_from)

    def page(
        self,
        organization_id: str,
        *,
        plugin_id: str | None = None,
        status: str | None = None,
        page: int = 1,
        limit: int = 50,
        with_logs: bool = True,
        newest_first: bool = True,
    ) -> tuple[list[Session], int]:
        """One page of an organization's sessions and how many match: O(limit + log n), on any page."""
        if status is not None and status not in (models.RUNNING, *models.FINAL_STATUSES):
            raise InvalidRequest(
                f"'status' must be one of running, {', '.join(sorted(models.FINAL_STATUSES))}, got {status!r}"
            )
        found, total = self.sessions.page(
            organization_id,
            plugin_id=plugin_id,
            status=status,
            page=page,
            limit=limit,
            with_logs=with_logs,
            newest_first=newest_first,
        )
        return [self.expire(session) for session in found], total

    def wait(self, session_id: str, timeout: float | None = None, *, logs_from: int = 0) -> Session:
        """Block until the session ends (succeeded, failed, timed out or cancelled); return it (its log lines from
        ``logs_from`` on). While it waits it reads only the session's row, however much it logs, and
        wakes only when this session changes."""
        end = None if timeout is None else time.monotonic() + timeout
        while True:
            with self.notifier.watch(session_topic(session_id)) as changed:  # before the look: no end is missed
                session = self.sessions.get(session_id, with_logs=False)
                if session is None:
                    raise NotFound(f"session '{session_id}' not found")
                if self.expire(session, with_logs=False).finished:
                    return self.get(session_id, logs_from=logs_from)
                remaining = session.deadline - time.monotonic()
                if end is not None:
                    remaining = min(remaining, end - time.monotonic())
                    if end - time.monotonic() <= 0:
                        raise RunTimeout(f"session '{session_id}' is still running after {timeout:g} s")
                if remaining > 0:
                    changed.wait(remaining)
