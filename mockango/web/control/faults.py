"""Faults on demand over HTTP: the ``/api/faults`` control API and the hook that applies them to requests.

The rules live in :mod:`mockango.faults`; here a matching request waits its
latency, then answers with the injected status (and ``Retry-After``) in the REST
API's error shape, so clients see what they would see from a struggling host.
"""

from __future__ import annotations

import time

from flask import Blueprint, request

from ...errors import MockangoError, NotFound
from ..middleware.caller import current_user, hub
from ..middleware.envelope import error, no_content, plain
from ..middleware.limits import json_body

blueprint = Blueprint("faults", __name__, url_prefix="/api/faults")


def apply_request_faults():
    """``before_request`` hook: delay or fail the request when an active fault matches it."""
    faults = hub().faults
    if not faults:
        return None
    found = faults.on_request(request.method, request.path, _caller_organization())
    if found.delay:
        time.sleep(found.delay)
    fault = found.failure
    if fault is None:
        return None
    message = fault.message or (
        f"injected fault {fault.id}: {request.method} {request.path} answers "
        f"{fault.status} (remove it with DELETE /api/faults/{fault.id})"
    )
    response = error(message, fault.status)
    if fault.retry_after is not None:
        response.headers["Retry-After"] = str(fault.retry_after)
    return response


def _caller_organization() -> str | None:
    """The organization of the request's API key (a run key's too); None without a valid one: on such a
    call only host-wide faults act."""
    try:
        return current_user().organization_id
    except MockangoError:
        return None


@blueprint.get("")
def list_faults():
    user = current_user()
    return plain({"faults": [fault.to_dict() for fault in hub().faults.active(organization_id=user.organization_id)]})


@blueprint.post("")
def add_fault():
    user = current_user()
    body = json_body()
    if body.get("plugin") is not None:  # only your own organization's plugins
        hub().plugin_for(user.organization_id, body["plugin"])
    fault = hub().faults.add(body, organization_id=user.organization_id)
    return plain(fault.to_dict(), 201)


@blueprint.delete("")
def clear_faults():
    user = current_user()
    hub().faults.clear(organization_id=user.organization_id)
    return no_content()


@blueprint.delete("/<fault_id>")
def remove_fault(fault_id: str):
    user = current_user()
    if hub().faults.remove(fault_id, organization_id=user.organization_id) is None:
        raise NotFound(f"fault '{fault_id}' not found (it may have been used up)")
    return no_content()
