"""Export: a run that exports the project's tasks at some stages, uploads the file, and answers its URL.

Event fields: ``stage`` (a list; default ``["Complete"]``), ``batches``, ``configJSON``. The answer is
``{export: true, response: <the signed URL of its upload>}``: the session succeeds only when that
URL is a file uploaded to this host by the run's organization. Over REST the plugin answers
through ``POST /v2/pluginResponse`` (its HTTP reply is ``null``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ...errors import InvalidRequest
from ...models import Project, Session
from .registry import BATCHES, Outcome, PluginKind, RunField, RunServices, as_strings

DEFAULT_STAGES = ("Complete",)


class Export(PluginKind):
    name: ClassVar[str] = "export"
    title: ClassVar[str] = "Export"
    exports: ClassVar[bool] = True
    form_heading: ClassVar[str] = "Export"
    shows_result: ClassVar[str] = "download"
    example_config: ClassVar[str] = '{\n  "delimiter": ","\n}'
    """What examples/export_plugin.py reads."""
    fields: ClassVar[tuple[RunField, ...]] = (
        RunField(
            "stage",
            "stage",
            "Export: a stage to export. Repeatable [default: Complete].",
            schema={"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
            widget="stages",
            label="Stages to export",
            hint="tasks at each now; none ticked: the default, Complete",
            form_default=", ".join(DEFAULT_STAGES),
            cli="--stage",
            multiple=True,
        ),
        BATCHES,
    )

    def event_fields(self, services: RunServices, project: Project, given: Mapping[str, Any]) -> dict:
        stage = given.get("stage")
        if isinstance(stage, str):
            stage = [stage]
        stages = as_strings(stage, "stage") or list(DEFAULT_STAGES)
        if given.get("stage") is not None:
            # Hub's export dialog offers only the project's stages: an unknown one is refused before the run
            # starts, as an unknown batch is, not by the plugin's export.
            known = [s["id"] for s in services.stages(project.id)]
            for name in stages:
                if name not in known:
                    raise InvalidRequest(
                        f"stage '{name}' is not a stage of project '{project.name}' (stages: {', '.join(known)})"
                    )
        return {"stage": stages}

    def read_answer(self, services: RunServices, session: Session, payload: Mapping[str, Any]) -> Outcome:
        url = payload.get("response")
        if payload.get("export") is not True or not isinstance(url, str):
            return Outcome(
                False,
                message=payload.get("response"),
                reason="an Export plugin must answer {export: true, response: <the signed URL of its file>}, "
                f"got export={payload.get('export')!r} and response={url!r}",
            )
        found = services.exported_file(url, session.organization_id)
        if found is None:
            return Outcome(
                False,
                message=url,
                reason=f"the Export plugin answered {url}, which is not a file uploaded "
                "to this host: did its PUT to the upload URL succeed?",
            )
        name, _ = found
        return Outcome(True, message=url, result={"url": url, "fileName": name})

    def answers_elsewhere(self, event: Mapping[str, Any]) -> bool:
        return True


KIND = Export()
