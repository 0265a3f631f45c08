# A Model plugin for ango 1.1.x (module ango, callback(**data)), as the vendor's model sample
# writes one: answers {"data": dataURL, "answer": {...}} with one box of the first mapped class.
# 1.1.x puts no logger into data in workflow mode (only its non-workflow path adds one), hence the fallback.
import logging
import os

from ango.plugins import ModelPlugin, run

HOST = os.environ["ANGO_HOST"]
PLUGIN_ID = os.environ["PLUGIN_ID"]
PLUGIN_SECRET = os.environ["PLUGIN_SECRET"]


def run_model(**data):
    logger = data.get("logger") or logging.getLogger("model")
    logger.info("Plugin session is started!")
    schema_id = data.get("categorySchema")[0]["schemaId"]
    bbox_obj = [{"schemaId": schema_id, "bounding-box": {"x": 20, "y": 30, "width": 50, "height": 60}}]
    return {"data": data.get("dataURL"), "answer": {"objects": bbox_obj, "classifications": [], "relations": []}}


if __name__ == "__main__":
    run(ModelPlugin(id=PLUGIN_ID, secret=PLUGIN_SECRET, callback=run_model, host=HOST), host=HOST)
