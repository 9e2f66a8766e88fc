"""JSON Feed 1.1 (https://jsonfeed.org/version/1.1)."""

from __future__ import annotations

import json
from typing import Any

from .channel import Channel

VERSION = "https://jsonfeed.org/version/1.1"


def render_json(channel: Channel) -> bytes:
    """A JSON Feed document; keys in a fixed order so the bytes are deterministic."""
    feed: dict[str, Any] = {
        "version": VERSION,
        "title": channel.title,
        "home_page_url": channel.html_url,
        "feed_url": channel.self_url,
        "description": channel.description,
        "language": channel.language,
        "authors": [{"name": channel.author}],
        **({"hubs": [{"type": "WebSub", "url": channel.hub}]} if channel.hub else {}),
        # (paging to older items: the next older archive document, RFC 5005's prev-archive)
        **({"next_url": channel.prev_archive} if channel.prev_archive else {}),
        "items": [
            {
                "id": item.entry.id,
                "url": item.url,
                "title": item.entry.title,
                "summary": item.entry.summary,
                "content_html": item.entry.content_html,
                "date_published": item.entry.published.isoformat(),
                "date_modified": item.entry.modified.isoformat(),
                **({"language": item.language} if item.language else {}),
                **({"tags": [item.category[1]]} if item.category else {}),
            }
            for item in channel.items
        ],
    }
    return (json.dumps(feed, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
