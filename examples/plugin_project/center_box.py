"""A Batch Model plugin: one box around the middle of every image, for the class the user maps.

A stand-in for a real detector, small enough to read at once. It reads the host
from ``ANGO_HOST`` when a run starts, and its id and secret from ``PLUGIN_ID`` and
``PLUGIN_SECRET`` when started as a script (``python center_box.py``).

Config (``configJSON``): ``{"box_fraction": 0.5, "skip_labeled": true}``.
"""

from __future__ import annotations

import json
import os

from plugin_client import SDK, BatchModelPlugin, run

PAGE_SIZE = 10


def center_box(width: int, height: int, fraction: float) -> dict:
    """The box of ``fraction`` of the image's width and height, centred."""
    box_width, box_height = round(width * fraction), round(height * fraction)
    return {"x": (width - box_width) // 2, "y": (height - box_height) // 2, "width": box_width, "height": box_height}


def run_model(data: dict) -> str:
    logger = data["logger"]
    mapping = data.get("categorySchema")
    if not mapping:
        logger.warning("No class mapping: map the class 'object' to a bounding-box tool")
        return "Please complete class mapping!"
    config = json.loads(data.get("configJSON") or "{}")
    fraction = float(config.get("box_fraction", 0.5))
    if not 0 < fraction <= 1:
        raise ValueError(f"box_fraction must be in (0, 1], got {fraction}")

    filters: dict = {}
    if config.get("skip_labeled", True):
        filters["isPreLabeled"] = False
    if data.get("batches"):
        filters["batches"] = data["batches"]

    sdk = SDK(api_key=data["apiKey"], host=os.environ.get("ANGO_HOST"))
    schema_id = mapping[0]["schemaId"]
    labels, page = [], 1
    while True:
        found = sdk.get_assets(data["projectId"], page=page, limit=PAGE_SIZE, filters=filters)["data"]
        for asset in found["assets"]:
            size = asset.get("metadata") or {}
            box = center_box(size.get("width", 640), size.get("height", 480), fraction)
            labels.append(
                {"externalId": asset["externalId"], "objects": [{"schemaId": schema_id, "bounding-box": box}]}
            )
        if page * PAGE_SIZE >= found["total"]:
            break
        page += 1
    logger.info(f"Predicted {len(labels)} boxes")
    if labels:
        sdk.import_labels(data["projectId"], labels)
    return f"Labeled {len(labels)} assets"


def main() -> None:
    plugin = BatchModelPlugin(id=os.environ["PLUGIN_ID"], secret=os.environ["PLUGIN_SECRET"], callback=run_model)
    run(plugin, host=os.environ.get("ANGO_HOST"))


if __name__ == "__main__":
    main()
