"""The projects the scale benches build, the same way in every script and code version.

A project of ``size`` assets (``a0000000``...) in ten batches (``b0``...``b9``, round robin), and
one-box labels for its first assets. Only the public Hub API is used, so a bench child can build it
with any version of the code (``--before``).
"""

from __future__ import annotations

TOOL = "aaaaaaaaaaaaaaaaaaaaaaaa"
SCHEMA = {"tools": [{"schemaId": TOOL, "tool": "bounding-box", "title": "Box"}]}
LABEL_CHUNK = 5000


def label(external_id: str) -> dict:
    """A one-box label for the asset with this external id."""
    return {
        "externalId": external_id,
        "objects": [{"schemaId": TOOL, "bounding-box": {"x": 1, "y": 2, "width": 3, "height": 4}}],
    }


def assets(size: int, *, metadata: bool = False):
    for i in range(size):
        asset = {"externalId": f"a{i:07}", "data": f"https://example.invalid/{i}.png", "batches": [f"b{i % 10}"]}
        if metadata:
            asset["metadata"] = {"width": 640, "height": 480}
        yield asset


def label_first(hub, project_id: str, count: int) -> None:
    """Import labels for the project's first ``count`` assets (so their tasks have history)."""
    for start in range(0, count, LABEL_CHUNK):
        items = [label(f"a{i:07}") for i in range(start, min(start + LABEL_CHUNK, count))]
        hub.import_labels(hub.default_user, project_id, items)
