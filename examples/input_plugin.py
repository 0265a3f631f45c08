# An Input plugin for plugin_client: given fileExplorerOptions (the files a user picked), it answers
# which of them it accepts (images only) and why it refuses the others.
import os

from plugin_client import InputPlugin, run

HOST = os.environ.get("ANGO_HOST", "http://127.0.0.1:8080")
PLUGIN_ID = os.environ["PLUGIN_ID"]
PLUGIN_SECRET = os.environ["PLUGIN_SECRET"]
IMAGES = (".png", ".jpg", ".jpeg", ".tif", ".tiff")


def choose(data):
    options = data.get("fileExplorerOptions") or {}
    files = options.get("files", []) if isinstance(options, dict) else []
    accepted = [name for name in files if name.lower().endswith(IMAGES)]
    refused = {name: "not an image" for name in files if name not in accepted}
    data["logger"].info(f"accepted {len(accepted)} of {len(files)} file(s)")
    return {"accepted": accepted, "refused": refused}


if __name__ == "__main__":
    run(InputPlugin(PLUGIN_ID, PLUGIN_SECRET, choose, host=HOST), host=HOST)
