# A Batch Model plugin whose callback logs one line and then raises.
# Runs on ango 1.1.x (module ango, callback(**data)) and 1.3+ (module imerit_ango,
# callback(data)). HOST / PLUGIN_ID / PLUGIN_SECRET come from the environment.
import os

try:
    from imerit_ango.plugins import BatchModelPlugin, run
except ImportError:  # ango 1.1.x
    from ango.plugins import BatchModelPlugin, run

HOST = os.environ["ANGO_HOST"]
PLUGIN_ID = os.environ["PLUGIN_ID"]
PLUGIN_SECRET = os.environ["PLUGIN_SECRET"]

FAILURE = "model exploded on purpose"


def run_model(*args, **data):
    data = args[0] if args else data
    data["logger"].info("Plugin session is started!")
    raise RuntimeError(FAILURE)


if __name__ == "__main__":
    run(BatchModelPlugin(id=PLUGIN_ID, secret=PLUGIN_SECRET, callback=run_model), host=HOST)
