# A Batch Model plugin that answers with what its callback received, as a JSON string:
# how it was called, the event's keys, the batches it saw and the type of configJSON.
# Runs on ango 1.1.x (module ango) and 1.3+ (module imerit_ango).
import json
import os

try:
    from imerit_ango.plugins import BatchModelPlugin, run
except ImportError:  # ango 1.1.x
    from ango.plugins import BatchModelPlugin, run

HOST = os.environ["ANGO_HOST"]
PLUGIN_ID = os.environ["PLUGIN_ID"]
PLUGIN_SECRET = os.environ["PLUGIN_SECRET"]


def run_model(*args, **data):
    style = "positional" if args else "keywords"
    data = args[0] if args else data
    data["logger"].info("probe", extra={"probeField": 1})
    return json.dumps(
        {
            "style": style,
            "keys": sorted(k for k in data if k != "logger"),
            "batches": data.get("batches"),
            "configJSONType": type(data.get("configJSON")).__name__,
        }
    )


if __name__ == "__main__":
    run(BatchModelPlugin(id=PLUGIN_ID, secret=PLUGIN_SECRET, callback=run_model), host=HOST)
