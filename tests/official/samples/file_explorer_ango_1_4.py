# A File Explorer plugin for ango 1.3+ that reads the event as the vendor's sample does (bucket,
# folder, files, upload, projectId, storageId, scrollToken) and browses a local directory standing
# in for the bucket (BUCKET_ROOT/<bucket>/<folder>), answering {folders, files, scrollToken, success}.
# Uploading does what the vendor's sample does: get_storages(storageId) for the region, then
# upload_files_cloud with the files' S3 URLs.
import os

from imerit_ango.plugins import FileExplorerPlugin, run
from imerit_ango.sdk import SDK

HOST = os.environ["ANGO_HOST"]
PLUGIN_ID = os.environ["PLUGIN_ID"]
PLUGIN_SECRET = os.environ["PLUGIN_SECRET"]
ROOT = os.environ["BUCKET_ROOT"]


def sample_callback(data):
    bucket = data.get("bucket")
    folder = data.get("folder", "")
    logger = data.get("logger")
    logger.info("Plugin session is started!")
    if data.get("upload"):
        sdk = SDK(api_key=data.get("apiKey"), host=HOST)
        storage = sdk.get_storages(data.get("storageId"))
        region = storage.get("region")
        assets = [
            {"data": "https://%s.s3.%s.amazonaws.com/%s" % (bucket, region, key), "externalId": key}
            for key in data.get("files")
        ]
        response = sdk.upload_files_cloud(
            project_id=data.get("projectId"), assets=assets, storage_id=data.get("storageId")
        )
        if response.get("status", "") == "success":
            return str(len(assets)) + " assets are uploaded!"
        return "Error: " + str(response)
    base = os.path.join(ROOT, bucket)
    here = os.path.join(base, folder)
    folders, files = [], []
    for name in sorted(os.listdir(here)):
        key = (folder + name).lstrip("/")
        if os.path.isdir(os.path.join(here, name)):
            folders.append(key + "/")
        else:
            files.append(key)
    logger.info("Plugin session is ended!")
    return {"folders": folders, "files": files, "scrollToken": None, "success": True}


if __name__ == "__main__":
    run(FileExplorerPlugin(id=PLUGIN_ID, secret=PLUGIN_SECRET, callback=sample_callback), host=HOST)
