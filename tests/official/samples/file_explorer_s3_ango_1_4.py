# A File Explorer plugin for ango 1.3+ on S3, written as the vendor's file_explorer_plugin.py uses the
# API: the storage's region and keys from get_storages(storageId), boto3's list_objects paginator with
# Delimiter "/" for folders, a scroll token after a full page, and upload_files_cloud of the files'
# S3 URLs. Set AWS_ENDPOINT_URL to send boto3 to a local S3 (mockango_s3).
import os

import boto3
from imerit_ango.plugins import FileExplorerPlugin, run
from imerit_ango.sdk import SDK

HOST = os.environ["ANGO_HOST"]
PLUGIN_ID = os.environ["PLUGIN_ID"]
PLUGIN_SECRET = os.environ["PLUGIN_SECRET"]
PAGE_SIZE = 50


def keys_under(paginator, bucket, folder, **config):
    pages = paginator.paginate(Bucket=bucket, Prefix=folder, Delimiter="/", PaginationConfig=config)
    return pages


def sample_callback(data):
    bucket, folder = data.get("bucket"), data.get("folder", "")
    logger = data.get("logger")
    sdk = SDK(api_key=data.get("apiKey"), host=HOST)
    storage = sdk.get_storages(data.get("storageId"))
    region = storage.get("region")
    s3 = boto3.client(
        "s3",
        region_name=region,
        aws_access_key_id=storage.get("publicKey"),
        aws_secret_access_key=storage.get("privateKey"),
    )
    paginator = s3.get_paginator("list_objects")
    if not data.get("upload", False):
        page = next(
            iter(keys_under(paginator, bucket, folder, PageSize=PAGE_SIZE, StartingToken=data.get("scrollToken")))
        )
        contents = page.get("Contents", []) or []
        files = [c["Key"] for c in contents if not c["Key"].endswith("/")]
        folders = [p["Prefix"] for p in page.get("CommonPrefixes", []) or []]
        token = contents[-1]["Key"] if len(contents) == PAGE_SIZE else None
        logger.info("listed %d files" % len(files))
        return {"folders": folders, "files": files, "scrollToken": token, "success": True}
    keys = data.get("files") or [
        c["Key"]
        for page in keys_under(paginator, bucket, folder, PageSize=1000)
        for c in page.get("Contents", [])
        if not c["Key"].endswith("/")
    ]
    assets = [{"data": "https://%s.s3.%s.amazonaws.com/%s" % (bucket, region, key), "externalId": key} for key in keys]
    response = sdk.upload_files_cloud(project_id=data.get("projectId"), assets=assets, storage_id=data.get("storageId"))
    if response.get("status", "") == "success":
        return str(len(assets)) + " assets are uploaded!"
    return "Error: " + str(response)


if __name__ == "__main__":
    run(FileExplorerPlugin(id=PLUGIN_ID, secret=PLUGIN_SECRET, callback=sample_callback), host=HOST)
