# An Export plugin for ango 1.3+ written as the vendor's export_plugin_v3.py is: it walks jsonExport,
# keeps each task's boxes as "class x y w h" strings joined by the config's separator, and returns a
# zip of one JSON file as an ExportResponse (storage_id "" and bucket "", as the vendor's sample).
# The config's "pad" adds that many random characters to the file (to test a refused upload).
import io
import json
import os
import secrets
import zipfile

from imerit_ango.plugins import ExportPlugin, ExportResponse, run

HOST = os.environ["ANGO_HOST"]
PLUGIN_ID = os.environ["PLUGIN_ID"]
PLUGIN_SECRET = os.environ["PLUGIN_SECRET"]


def sample_callback(data):
    project_id = data.get("projectId")
    json_export = data.get("jsonExport")
    logger = data.get("logger")
    config = json.loads(data.get("configJSON"))
    separator = config.get("separator-character", "-")
    logger.info("Plugin session is started! %s tasks" % data.get("numTasks"))
    rows = []
    for task in json_export:
        boxes = []
        for obj in task["task"]["tools"]:
            if "bounding-box" in obj:
                box = obj["bounding-box"]
                boxes.append(
                    " ".join([obj["title"], str(box["x"]), str(box["y"]), str(box["width"]), str(box["height"])])
                )
        rows.append({"externalId": task["externalId"], "URL": task["asset"], "Annotations": separator.join(boxes)})
    zip_data = io.BytesIO()
    with zipfile.ZipFile(zip_data, mode="w") as zf:
        zf.writestr(project_id + ".json", json.dumps(rows, indent=4))
        if config.get("pad"):
            zf.writestr("padding.txt", secrets.token_hex(config["pad"]))
    logger.info("Plugin session is ended!")
    return ExportResponse(file=zip_data, file_name=project_id + ".zip", storage_id="", bucket="")


if __name__ == "__main__":
    run(ExportPlugin(id=PLUGIN_ID, secret=PLUGIN_SECRET, callback=sample_callback, host=HOST, version="v3"), host=HOST)
