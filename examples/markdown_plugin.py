# A Markdown plugin for plugin_client: the user gives a CSV (inputFile, base64) and a template
# (markdownText, HTML-escaped, placeholders as |column|); each row becomes one markdown asset.
# A "batch" column puts rows into batches (created when missing).
import csv
import io
import json
import os
from base64 import b64decode
from html import unescape

from plugin_client import SDK, MarkdownPlugin, run

HOST = os.environ.get("ANGO_HOST", "http://127.0.0.1:8080")
PLUGIN_ID = os.environ["PLUGIN_ID"]
PLUGIN_SECRET = os.environ["PLUGIN_SECRET"]


def render(data):
    config = json.loads(data.get("configJSON") or "{}")
    rows = list(csv.DictReader(io.StringIO(b64decode(data["inputFile"]).decode("utf-8-sig"))))
    template = unescape(data["markdownText"])
    id_column = config.get("external_id_column")
    assets = []
    for index, row in enumerate(rows):
        text = template
        for column, value in row.items():
            text = text.replace(f"|{column}|", value or "")
        item = {"data": text, "externalId": row[id_column] if id_column else f"{index:05d}.md"}
        if row.get("batch"):
            item["batches"] = [row["batch"]]
        assets.append(item)
    with SDK(data["apiKey"], HOST) as sdk:
        wanted = {a["batches"][0] for a in assets if "batches" in a}
        for name in sorted(wanted - {b["name"] for b in sdk.get_batches(data["projectId"])}):
            sdk.create_batch(data["projectId"], name)
        known = {b["name"]: b["_id"] for b in sdk.get_batches(data["projectId"])}
        for item in assets:
            if "batches" in item:
                item["batches"] = [known[item["batches"][0]]]
        sdk.upload_files_cloud(data["projectId"], assets)
    data["logger"].info(f"{len(assets)} markdown asset(s) created")
    return f"{len(assets)} markdown files are uploaded!"


if __name__ == "__main__":
    run(MarkdownPlugin(PLUGIN_ID, PLUGIN_SECRET, render, host=HOST), host=HOST)
