"""What one run did, as a test sees it: :class:`RunResult` and its assertions, :class:`RestCall`."""

from __future__ import annotations

import difflib
import fnmatch
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

from .. import models
from ..models import Session

SHOWN_LOGS = 20
"""How many log entries and REST calls a failure message shows (the last ones)."""


@dataclass(frozen=True)
class RestCall:
    """One HTTP call the host answered, from the host's request journal."""

    method: str
    path: str
    query: str
    status: int
    session: str | None
    time: float

    @classmethod
    def from_entry(cls, entry: Mapping) -> RestCall:
        return cls(
            method=entry["method"],
            path=entry["path"],
            query=entry.get("query", ""),
            status=entry["status"],
            session=entry.get("session"),
            time=entry["time"],
        )

    @property
    def target(self) -> str:
        """``path?query`` as sent."""
        return f"{self.path}?{self.query}" if self.query else self.path

    def matches(self, method: str | None = None, path: str | None = None, status: int | None = None) -> bool:
        """True when each given part matches; ``path`` may use ``*`` wildcards (fnmatch)."""
        return (
            (method is None or self.method == method.upper())
            and (path is None or fnmatch.fnmatchcase(self.path, path))
            and (status is None or self.status == status)
        )

    def __str__(self) -> str:
        return f"{self.method} {self.target} -> {self.status}"


def _dump(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, default=repr, ensure_ascii=False)


def diff(expected: Any, actual: Any) -> str:
    """A unified diff of two JSON-like values (``-`` expected, ``+`` actual)."""
    lines = difflib.unified_diff(
        _dump(expected).splitlines(), _dump(actual).splitlines(), fromfile="expected", tofile="actual", lineterm=""
    )
    return "\n".join(lines)


def _indent(text: str, prefix: str = "    ") -> str:
    return "\n".join(prefix + line for line in str(text).splitlines()) or prefix.rstrip()


class RunResult:
    """What one run did: the session's outcome, the event it got, its logs, REST calls and labels.

    Everything is a snapshot taken when the run ended.
    """

    def __init__(
        self,
        session: Session,
        *,
        plugin_name: str,
        labels: dict[str, Any],
        asset_ids: Iterable[str],
        calls: list[RestCall],
        exported: tuple[str, bytes] | None = None,
        created_assets: list[dict] | None = None,
    ) -> None:
        self.session = session
        self.plugin_name = plugin_name
        self.labels: dict[str, Any] = labels
        """The label items this run imported, by asset external id (the project's stored pre-labels)."""
        self.asset_ids = list(asset_ids)
        """Every external id of the run's project."""
        self.calls: list[RestCall] = calls
        """The REST calls the plugin made with the run's API key, in order."""
        self._exported = exported
        self.created_assets: list[dict] = list(created_assets or [])
        """Assets the run created (Markdown, File Explorer upload), as the host lists them."""

    # ------------------------------------------------------------- the outcome

    @property
    def id(self) -> str:
        return self.session.id

    @property
    def status(self) -> str:
        """``succeeded``, ``failed`` or ``timed_out``."""
        return self.session.status

    @property
    def succeeded(self) -> bool:
        return self.session.status == models.SUCCEEDED

    @property
    def plugin_type(self) -> str:
        return self.session.plugin_type

    @property
    def result(self) -> Any:
        """What the answer meant for the plugin's type (``session.result``): see the properties below."""
        return self.session.result

    @property
    def errors(self) -> list[dict]:
        """Every error of a refused answer (``path``, ``code``, ``message``)."""
        return self.session.errors

    @property
    def answer(self) -> dict | None:
        """A Model run's stored answer (objects, classifications, relations), or None."""
        result = self.session.result
        return result.get("answer") if self.plugin_type == "model" and isinstance(result, dict) else None

    @property
    def exported_file_name(self) -> str | None:
        return self._exported[0] if self._exported else None

    @property
    def exported_bytes(self) -> bytes | None:
        """The file an Export run uploaded, as the host keeps it, or None."""
        return self._exported[1] if self._exported else None

    @property
    def listing(self) -> dict | None:
        """A File Explorer run's answer: ``{"folders", "files", "scrollToken"}``, or None."""
        result = self.session.result
        if self.plugin_type == "file-explorer" and isinstance(result, dict) and "files" in result:
            return {key: result[key] for key in ("folders", "files", "scrollToken")}
        return None

    @property
    def message(self) -> Any:
        """What the callback returned (shown to the user on the host)."""
        return self.session.message

    @property
    def reason(self) -> str | None:
        """Why the run failed or timed out, in the host's words."""
        return self.session.reason

    @property
    def duration(self) -> float | None:
        if self.session.ended_at is None:
            return None
        return self.session.ended_at - self.session.started_at

    @property
    def logs(self) -> list[dict]:
        """The session's log entries (``level``, ``msg``, ``time``, ...) in order."""
        return self.session.logs

    @property
    def log_messages(self) -> list[str]:
        return [str(entry.get("msg")) for entry in self.session.logs]

    @property
    def imports(self) -> list[dict]:
        """One report per accepted label import of this run (counts and warnings)."""
        return self.session.imports

    # --------------------------------------------------------------- the event

    @property
    def event(self) -> dict:
        """The exact ``plugin`` event the host sent (``categorySchema``, ``configJSON``, ``apiKey``, ...)."""
        return self.session.event

    @property
    def category_schema(self) -> list[dict] | None:
        return self.session.event.get("categorySchema")

    @property
    def config_json(self) -> str | None:
        return self.session.event.get("configJSON")

    @property
    def config(self) -> Any:
        """``configJSON`` parsed."""
        return json.loads(self.config_json) if self.config_json else None

    # -------------------------------------------------------------- assertions

    def describe(self) -> str:
        """A few lines on the run: status, reason, message, calls and the last logs."""
        lines = [f"run {self.id} of plugin '{self.plugin_name}': {self.status}"]
        if self.reason:
            lines.append(f"  reason: {self.reason}")
        lines.append(f"  message: {self.message!r}")
        if self.errors:
            lines.append(f"  errors ({len(self.errors)}):")
            lines += [f"    {e['path']}: {e['message']}" for e in self.errors[:SHOWN_LOGS]]
        if self.calls:
            lines.append(f"  REST calls ({len(self.calls)}):")
            lines += [f"    {call}" for call in self.calls[-SHOWN_LOGS:]]
        shown = self.logs[-SHOWN_LOGS:]
        more = f", last {len(shown)}" if len(shown) < len(self.logs) else ""
        lines.append(f"  logs ({len(self.logs)}{more}):" if self.logs else "  logs: none")
        for entry in shown:
            text = str(entry.get("msg"))
            first, *rest = text.splitlines() or [""]
            lines.append(f"    {entry.get('level', ''):<8} {first}")
            lines += [f"             {line}" for line in rest]
        return "\n".join(lines)

    def _fail(self, headline: str, detail: str = "") -> NoReturn:
        __tracebackhide__ = True  # pytest shows the test's line, not this helper
        text = headline + ("\n" + detail if detail else "") + "\n" + self.describe()
        raise AssertionError(text)

    def assert_succeeded(self) -> RunResult:
        """The run ended with a response and no error."""
        __tracebackhide__ = True
        if not self.succeeded:
            self._fail(f"expected the run to succeed, but it {_said(self.status)}")
        return self

    def assert_failed(self, reason: str | None = None) -> RunResult:
        """The run failed (the plugin answered with an error or disconnected); ``reason`` is a substring."""
        __tracebackhide__ = True
        if self.status != models.FAILED:
            self._fail(f"expected the run to fail, but it {_said(self.status)}")
        if reason is not None and reason not in (self.reason or ""):
            self._fail(f"the run failed, but its reason does not contain {reason!r}")
        return self

    def assert_timed_out(self) -> RunResult:
        __tracebackhide__ = True
        if self.status != models.TIMED_OUT:
            self._fail(f"expected the run to time out, but it {_said(self.status)}")
        return self

    def assert_message(self, expected: Any) -> RunResult:
        """The callback's return value equals ``expected``."""
        __tracebackhide__ = True
        if self.message != expected:
            self._fail("the run's message is not the expected one:", diff(expected, self.message))
        return self

    def assert_logged(self, text: str, level: str | None = None) -> dict:
        """Some log entry contains ``text`` (at ``level`` when given); returns the first such entry."""
        __tracebackhide__ = True
        for entry in self.logs:
            if text in str(entry.get("msg")) and (level is None or entry.get("level") == level.upper()):
                return entry
        at = f" at level {level.upper()}" if level else ""
        self._fail(f"no log entry{at} contains {text!r}")

    def calls_to(self, method: str | None = None, path: str | None = None, status: int | None = None) -> list[RestCall]:
        """The run's REST calls matching ``method``, ``path`` (``*`` wildcards) and ``status``."""
        return [call for call in self.calls if call.matches(method, path, status)]

    def assert_called(
        self, method: str | None = None, path: str | None = None, *, status: int | None = None, times: int | None = None
    ) -> list[RestCall]:
        """The plugin made such a call (exactly ``times`` times when given); returns the matches."""
        __tracebackhide__ = True
        found = self.calls_to(method, path, status)
        wanted = " ".join(str(part) for part in (method and method.upper(), path) if part) or "any call"
        if status is not None:
            wanted += f" -> {status}"
        if times is None and not found:
            self._fail(f"the plugin never called {wanted}")
        if times is not None and len(found) != times:
            self._fail(f"expected {times} call(s) to {wanted}, the plugin made {len(found)}")
        return found

    def assert_not_called(
        self, method: str | None = None, path: str | None = None, *, status: int | None = None
    ) -> None:
        __tracebackhide__ = True
        found = self.calls_to(method, path, status)
        if found:
            self._fail(f"the plugin made {len(found)} unexpected call(s): " + "; ".join(map(str, found)))

    def labels_for(self, external_id: str) -> Any:
        """The label item this run imported for one asset; fails clearly when there is none."""
        __tracebackhide__ = True
        if external_id in self.labels:
            return self.labels[external_id]
        if external_id not in self.asset_ids:
            close = difflib.get_close_matches(external_id, self.asset_ids, n=3)
            hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
            raise AssertionError(f"the run's project has no asset with external id {external_id!r}{hint}")
        labeled = sorted(self.labels)
        shown = ", ".join(map(repr, labeled[:10])) + (" ..." if len(labeled) > 10 else "")
        raise AssertionError(
            f"run {self.id} imported no labels for asset {external_id!r}; it labeled "
            f"{len(labeled)} asset(s){': ' + shown if labeled else ''}"
        )

    def assert_labels(self, expected: Mapping[str, Any]) -> RunResult:
        """The run imported exactly these label items, by external id."""
        __tracebackhide__ = True
        if dict(expected) != self.labels:
            self._fail("the imported labels are not the expected ones:", diff(dict(expected), self.labels))
        return self

    def assert_labeled(self, external_ids: Iterable[str] | None = None, *, count: int | None = None) -> RunResult:
        """The run labeled exactly these assets (and/or this many)."""
        __tracebackhide__ = True
        got = sorted(self.labels)
        if external_ids is not None and sorted(external_ids) != got:
            self._fail("the run did not label the expected assets:", diff(sorted(external_ids), got))
        if count is not None and len(got) != count:
            self._fail(f"expected the run to label {count} asset(s), it labeled {len(got)}")
        return self

    def __repr__(self) -> str:
        return (
            f"<RunResult {self.id} {self.status} message={self.message!r} logs={len(self.logs)} "
            f"calls={len(self.calls)} labeled={len(self.labels)}>"
        )


def _said(status: str) -> str:
    return {
        models.SUCCEEDED: "succeeded",
        models.FAILED: "failed",
        models.TIMED_OUT: "timed out",
        models.CANCELLED: "was cancelled",
    }.get(status, f"is {status}")
