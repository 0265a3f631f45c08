# The vendor's current model sample (plugin-samples model_plugin.py, 2024) reproduced: imerit_ango's ModelPlugin
# with host=HOST, callback(data) reading projectId, assetId, categorySchema, apiKey and configJSON (which may be
# None), one get_assets(project_id=..., filters={"_id": assetId}) call, and a dict answer
# {externalId, objects, classifications, relations}. With a class mapping its box has the mapped schemaId; with
# none it has no schemaId at all (only "bounding-box"), as the vendor's does. The box comes from the config's
# "box" when given. 1.3.22 sends the dict as it is; 1.4.10 reads .answer of it and fails.
import json
import os

from imerit_ango.plugins import ModelPlugin, run
from imerit_ango.sdk import SDK

HOST = os.environ["ANGO_HOST"]
PLUGIN_ID = os.environ["PLUGIN_ID"]
PLUGIN_SECRET = os.environ["PLUGIN_SECRET"]
DEFAULT_BOX = {"x": 20, "y": 30, "width": 50, "height": 60}


def run_model(data):
    project_id = data.get("projectId")
    asset_id = data.get("assetId")
    category_schema = data.get("categorySchema")
    config_text = data.get("configJSON")
    config = json.loads(config_text) if config_text else {}
    sdk = SDK(api_key=data.get("apiKey"), host=HOST)
    found = sdk.get_assets(project_id=project_id, filters={"_id": asset_id})
    asset = found["data"]["assets"][0]
    box = {"bounding-box": config.get("box", DEFAULT_BOX)}
    if category_schema:
        box = {"schemaId": category_schema[0]["schemaId"], **box}
    return {"externalId": asset["externalId"], "objects": [box], "classifications": [], "relations": []}


if __name__ == "__main__":
    run(ModelPlugin(id=PLUGIN_ID, secret=PLUGIN_SECRET, callback=run_model, host=HOST), host=HOST)
