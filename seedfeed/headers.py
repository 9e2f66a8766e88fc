"""The HTTP headers a document is published with, the same wherever it is published:
by the server (serve.py) and in object storage (deploy.py); deploy/nginx.conf says the
same for the static build."""

from __future__ import annotations

import re

# The media type of each kind of document, by the extension of its path.
MEDIA_TYPES = {"html": "text/html", "rss": "application/rss+xml",
               "atom": "application/atom+xml", "json": "application/feed+json",
               "opml": "text/x-opml", "css": "text/css", "svg": "image/svg+xml",
               "ico": "image/vnd.microsoft.icon"}
# An archive document's bytes never change (RFC 5005 archives: complete pages only).
IMMUTABLE = "public, max-age=31536000, immutable"
TEXT_TYPES = ("text/", "application/rss+xml", "application/atom+xml", "application/feed+json")
ARCHIVE = re.compile(r"(?:.*/)?archive-\d+\.(?:atom|rss|json)")  # render.links.archive_path
SUBSCRIPTION = re.compile(r"[^/]+\.(?:atom|rss|json)")  # a feed readers subscribe to


def content_type(media_type: str) -> str:
    """Content-Type: text documents say they are UTF-8."""
    return f"{media_type}; charset=utf-8" if media_type.startswith(TEXT_TYPES) else media_type


def cache_control(immutable: bool, max_age: int) -> str:
    """Cache-Control: a year and `immutable` for archive documents, else `max_age` s."""
    return IMMUTABLE if immutable else f"public, max-age={max_age}"


def websub_links(hub: str, self_url: str) -> str:
    """The Link header of a subscription feed of a site with a WebSub hub (W3C WebSub
    section 4: rel="hub" and rel="self", RFC 8288's form)."""
    return f'<{hub}>; rel="hub", <{self_url}>; rel="self"'
