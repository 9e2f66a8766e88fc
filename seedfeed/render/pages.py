"""HTML pages from Jinja2 templates: the index, a page per section and per entry."""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape


@cache
def environment() -> Environment:
    return Environment(
        loader=PackageLoader("seedfeed", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_page(template: str, **context: Any) -> bytes:
    return environment().get_template(template).render(**context).encode("utf-8")


@cache
def stylesheet() -> bytes:
    return files("seedfeed").joinpath("static/style.css").read_bytes()
