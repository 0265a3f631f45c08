# An Input plugin for ango 1.3+: answers which of fileExplorerOptions' files it would take.
import os

from imerit_ango.plugins import InputPlugin, run

HOST = os.environ["ANGO_HOST"]
PLUGIN_ID = os.environ["PLUGIN_ID"]
PLUGIN_SECRET = os.environ["PLUGIN_SECRET"]


def sample_callback(data):
    options = data.get("fileExplorerOptions") or {}
    data.get("logger").info("Plugin session is started!")
    return {"taken": [name for name in options.get("files", []) if name.endswith(".png")]}


if __name__ == "__main__":
    run(InputPlugin(id=PLUGIN_ID, secret=PLUGIN_SECRET, callback=sample_callback), host=HOST)
