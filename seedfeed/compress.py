"""The gzip twin of a document: made the same way by the static build (`.gz` files for
gzip_static) and the server (Content-Encoding: gzip)."""

from __future__ import annotations

import gzip

GZIP_MIN_BYTES = 256  # smaller documents are sent as they are: gzip would not pay


def gzip_body(body: bytes) -> bytes:
    """Precompressed bytes, deterministic (no name, no timestamp in the header)."""
    return gzip.compress(body, compresslevel=9, mtime=0)
