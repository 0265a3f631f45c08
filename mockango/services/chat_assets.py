"""LLM chat assets: ``upload_chat_assets`` (``POST /v2/project/{id}/chat``, a multipart form).

Documented by the SDK (https://docs.imerit.net/sdk/sdk-documentation/project-level-sdk-functions/upload_chat_assets)
and the Assets API page ("Uploads chat/conversation assets", https://docs.imerit.net/api/docs/assets): with a
conversations JSON file, one asset per conversation; without one, ``numberOfConversations`` empty ones; at most
10,000 (the SDK docs' limit). Each conversation is kept as a JSON file in mockango's object store and the asset's
``data`` is its URL, as the real host keeps ``/{projectId}/conversations/{conversationId}.json``. The answer is
``{assets: {assetsCreated}}``, which the SDK reads.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..errors import InvalidRequest
from ..ids import new_object_id

if TYPE_CHECKING:
    from ..models import User
    from .context import Context
    from .uploads import Uploads

MAX_ASSETS = 10_000


def _json_field(form: Mapping, name: str) -> Any:
    raw = form.get(name)
    if raw in (None, "", "null", "None"):
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise InvalidRequest(f"{name} must be JSON, got {raw!r}")


class ChatAssets:
    """LLM chat assets of one host's projects."""

    def __init__(self, context: Context, uploads: Uploads) -> None:
        self._context = context
        self._uploads = uploads

    def upload(self, user: User, project_id: Any, form: Mapping, conversations_file: bytes | None) -> dict:
        """``{assets: {assetsCreated}}``: one asset per conversation (a JSON file in the object store)."""
        project = self._context.scope(user).project(project_id)
        if form.get("projectId") not in (None, "", project.id):
            raise InvalidRequest(f"projectId in the form ({form.get('projectId')!r}) is not the project in the path")
        try:
            priority = int(form.get("priority") or 0)
        except ValueError:
            raise InvalidRequest(f"priority must be a whole number, got {form.get('priority')!r}")
        if conversations_file is not None:
            try:
                conversations = json.loads(conversations_file)
            except ValueError:
                raise InvalidRequest("the conversations file must be JSON: a list of conversations")
            if not isinstance(conversations, list) or not all(isinstance(c, Mapping) for c in conversations):
                raise InvalidRequest("the conversations file must hold a list of conversation objects")
        else:
            raw = form.get("numberOfConversations") or "0"
            if not str(raw).isdigit():
                raise InvalidRequest(f"numberOfConversations must be a whole number, got {raw!r}")
            conversations = [{"messages": []} for _ in range(int(raw))]
        if not 1 <= len(conversations) <= MAX_ASSETS:
            raise InvalidRequest(f"a chat upload makes 1 to {MAX_ASSETS} assets, got {len(conversations)}")
        llm = _json_field(form, "llmConfig")
        if llm is not None and not (isinstance(llm, Mapping) and isinstance(llm.get("id"), str)):
            raise InvalidRequest("llmConfig must be JSON {'id': <llm id>}")
        if form.get("storageId"):
            with self._context.store.read() as db:
                self._context.scope(user).storage(db, form["storageId"])
        assets = []
        for conversation in conversations:
            conversation_id = new_object_id()
            key = self._context.objects.key_for(user.organization_id, project.id, "assets", f"{conversation_id}.json")
            self._context.objects.put(key, json.dumps({**conversation, **({"llm": llm} if llm else {})}).encode())
            url = self._context.objects.url(self._context.base_url, key, "GET", 3600)
            assets.append({"data": url, "externalId": f"{conversation_id}.json"})
        created = self._uploads.add_assets(user, project.id, assets, priority=priority)
        return {"assets": {"assetsCreated": len(created)}}
