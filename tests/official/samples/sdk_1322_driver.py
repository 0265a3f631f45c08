"""imerit-ango 1.3.22's request shapes that differ from 1.4.10, against a mockango host.

``python sdk_1322_driver.py <host> <api key> <project id>``; prints one JSON object of
what each call returned (the test checks it and reads the host's state).
"""

import json
import sys

from imerit_ango.sdk import SDK

host, key, project = sys.argv[1:4]
sdk = SDK(api_key=key, host=host)
out = {}
out["create_batch"] = sdk.create_batch(project, "from 1.3.22")
out["create_batch_again"] = sdk.create_batch(project, "from 1.3.22")  # refused: the message comes back
rows, count = sdk.exportV3(project, stage="Label", export_format="ndjson")
out["export_count"] = count
out["export_first"] = next(rows)
out["export_json_len"] = len(sdk.export(project, stage="Label"))
out["tasks_at_label"] = sdk.get_tasks(project, stage="Label", limit=5)["data"]["total"]
out["tasks_by_status"] = sdk.get_tasks(project, status="TODO", limit=5)["data"]["total"]
out["missing_task"] = sdk.get_task("f" * 24)
print(json.dumps(out))
