# The vendor's model sample (plugin-samples model_plugin.py) as it answers: a dict
# {"data": dataURL, "answer": {objects, classifications, relations}}. Changed from the vendor's:
# module imerit_ango instead of ango, callback(data) (1.3+ calls it positionally), and
# HOST / PLUGIN_ID / PLUGIN_SECRET from the environment. 1.3.22 sends the dict as the answer;
# 1.4.10 expects an AnnotationPayload and fails on it.
import json
import os

from imerit_ango.plugins import ModelPlugin, run

HOST = os.environ["ANGO_HOST"]
PLUGIN_ID = os.environ["PLUGIN_ID"]
PLUGIN_SECRET = os.environ["PLUGIN_SECRET"]


def run_model(data):
    data_url = data.get("dataURL")
    category_schema = data.get("categorySchema")
    logger = data.get("logger")
    config_str = data.get("configJSON")
    if config_str is not None:
        json.loads(config_str)
    logger.info("Plugin session is started!")
    schema_id = category_schema[0]["schemaId"]
    bbox_obj = [{"schemaId": schema_id, "bounding-box": {"x": 20, "y": 30, "width": 50, "height": 60}}]
    logger.info("Plugin session is ended!")
    return {"data": data_url, "answer": {"objects": bbox_obj, "classifications": [], "relations": []}}


if __name__ == "__main__":
    run(ModelPlugin(id=PLUGIN_ID, secret=PLUGIN_SECRET, callback=run_model, host=HOST), host=HOST)
