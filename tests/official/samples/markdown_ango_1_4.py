# A Markdown plugin for ango 1.3+ written as the vendor's markdown_plugin.py is, without pandas: the
# CSV in inputFile (base64) fills the |column| placeholders of markdownText (HTML-unescaped), one
# markdown asset per row sent through upload_files_cloud with the text itself as data.
import csv
import io
import json
import os
from base64 import b64decode
from html import unescape

from imerit_ango.plugins import MarkdownPlugin, run
from imerit_ango.sdk import SDK

HOST = os.environ["ANGO_HOST"]
PLUGIN_ID = os.environ["PLUGIN_ID"]
PLUGIN_SECRET = os.environ["PLUGIN_SECRET"]


def sample_callback(data):
    logger = data.get("logger")
    json.loads(data.get("configJSON"))
    logger.info("Plugin session is started!")
    sdk = SDK(api_key=data.get("apiKey"), host=HOST)
    rows = list(csv.DictReader(io.StringIO(b64decode(data.get("inputFile")).decode())))
    template = unescape(data.get("markdownText"))
    assets = []
    for index, row in enumerate(rows):
        text = template
        for field, value in row.items():
            text = text.replace("|" + field + "|", value)
        assets.append({"data": text, "externalId": str(index).zfill(5) + ".md"})
    response = sdk.upload_files_cloud(project_id=data.get("projectId"), assets=assets)
    logger.info("Plugin session is ended!")
    if response["status"] == "success":
        return "All markdown files are uploaded!"
    return response["message"]


if __name__ == "__main__":
    run(MarkdownPlugin(id=PLUGIN_ID, secret=PLUGIN_SECRET, callback=sample_callback), host=HOST)
