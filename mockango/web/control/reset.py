"""``POST /api/reset``: the whole host back to the seeded data, for a host shared by a test run (moto's
``POST /moto-api/reset``). Only the host's admin key may: the default user's API key, or ``serve --admin-key``.

What stays is what the host printed when it started: the default user's API key and ``serve``'s demo plugin
(same id, same secret, still live), so scripts and plugin processes go on without new credentials.
"""

from __future__ import annotations

from flask import Blueprint, request

from ...errors import Forbidden
from ..middleware.caller import API_KEY_HEADER, current_user, hub
from ..middleware.envelope import plain

blueprint = Blueprint("control_reset", __name__, url_prefix="/api")


@blueprint.post("/reset")
def reset():
    h = hub()
    if not h.is_admin_key(request.headers.get(API_KEY_HEADER)):  # the header only: no dashboard cookie
        current_user()  # no key, or an unknown one: 401 as everywhere
        raise Forbidden(
            "POST /api/reset resets the whole host, every organization's data with it: only the host's admin key "
            "may (the API key `mockango serve` prints, or its --admin-key)"
        )
    h.reset(keep_credentials=True)
    h.faults.clear()
    h.faults.seed = h.seed
    project = h.default_project
    return plain(
        {
            "status": "success",
            "seed": h.seed,
            "defaultProject": project.id if project else None,
            "plugins": [p.id for p in h.list_plugins(h.require_default("organization").id)],
        }
    )
