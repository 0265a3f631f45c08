"""What a kind of plugin is, and the table of kinds a host knows.

A kind (:class:`PluginKind`) holds everything about one plugin type: whether it is created
with class names, the run options it takes (:class:`RunField`: their JSON names, the Run
dialog's widget, the CLI flag, the JSON Schema), the event fields its runs send, how its
answer is read and stored, and how its result is shown. Each built-in kind is one module
beside this one; :class:`Kinds` is the table that the engine, the dashboard, the control
API, OpenAPI and the CLI loop over. A host gets its table from its configuration, so a
test can add a kind to one host without touching the others.

A kind reaches the host's state only through :class:`RunServices` (assets, tasks, uploaded
files), which the run engine hands it: kinds import nothing above them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from ...errors import InvalidRequest
from ...models import Project, Session

# ------------------------------------------------------------------ run options


@dataclass(frozen=True)
class RunField:
    """One run option of a kind: its Python keyword, its JSON name, and how people give it.

    ``widget`` says how the Run dialog asks for it and how the form's text becomes the option:
    ``text`` (None when empty), ``asset`` (text, offered the project's first assets), ``stages`` (the
    project's stages to tick, with how many tasks each holds), ``textarea``, ``checkbox`` (a bool; ``inverted`` when the box says the
    opposite, as "keep the answer" for ``overwrite``), ``commas`` (a comma-separated list), ``lines``
    (one item a line), ``file`` (the uploaded file's bytes), ``json`` (parsed), or ``""`` for options
    the dialog shows in a way of its own (class mapping, batches). ``cli`` is the flag of
    ``mockango run`` (``--x/--no-x`` for a boolean, ``multiple`` when it repeats; ``path`` when it names
    a file sent base64-encoded).
    """

    option: str
    name: str
    help: str
    schema: Mapping[str, Any] = field(default_factory=lambda: {"type": "string"})
    widget: str = "text"
    label: str = ""
    hint: str = ""
    """Shown beside the label, in parentheses."""
    form_name: str = ""
    """The form field's name and id when it is not ``name`` (e.g. ``keepAnswer``)."""
    form_default: str = ""
    inverted: bool = False
    cli: str = ""
    multiple: bool = False
    path: bool = False
    required: bool = False

    @property
    def field_name(self) -> str:
        return self.form_name or self.name

    def from_form(self, values: list[str], upload: bytes | None = None) -> Any:
        """The option's value from the Run dialog's field (None: left out): ``values`` are the form's values of
        the field (one, or one per ticked box), ``upload`` a file field's bytes."""
        from ..options import parse_config

        text = values[0] if values else ""
        if self.widget == "checkbox":
            checked = bool(text)
            return not checked if self.inverted else checked
        if self.widget == "stages":
            return [value.strip() for value in values if value.strip()] or None
        if self.widget == "commas":
            return [part.strip() for part in text.split(",") if part.strip()] or None
        if self.widget == "lines":
            return [line.strip() for line in text.splitlines() if line.strip()] or None
        if self.widget == "file":
            return upload
        if self.widget == "json":
            return parse_config(text, self.name) if text.strip() else None
        if self.widget == "textarea":
            return text or None
        return text.strip() or None


CLASS_MAPPING = RunField(
    "class_mapping",
    "classMapping",
    "Map a model class to a tool (title or schemaId).",
    schema={"type": "object"},
    widget="",
)
BATCHES = RunField(
    "batches",
    "batches",
    "Batch name or id.",
    schema={"type": "array", "items": {"type": "string"}},
    widget="",
)
"""Options that several kinds share; the engine reads them itself (the class mapping, the batches)."""


def as_bool(value: Any, name: str, default: bool) -> bool:
    if value is None:
        return default
    if not isinstance(value, bool):
        raise InvalidRequest(f"'{name}' must be true or false, got {value!r}")
    return value


def as_text(value: Any, name: str, default: str | None = None) -> str | None:
    if value is None:
        return default
    if not isinstance(value, str):
        raise InvalidRequest(f"'{name}' must be a string, got {type(value).__name__}")
    return value


def as_strings(value: Any, name: str) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise InvalidRequest(f"'{name}' must be a list of strings")
    return list(value)


# --------------------------------------------------------------------- answers


@dataclass
class Outcome:
    """What a plugin's answer means for its session."""

    ok: bool
    message: Any = None
    result: Any = None
    """The type's result: the stored answer, the export's URL, the listing, ..."""
    reason: str | None = None
    errors: list[dict] | None = None
    warnings: list[dict] | None = None
    """Rules of unknown evidence the answer broke and was accepted anyway (logged on the run)."""


def errors_reason(what: str, errors: list[dict]) -> str:
    shown = "; ".join(f"{e['path']}: {e['message']}" for e in errors[:5])
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    return f"{what} was refused with {len(errors)} error(s), nothing was stored: {shown}{more}"


class RunServices(Protocol):
    """What of the host's state a kind may use while a run starts or its answer comes back."""

    def run_asset(self, project: Project, ref: Any) -> dict:
        """The asset a run names by ``_id`` or a unique ``externalId`` (NotFound / InvalidRequest otherwise)."""

    def asset(self, project: Project, asset_id: Any) -> dict | None:
        """One asset of the project (with ``_id``, ``externalId``, ``data``, ``metadata``), or None."""

    def project(self, project_id: str) -> Project | None: ...

    def stages(self, project_id: str) -> list[dict]:
        """The project's workflow stages."""

    @property
    def strict(self) -> bool:
        """Whether rules of unknown evidence refuse (strict mode) rather than warn."""

    def task_of(self, asset_id: str) -> dict:
        """The asset's task as ``GET /v2/task`` shows it."""

    def store_answer(self, asset_id: str, answer: Mapping[str, Any], actor: str) -> dict:
        """Submit a checked answer (import format) to the asset's task; returns the task."""

    def assets_created_by(self, session_id: str) -> list[str]:
        """Ids of the assets a run created through its key, in creation order."""

    def exported_file(self, url: str, organization_id: str | None = None) -> tuple[str, bytes] | None:
        """The file a plugin uploaded to this host, found by its signed URL: (name, bytes), or None."""


# ----------------------------------------------------------------------- kinds


class PluginKind:
    """One plugin type. Subclasses set the class attributes and override what their runs do differently."""

    name: ClassVar[str]
    """The type's name on the wire (``plugin.type``, ``session.pluginType``)."""
    title: ClassVar[str]
    has_classes: ClassVar[bool] = False
    """Created with class names and run with a class mapping (the model kinds)."""
    fields: ClassVar[tuple[RunField, ...]] = ()
    """Its run options beyond ``config`` (and the shared :data:`CLASS_MAPPING` / :data:`BATCHES`)."""
    exports: ClassVar[bool] = False
    """Answers ``{export: true, response: <url>}``; another kind answering so is told it is registered wrongly."""
    form_heading: ClassVar[str] = ""
    """The heading of its own fields in the Run dialog."""
    shows_result: ClassVar[str] = "json"
    """How a session's result is shown: ``json``, ``listing`` (folders and files), ``download`` (a file), ``none``."""
    example_config: ClassVar[str] = ""
    """The create form's Default config for this type (JSON text, "" for none): what its example plugin reads."""

    @property
    def a_title(self) -> str:
        """The title with its article, for sentences: "a Model", "an Export"."""
        return f"{'an' if self.title[0] in 'AEIOU' else 'a'} {self.title}"

    @property
    def options(self) -> tuple[str, ...]:
        return tuple(f.option for f in self.fields)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(f.option for f in self.fields if f.required)

    @property
    def form_fields(self) -> tuple[RunField, ...]:
        """The fields the Run dialog lays out for this kind (the shared ones have their own place)."""
        return tuple(f for f in self.fields if f.widget)

    def event_fields(self, services: RunServices, project: Project, given: Mapping[str, Any]) -> dict:
        """The run event's fields of this type, from the options ``given`` (checked, None left out)."""
        return {}

    def read_answer(self, services: RunServices, session: Session, payload: Mapping[str, Any]) -> Outcome:
        """What the plugin's ``response`` means; a kind that stores something stores it here."""
        response = payload.get("response")
        return Outcome(True, message=response, result=response)

    def answers_elsewhere(self, event: Mapping[str, Any]) -> bool:
        """Over REST, whether the answer comes through the SDK (a ``null`` HTTP reply is then no answer)."""
        return False

    def ended_by_annotate(self, session: Session, task_id: Any) -> bool:
        """Whether the run's key submitting ``task_id`` (``POST /v2/annotate``) is the run's answer."""
        return False

    def plugin_stage_options(self, task: Mapping[str, Any]) -> dict[str, Any]:
        """The run options of a workflow's Plugin stage for a task that reached it; refused by default."""
        raise InvalidRequest(f"{self.a_title} plugin does not run at a workflow's Plugin stage")

    def __repr__(self) -> str:
        return f"<plugin kind {self.name}>"


class Kinds:
    """The plugin kinds one host knows, by name, in the order the dashboard lists them. Immutable."""

    def __init__(self, kinds: Iterable[PluginKind]) -> None:
        self._by_name: dict[str, PluginKind] = {}
        for kind in kinds:
            if kind.name in self._by_name:
                raise ValueError(f"two plugin kinds are named {kind.name!r}")
            self._by_name[kind.name] = kind

    def __iter__(self) -> Iterator[PluginKind]:
        return iter(self._by_name.values())

    def __len__(self) -> int:
        return len(self._by_name)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __getitem__(self, name: str) -> PluginKind:
        return self._by_name[name]

    def __add__(self, other: Iterable[PluginKind]) -> Kinds:
        """A new table with ``other``'s kinds after these (``BUILT_IN + [MyKind()]``)."""
        return Kinds([*self, *other])

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._by_name)

    def get(self, name: Any) -> PluginKind:
        """The kind called ``name``; refuse anything else, listing the kinds."""
        kind = self._by_name.get(name) if isinstance(name, str) else None
        if kind is None:
            raise InvalidRequest(
                f"plugin type {name!r} is not an Ango Hub plugin type: use one of {list(self._by_name)}"
            )
        return kind

    def run_fields(self) -> dict[str, RunField]:
        """Every kind's run options by JSON name (the control API's fields beyond plugin, project, config)."""
        found: dict[str, RunField] = {}
        for kind in self:
            for run_field in (*((CLASS_MAPPING,) if kind.has_classes else ()), *kind.fields):
                found.setdefault(run_field.name, run_field)
        return found

    def field_options(self) -> dict[str, str]:
        """JSON name -> Python keyword of every run option."""
        return {name: run_field.option for name, run_field in self.run_fields().items()}

    def options_of(self, kind: PluginKind) -> tuple[str, ...]:
        return (*(("class_mapping",) if kind.has_classes else ()), *kind.options)

    def check_options(
        self,
        kind: PluginKind,
        plugin_name: str,
        options: Mapping[str, Any],
        *,
        strict: bool = False,
        warnings_out: list[dict] | None = None,
    ) -> dict[str, Any]:
        """The options given (None means not given), refusing missing required ones (rule ``run_option_required``).

        An option of another kind (rule ``run_option_other_type``, evidence unknown) is dropped with a warning
        in ``warnings_out``, or refused in ``strict`` mode.
        """
        from ...validation.evidence import refuses

        given = {key: value for key, value in options.items() if value is not None}
        names = {run_field.option: run_field.name for run_field in self.run_fields().values()}
        takes = self.options_of(kind)
        for key in list(given):
            if key not in takes:
                owners = [k.title for k in self if key in self.options_of(k)]
                listed = ", ".join(names.get(o, o) for o in takes) or "nothing beyond config"
                message = (
                    f"'{names.get(key, key)}' is for {' / '.join(owners) or 'no'} plugins; "
                    f"'{plugin_name}' is {kind.a_title} plugin (its runs take: {listed})"
                )
                if refuses("run_option_other_type", strict):
                    raise InvalidRequest(message)
                del given[key]
                if warnings_out is not None:
                    warnings_out.append(
                        {"path": names.get(key, key), "code": "run_option_other_type", "message": message}
                    )
        missing = [names[key] for key in kind.required if key not in given]
        if missing:
            raise InvalidRequest(f"{kind.a_title} run needs {', '.join(repr(m) for m in missing)}")
        return given
