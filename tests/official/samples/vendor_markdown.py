# The vendor's current markdown sample (plugin-samples markdown_plugin.py, 2024) reproduced: numpy and pandas
# read the base64 CSV of inputFile; markdownText is HTML-unescaped and its |column| placeholders filled per
# row; configJSON names batch_name_column, external_id_columns and upload_batch_size. Batches come from
# get_batches / create_batch(project_id=, batch_name=); each chunk goes through
# upload_files_cloud(project_id, assets=[{"data": <the markdown text>, "externalId", "batches": [name]}]).
# Answers 'All markdown files are uploaded!' or the SDK's error message.
import base64
import html
import io
import json
import os

import numpy as np
import pandas as pd
from imerit_ango.plugins import MarkdownPlugin, run
from imerit_ango.sdk import SDK

HOST = os.environ["ANGO_HOST"]
PLUGIN_ID = os.environ["PLUGIN_ID"]
PLUGIN_SECRET = os.environ["PLUGIN_SECRET"]


def fill(template, row):
    text = template
    for column, value in row.items():
        text = text.replace("|" + str(column) + "|", "" if pd.isna(value) else str(value))
    return text


def sample_callback(data):
    logger = data.get("logger")
    config = json.loads(data.get("configJSON") or "{}")
    sdk = SDK(api_key=data.get("apiKey"), host=HOST)
    project_id = data.get("projectId")
    table = pd.read_csv(io.BytesIO(base64.b64decode(data.get("inputFile"))))
    template = html.unescape(data.get("markdownText"))
    batch_column = config.get("batch_name_column")
    id_columns = config.get("external_id_columns") or []
    chunk = int(config.get("upload_batch_size", 100))
    logger.info("Plugin session is started! %d rows" % len(table))

    known = {b["name"]: b["_id"] for b in sdk.get_batches(project_id)}
    if batch_column:
        for name in np.unique(table[batch_column].astype(str)):
            if name not in known:
                sdk.create_batch(project_id=project_id, batch_name=name)
                known[name] = name

    assets = []
    for index, row in table.iterrows():
        if id_columns:
            external_id = "_".join(str(row[c]) for c in id_columns) + ".md"
        else:
            external_id = str(index).zfill(5) + ".md"
        asset = {"data": fill(template, row), "externalId": external_id}
        if batch_column:
            asset["batches"] = [str(row[batch_column])]
        assets.append(asset)

    for start in range(0, len(assets), chunk):
        response = sdk.upload_files_cloud(project_id=project_id, assets=assets[start : start + chunk])
        if response.get("status") != "success":
            return response.get("message")
    logger.info("Plugin session is ended!")
    return "All markdown files are uploaded!"


if __name__ == "__main__":
    run(MarkdownPlugin(id=PLUGIN_ID, secret=PLUGIN_SECRET, callback=sample_callback), host=HOST)
