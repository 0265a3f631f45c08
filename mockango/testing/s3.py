"""S3 on loopback for File Explorer plugins: a moto server standing in for the bucket, offline.

boto3 (>= 1.28) sends every call to ``AWS_ENDPOINT_URL`` when it is set, so a plugin written
for real S3 (the vendor's File Explorer sample: ``boto3.client("s3", region_name=...,
aws_access_key_id=..., aws_secret_access_key=...)``) lists and reads this server's buckets
unchanged, whatever keys its storage record holds::

    with LocalS3() as s3:                                  # sets AWS_ENDPOINT_URL for this process
        s3.put("photos", {"2024/a.png": b"...", "2024/b.png": b"..."})
        ... start the plugin (a subprocess inherits the variable) and run it ...

Needs ``moto[server]`` (mockango's ``bench`` extra); without it, :class:`LocalS3` raises
:class:`ImportError` saying what to install. Binds 127.0.0.1 on a free port.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from typing import Any

ENDPOINT_VARIABLE = "AWS_ENDPOINT_URL"
DUMMY_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "mockango",
    "AWS_SECRET_ACCESS_KEY": "mockango",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LocalS3:
    """A moto S3 server in a background thread; ``url`` is its endpoint.

    With ``set_env`` (the default) ``AWS_ENDPOINT_URL`` (and dummy credentials, where none
    are set) are put in ``os.environ`` while it runs and restored after.
    """

    def __init__(self, *, set_env: bool = True) -> None:
        try:
            from moto.server import ThreadedMotoServer
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError(
                "LocalS3 needs moto's server: pip install 'moto[server]' (or mockango's bench extra)"
            ) from exc
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._set_env = set_env
        self._saved: dict[str, str | None] = {}

    def start(self) -> LocalS3:
        self._server.start()
        if self._set_env:
            values = {
                ENDPOINT_VARIABLE: self.url,
                **{k: v for k, v in DUMMY_CREDENTIALS.items() if k not in os.environ},
            }
            self._saved = {key: os.environ.get(key) for key in values}
            os.environ.update(values)
        return self

    def stop(self) -> None:
        for key, value in self._saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved = {}
        self._server.stop()

    def __enter__(self) -> LocalS3:
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    def client(self, region: str = "us-east-1"):
        """A boto3 S3 client for this server."""
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.url,
            region_name=region,
            aws_access_key_id="mockango",
            aws_secret_access_key="mockango",
        )

    def put(self, bucket: str, files: Mapping[str, bytes], *, region: str = "us-east-1") -> None:
        """Create ``bucket`` (if needed) and store ``files`` (key -> bytes) in it."""
        s3 = self.client(region)
        existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
        if bucket not in existing:
            s3.create_bucket(Bucket=bucket)
        for key, body in files.items():
            s3.put_object(Bucket=bucket, Key=key, Body=body)
