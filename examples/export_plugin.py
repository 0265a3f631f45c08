# An Export plugin for plugin_client: turns the project's export into a CSV of boxes
# (externalId, class, x, y, width, height), zipped. The host uploads nothing itself: the plugin
# returns an ExportResponse and plugin_client uploads it and answers with its download URL.
import csv
import io
import json
import os
import zipfile

from plugin_client import ExportPlugin, ExportResponse, run

HOST = os.environ.get("ANGO_HOST", "http://127.0.0.1:8080")
PLUGIN_ID = os.environ["PLUGIN_ID"]
PLUGIN_SECRET = os.environ["PLUGIN_SECRET"]


def to_csv(data):
    config = json.loads(data.get("configJSON") or "{}")
    text = io.StringIO()
    writer = csv.writer(text, delimiter=config.get("delimiter", ","))
    writer.writerow(["externalId", "class", "x", "y", "width", "height"])
    rows = 0
    for task in data["jsonExport"]:
        for obj in task.get("task", {}).get("tools", []):
            box = obj.get("bounding-box")
            if box:
                writer.writerow([task["externalId"], obj.get("title"), box["x"], box["y"], box["width"], box["height"]])
                rows += 1
    data["logger"].info(f"{rows} box(es) from {data['numTasks']} task(s)")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("boxes.csv", text.getvalue())
    return ExportResponse(file=archive, file_name=f"{data['projectId']}-boxes.zip")


if __name__ == "__main__":
    run(ExportPlugin(PLUGIN_ID, PLUGIN_SECRET, to_csv, host=HOST), host=HOST)
