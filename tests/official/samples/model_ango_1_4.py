# A Model plugin for ango 1.3+ (module imerit_ango), written as the vendor's model sample reads the
# event (projectId, dataURL, categorySchema, configJSON, logger), but returning what 1.4.10's
# ModelPlugin takes: an AnnotationPayload whose answer is an Answer. One box of the first mapped
# class (or of the class named by the config's "schemaId", to send an answer off the ontology).
import json
import os

from imerit_ango.models.annotate import AnnotationPayload, Answer
from imerit_ango.plugins import ModelPlugin, run

HOST = os.environ["ANGO_HOST"]
PLUGIN_ID = os.environ["PLUGIN_ID"]
PLUGIN_SECRET = os.environ["PLUGIN_SECRET"]


def run_model(data):
    logger = data.get("logger")
    config = json.loads(data.get("configJSON") or "{}")
    logger.info("Plugin session is started! asset %s" % data.get("assetId"))
    schema_id = config.get("schemaId") or data.get("categorySchema")[0]["schemaId"]
    box = {"schemaId": schema_id, "bounding-box": {"x": 20, "y": 30, "width": 50, "height": config.get("height", 60)}}
    logger.info("Plugin session is ended!")
    return AnnotationPayload(answer=Answer(objects=[box]))


if __name__ == "__main__":
    run(ModelPlugin(id=PLUGIN_ID, secret=PLUGIN_SECRET, callback=run_model, host=HOST), host=HOST)
