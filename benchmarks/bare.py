"""The baseline for benchmarks/serve.py: a bare WSGI callable returning fixed bytes.

It answers one document with the same headers the app sends, and a 304 when the
If-None-Match header equals its ETag: the least any server of these bytes must do.
"""

from __future__ import annotations

import os
from pathlib import Path

_BODY = Path(os.environ["BARE_BODY_FILE"]).read_bytes()
_ETAG = os.environ["BARE_ETAG"]
_HEADERS = [
    ("Content-Type", os.environ.get("BARE_CONTENT_TYPE", "application/atom+xml; charset=utf-8")),
    ("Content-Length", str(len(_BODY))),
    ("ETag", _ETAG),
    ("Cache-Control", "public, max-age=300"),
]


def app(environ, start_response):  # type: ignore[no-untyped-def]
    if environ.get("HTTP_IF_NONE_MATCH") == _ETAG:
        start_response("304 Not Modified", _HEADERS[2:])
        return []
    start_response("200 OK", _HEADERS)
    return [_BODY]
