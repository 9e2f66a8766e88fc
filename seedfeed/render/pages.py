"""HTML pages from Jinja2 templates: the index, a page per section and per entry."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib.resources import files
from typing import Any

from babel.support import NullTranslations
from jinja2 import Environment, FileSystemBytecodeCache, PackageLoader, select_autoescape
from jinja2.bccache import Bucket
from markupsafe import Markup

from ..model import Entry


class _BytecodeCache(FileSystemBytecodeCache):
    """Jinja's compiled templates kept between runs (its own temporary folder by default).

    Compiling the templates costs a build command tens of milliseconds, as much as the
    rest of a build that has little to do.  A cache that cannot be written is no error.
    """

    def dump_bytecode(self, bucket: Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def _bytecode_cache() -> FileSystemBytecodeCache | None:
    try:
        return _BytecodeCache()
    except (OSError, RuntimeError):  # no private, writable temporary folder
        return None


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("seedfeed", "templates"),
        autoescape=select_autoescape(["html"]),
        # {% trans %} and _(): the words come with each page's context (`gettext`,
        # `ngettext`: see i18n.translations), as pages of one build differ in language.
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=_bytecode_cache(),
        # Templates are part of the installed package: checking them for changes costs a
        # stat per page rendered (a quarter of an entry page's time), and a new version
        # of seedfeed starts a new process anyway.
        auto_reload=False,
    )
    # {% trans %} blocks' whitespace collapsed, as pybabel extracts them (babel.cfg)
    env.policies["ext.i18n.trimmed"] = True
    return env


def render_page(template: str, **context: Any) -> bytes:
    return environment().get_template(template).render(**context).encode("utf-8")


Neighbour = tuple[str, str, str | None] | None  # an entry next to another: its title,
# its page and its language (when not its section's)


def entry_page_renderer(context: dict[str, Any], day_of: Callable[[date], str]
                        ) -> Callable[[Entry, str, Neighbour, Neighbour], bytes]:
    """What renders the entry pages of one folder, given what they all share (`day_of`:
    a day as the pages write it, see i18n.long_date).

    A site has a page per entry: the template's module is made once, with the shared
    context, and each page is a call of its macro, at half the cost of a render.
    """
    module: Any = environment().get_template("entry.html").make_module(context)
    page_of = module.page_of  # (a template's macros are its module's attributes)

    def render(entry: Entry, canonical: str, newer: Neighbour = None,
               older: Neighbour = None) -> bytes:
        day = entry.published.date()
        return str(page_of(entry, day.isoformat(), day_of(day), canonical, newer,
                           older)).encode()

    return render


@dataclass(frozen=True, slots=True)
class Chrome:
    """The parts of a page shared by every page of a folder, as ready markup."""

    head: Markup
    header: Markup
    footer: Markup


def chrome(root: str, site_title: str, feeds: tuple[tuple[tuple[str, str], ...], ...],
           sections: tuple[tuple[str, str, str | None], ...] = (),
           words: NullTranslations | None = None) -> Chrome:
    """Render the shared parts once: a site has thousands of entry pages per folder.

    `feeds` holds each alternate feed link as (key, value) pairs (hashable, so that a
    caller can keep the result per folder); `sections`: (title, href, language when not
    the page's) of each section, for the header's navigation; `words`: the page's
    language (i18n.translations).
    """
    words = words or NullTranslations()
    module: Any = environment().get_template("chrome.html").make_module(
        {"root": root, "site_title": site_title, "feeds": [dict(feed) for feed in feeds],
         "sections": sections, "gettext": words.gettext, "ngettext": words.ngettext})
    return Chrome(Markup(module.head()), Markup(module.header()), Markup(module.footer()))


@cache
def stylesheet() -> bytes:
    return static("style.css")


@cache
def static(name: str) -> bytes:
    """A file of seedfeed's own that the site publishes as it is (stylesheet, icons)."""
    return files("seedfeed").joinpath("static", name).read_bytes()
