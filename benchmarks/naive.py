"""A reference point for benchmarks/serve.py: the obvious Flask view with make_conditional.

Serves the same bytes as benchmarks/bare.py through a Flask Response per request.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, Response, request

_BODY = Path(os.environ["BARE_BODY_FILE"]).read_bytes()
_ETAG = os.environ["BARE_ETAG"].strip('"')

app = Flask(__name__)


@app.get("/<path:path>")
def document(path: str) -> Response:
    response = Response(_BODY, content_type=os.environ.get("BARE_CONTENT_TYPE"))
    response.set_etag(_ETAG)
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response.make_conditional(request)
