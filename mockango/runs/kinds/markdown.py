"""Markdown: a run that turns a file (a CSV, say) and a template into markdown assets.

Event fields: ``inputFile`` (base64: bytes are encoded here, a string must already be base64) and
``markdownText`` (placeholders as ``|column|``). The assets the run's key creates (their ``data`` the
markdown text itself) are the session's result.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any, ClassVar

from ...errors import InvalidRequest
from ...models import Project, Session
from .registry import BATCHES, Outcome, PluginKind, RunField, RunServices, as_text


class Markdown(PluginKind):
    name: ClassVar[str] = "markdown"
    title: ClassVar[str] = "Markdown"
    form_heading: ClassVar[str] = "Markdown"
    example_config: ClassVar[str] = '{\n  "external_id_column": "name"\n}'
    """What examples/markdown_plugin.py reads."""
    fields: ClassVar[tuple[RunField, ...]] = (
        RunField(
            "input_file",
            "inputFile",
            "Markdown: the file (e.g. CSV) the plugin reads; sent base64-encoded.",
            schema={"type": "string", "contentEncoding": "base64"},
            widget="file",
            label="File",
            hint="e.g. a CSV; one asset per row",
            cli="--input-file",
            path=True,
            required=True,
        ),
        RunField(
            "markdown_text",
            "markdownText",
            "Markdown: the template (placeholders as |column|).",
            widget="textarea",
            label="Template",
            hint="placeholders as |column|",
            cli="--markdown-text",
            required=True,
        ),
        BATCHES,
    )

    def event_fields(self, services: RunServices, project: Project, given: Mapping[str, Any]) -> dict:
        raw = given.get("input_file")
        if isinstance(raw, (bytes, bytearray)):
            encoded = base64.b64encode(bytes(raw)).decode("ascii")
        elif isinstance(raw, str):
            try:
                base64.b64decode(raw, validate=True)
            except (binascii.Error, ValueError):
                raise InvalidRequest("'inputFile' must be the file's bytes or its content in base64") from None
            encoded = raw
        else:
            raise InvalidRequest("'inputFile' must be the file's bytes or its content in base64")
        text = as_text(given.get("markdown_text"), "markdownText")
        if not text:
            raise InvalidRequest("'markdownText' must be the markdown template (placeholders as |column|)")
        return {"inputFile": encoded, "markdownText": text}

    def read_answer(self, services: RunServices, session: Session, payload: Mapping[str, Any]) -> Outcome:
        response = payload.get("response")
        return Outcome(True, message=response, result={"assets": services.assets_created_by(session.id)})


KIND = Markdown()
