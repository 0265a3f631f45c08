# A Model plugin for plugin_client: Hub runs it on one asset at a time. This one "detects" a box
# in the middle of the image for the first mapped class, and a Weather answer when the project
# has that classification. Run: ANGO_HOST=... PLUGIN_ID=... PLUGIN_SECRET=... python model_plugin.py
import json
import os

from plugin_client import SDK, AnnotationPayload, Answer, ModelPlugin, run

HOST = os.environ.get("ANGO_HOST", "http://127.0.0.1:8080")
PLUGIN_ID = os.environ["PLUGIN_ID"]
PLUGIN_SECRET = os.environ["PLUGIN_SECRET"]


def detect(data):
    logger = data["logger"]
    config = json.loads(data.get("configJSON") or "{}")
    if not data.get("categorySchema"):
        raise ValueError("map the model's class to a tool of the project before running")
    sdk = SDK(data["apiKey"], HOST)
    asset = sdk.get_assets(data["projectId"], asset_id=data["assetId"])["data"]["assets"][0]
    width = asset["metadata"].get("width", 640)
    height = asset["metadata"].get("height", 480)
    share = float(config.get("box_share", 0.5))
    box = {
        "x": width * (1 - share) / 2,
        "y": height * (1 - share) / 2,
        "width": width * share,
        "height": height * share,
    }
    logger.info(f"asset {asset['externalId']}: one box of {box['width']:.0f}x{box['height']:.0f}")
    objects = [{"schemaId": data["categorySchema"][0]["schemaId"], "bounding-box": box}]
    return AnnotationPayload(answer=Answer(objects=objects))


if __name__ == "__main__":
    run(ModelPlugin(PLUGIN_ID, PLUGIN_SECRET, detect, host=HOST), host=HOST)
