"""seedfeed: plain-text news dumps to RSS, Atom, JSON Feed, HTML pages and OPML."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(seeds: Any = None, test_config: dict[str, Any] | None = None) -> Flask:
    """The Flask app factory (see seedfeed.web); imported lazily so the CLI stays light."""
    from .web import create_app as factory

    return factory(seeds, test_config)
