"""A parsed corpus to every document of the site, re-rendering only what changed.

The same function feeds the static build and the web app, so both hold the same bytes.
Each document remembers the inputs it was rendered from; given the previous rendering,
a document whose inputs are equal is reused instead of rendered again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, Protocol

from ..load import Corpus, Ref
from ..model import Entry, Level, Problem
from ..settings import SETTINGS_FILE, Section, Settings
from ..workers import fork_map
from . import feeds, jsonfeed, opml, pages
from .channel import Channel, Item
from .links import ALL, FEED_LABELS, FEED_TYPES, Links, section_slugs

HTML = "text/html"
FEED_SIZE_LIMIT = 4 * 2**20  # bytes: a feed document over this is warned about
_FEED_SUFFIXES = tuple(f".{fmt}" for fmt in FEED_TYPES)
MEDIA_TYPES = {**FEED_TYPES, "opml": "text/x-opml", "css": "text/css"}
FEED_ID_YEAR = 2024  # the date part of feed-level tag: ids; fixed so ids never change
# An empty feed's date when no seed or setting has a time either: plausible, and fixed.
NO_DATE = datetime(FEED_ID_YEAR, 1, 1, tzinfo=UTC)
_RENDERERS: dict[str, Callable[[Channel], bytes]] = {
    "rss": feeds.render_rss,
    "atom": feeds.render_atom,
    "json": jsonfeed.render_json,
}


@dataclass(frozen=True, slots=True)
class Document:
    """One file of the site: its path under the output root, bytes and metadata."""

    path: str
    body: bytes
    media_type: str
    last_modified: int  # unix seconds: when the content last changed
    digest: str  # a hash of body: the ETag, and how a build knows a file is current

    @classmethod
    def of(cls, path: str, body: bytes, media_type: str, last_modified: int) -> Document:
        return cls(path, body, media_type, last_modified, content_digest(body))


def content_digest(body: bytes) -> str:
    return hashlib.blake2b(body, digest_size=16).hexdigest()


class Placer(Protocol):
    """Puts rendered pages where they belong as soon as they are rendered (the build's
    output folder), in the process that rendered them; see render_site."""

    def prepare(self, paths: list[str]) -> None:
        """Called once with every path about to be placed, before any is."""

    def __call__(self, path: str, body: bytes, last_modified: int) -> object:
        """Place one page; what it returns is kept in RenderedSite.placed."""


@dataclass
class RenderedSite:
    settings: Settings | None = None
    documents: dict[str, Document] = field(default_factory=dict)
    keys: dict[str, Any] = field(default_factory=dict)
    rendered: int = 0  # how many documents were rendered (not reused) this time
    # The entries that feeds, the index and the OPML were made from, by fingerprint:
    # the next rendering finds them here instead of unpickling their seed files' entries.
    memo: dict[bytes, Entry] = field(default_factory=dict)
    # The sections' URL names, for the section folder names they were made from.
    slugs: tuple[tuple[str, ...], dict[str, str]] = ((), {})
    # Each section's settings, by slug, that its entry pages were rendered with.
    sections_rendered: dict[str, Section] = field(default_factory=dict)
    # What the placer returned for each page it placed (such a document has no body).
    placed: dict[str, object] = field(default_factory=dict)

    @property
    def sections(self) -> int:
        return sum(1 for path in self.documents if path.endswith("/index.html"))


@dataclass(frozen=True)
class _SectionView:
    name: str
    slug: str
    info: Section
    refs: tuple[Ref, ...]  # newest first
    last_modified: int


def render_feeds(corpus: Corpus) -> RenderedSite:
    """Only the feed documents of the site (what `check` measures)."""
    return _Builder(corpus, RenderedSite(), None, feeds_only=True).build()


def oversized_feeds(sizes: Iterable[tuple[str, int]]) -> list[Problem]:
    """A warning for each feed document over FEED_SIZE_LIMIT; `sizes`: (path, bytes).

    Some readers refuse a feed over 5 MiB; summaries are short leads, so a feed this big
    holds long full texts: fewer entries per feed (entries_per_feed) keep it readable.
    """
    return [Problem(SETTINGS_FILE, 1, Level.WARNING,
                    f"{path} is {size / 2**20:.1f} MiB, over {FEED_SIZE_LIMIT // 2**20} MiB "
                    "(some readers refuse feeds over 5 MiB): lower entries_per_feed")
            for path, size in sorted(sizes)
            if size > FEED_SIZE_LIMIT and path.endswith(_FEED_SUFFIXES)]


def render_site(corpus: Corpus, previous: RenderedSite | None = None,
                on_progress: Callable[[int, int], None] | None = None,
                jobs: int = 1, spool: Path | None = None,
                placer: Placer | None = None) -> RenderedSite:
    """Every document of the site for this corpus.

    With `jobs` above one, pages and feeds are rendered on that many forked processes
    when there are many (see workers.fork_map, and its `spool`): the same bytes, sooner.
    A `placer` (the static build's) then puts each of them in place in the process that
    rendered it: the writing is shared out too, and their bytes never travel back or
    wait in memory (their documents come back without a body).
    """
    settings = corpus.settings
    if previous is None or previous.settings != settings:
        previous = RenderedSite()
    builder = _Builder(corpus, previous, on_progress, jobs, spool, placer)
    return builder.build()


class _Builder:
    """Renders a corpus, reusing what `previous` rendered from the same inputs.

    Every document's key is made from what it shows, entries by their fingerprints, so
    that deciding to reuse a document never reads an entry: only the documents that are
    rendered read theirs.
    """

    def __init__(self, corpus: Corpus, previous: RenderedSite,
                 on_progress: Callable[[int, int], None] | None, jobs: int = 1,
                 spool: Path | None = None, placer: Placer | None = None,
                 feeds_only: bool = False) -> None:
        self.corpus = corpus
        self.feeds_only = feeds_only
        self.jobs = jobs
        self.spool = spool
        self.placer = placer
        # Documents to render (path, render) when jobs > 1: rendered together, in build().
        self._pending: list[tuple[str, Callable[[], bytes]]] = []
        self.settings = corpus.settings
        self.links = Links(self.settings)
        self.previous = previous
        self.on_progress = on_progress
        self.site = RenderedSite(settings=self.settings)
        self._chromes: dict[tuple[object, ...], pages.Chrome] = {}
        self._entry_renderers: dict[str, Callable[[Entry, str], bytes]] = {}
        self.settings_mtime = int(corpus.mtimes.get(SETTINGS_FILE, 0.0))
        self.site_mtime = int(max(corpus.mtimes.values(), default=0.0))
        # The Last-Modified of each seed file's entry pages, by the file's index.
        self._file_mtimes = [max(int(corpus.mtimes.get(rel, 0.0)), self.settings_mtime)
                             for rel, _, _ in corpus.files]

    def build(self) -> RenderedSite:
        sections = self._sections()
        total = sum(len(section.refs) for section in sections) + 8 * len(sections) + 8
        done = 0
        for section in sections:
            if self.feeds_only:
                self._section_feeds(section)
                continue
            for start in range(0, len(section.refs), 256):
                refs = section.refs[start:start + 256]
                self._entry_pages(section, refs)
                done += len(refs)
                self._progress(done, total)
            self._section_documents(section)
            done += 8
        self._site_documents(sections)
        self._render_pending(total, total)
        self._progress(total, total)
        return self.site

    def _progress(self, done: int, total: int) -> None:
        if self.on_progress is not None:
            self.on_progress(done, total)

    def _render_pending(self, done: int, total: int) -> None:
        """Render the documents put off by _put (counted in `done`), on several processes."""
        pending, self._pending = self._pending, []
        if pending:
            # A page's or feed's rendering reads entries but changes nothing in the
            # builder (see _put's `before`), so that another process can do it.
            # One run of pages per process: a section's pages read the same seed files.
            if self.placer is not None:
                self.placer.prepare([path for path, _ in pending])
            documents = self.site.documents
            rendered = fork_map(partial(_render_and_place, self.placer),
                                [(path, render, documents[path].last_modified)
                                 for path, render in pending],
                                self.jobs, lambda count: self._progress(
                                    done - len(pending) + count, total),
                                chunks_per_job=1, spool=self.spool)
            for (path, _), (body, digest, placed) in zip(pending, rendered, strict=True):
                self._finish(path, body, digest)
                if self.placer is not None:
                    self.site.placed[path] = placed

    def _entry(self, ref: Ref) -> Entry:
        key = self.corpus.fingerprint(ref)
        entry = self.site.memo.get(key) or self.previous.memo.get(key)
        return entry if entry is not None else self.corpus.entry(ref)

    def _memo(self, refs: Iterable[Ref]) -> list[Entry]:
        """The entries of `refs`, kept for the next rendering to find."""
        found = []
        for ref in refs:
            entry = self._entry(ref)
            self.site.memo[self.corpus.fingerprint(ref)] = entry
            found.append(entry)
        return found

    def _sections(self) -> list[_SectionView]:
        corpus = self.corpus
        views = []
        grouped = corpus.by_section
        names = tuple(grouped)
        known = self.previous.slugs  # (slugify is slow to import, and to run)
        slugs = known[1] if known[0] == names else section_slugs(names)
        self.site.slugs = (names, slugs)
        for name, refs in grouped.items():
            files = {corpus.files[f][0] for f in {ref[0] for ref in refs}}
            files |= {rel.rsplit("/", 1)[0] + "/" if "/" in rel else "./" for rel in files}
            mtime = max((corpus.mtimes.get(rel, 0.0) for rel in files), default=0.0)
            views.append(_SectionView(name, slugs[name], self.settings.section(name),
                                      refs, max(int(mtime), self.settings_mtime)))
        return views

    def _put(self, path: str, key: Any, media_type: str, last_modified: int,
             render: Callable[[], bytes], later: bool = False, reuse: bool = True,
             before: Callable[[], None] | None = None) -> None:
        """Reuse the previous document when its inputs are unchanged, else render it.

        `later`: a document that may be rendered with others (by _render_pending) when the
        build runs on several processes.  `reuse`: False when inputs that are not in the
        key changed (an entry page's key is its entry's fingerprint; its section's name
        and settings are compared once per section).  `before`: what must be done here,
        not in another process, before it is rendered (what changes the builder).
        """
        self.site.keys[path] = key
        old = self.previous.documents.get(path)
        if reuse and old is not None and self.previous.keys.get(path) == key:
            # Same inputs, same bytes; Last-Modified still follows the seeds' mtimes so
            # that it depends only on the seeds, never on what was built before.
            self.site.documents[path] = old if old.last_modified == last_modified else (
                Document(path, old.body, media_type, last_modified, old.digest))
            return
        # Unfinished until rendered; the entry keeps the documents in the order put.
        self.site.documents[path] = Document(path, b"", media_type, last_modified, "")
        if before is not None:
            before()
        if later and self.jobs > 1:
            self._pending.append((path, render))
        else:
            self._finish(path, *_render_and_hash(render))

    def _finish(self, path: str, body: bytes, digest: str) -> None:
        unfinished = self.site.documents[path]
        old = self.previous.documents.get(path)
        self.site.rendered += 1
        if old is not None and old.digest == digest and old.body \
                and old.last_modified == unfinished.last_modified:
            self.site.documents[path] = old
        else:
            self.site.documents[path] = Document(path, body, unfinished.media_type,
                                                 unfinished.last_modified, digest)

    def _feed_links(self, slug: str, root: str, title: str) -> list[dict[str, str]]:
        return [
            {"type": FEED_TYPES[fmt], "href": root + Links.feed_path(slug, fmt),
             "label": FEED_LABELS[fmt], "title": f"{title} ({FEED_LABELS[fmt]})"}
            for fmt in ("atom", "rss", "json")
        ]

    def _context(self, root: str, path: str, feed_links: list[dict[str, str]]) -> dict[str, Any]:
        key = (root, tuple(tuple(link.items()) for link in feed_links))
        shared = self._chromes.get(key)
        if shared is None:
            shared = self._chromes[key] = pages.chrome(root, self.settings.title, key[1])
        return {"site": self.settings, "site_title": self.settings.title,
                "lang": self.settings.language,
                "canonical": self.links.url(path.removesuffix("index.html")),
                "chrome": shared}

    def _entry_pages(self, section: _SectionView, refs: tuple[Ref, ...]) -> None:
        """The entry pages of `refs`, reused where their entries are unchanged.

        A site has a page per entry and a build after a small change reuses nearly all,
        so this loop is most of such a build's rendering: it takes a reused page itself,
        without _put.  An entry page's key is its entry's fingerprint; what else it shows
        (its section's title and the site's settings, which reset all reuse) is compared
        once per section.
        """
        mtimes = self._file_mtimes
        old_documents, old_keys = self.previous.documents, self.previous.keys
        documents, keys = self.site.documents, self.site.keys
        slug = section.slug
        reuse = self.previous.sections_rendered.get(slug) == section.info
        self.site.sections_rendered[slug] = section.info
        corpus = self.corpus
        for ref in refs:
            path = f"{slug}/{corpus.slug(ref)}.html"  # Links.entry_path, inlined
            fingerprint, mtime = corpus.fingerprint(ref), mtimes[ref[0]]
            old = old_documents.get(path)
            if (reuse and old is not None and old.last_modified == mtime
                    and old_keys.get(path) == fingerprint):
                documents[path] = old
                keys[path] = fingerprint
            else:
                self._put(path, fingerprint, HTML, mtime,
                          partial(self._render_entry_page, section, ref, path),
                          later=True, reuse=reuse)

    def _render_entry_page(self, section: _SectionView, ref: Ref, path: str) -> bytes:
        render = self._entry_renderers.get(section.slug)
        if render is None:  # made with what every entry page of the section shares
            feed_links = self._feed_links(section.slug, "../", section.info.title)
            context = self._context("../", path, feed_links)
            del context["canonical"]  # the page's own
            context["section"] = {"title": section.info.title, "href": "./"}
            render = self._entry_renderers[section.slug] = pages.entry_page_renderer(context)
        return render(self._entry(ref), self.links.url(path))

    def _channel(self, slug: str, info: Section, entries: list[Entry], fmt: str,
                 entry_slugs: tuple[str, ...], mtime: int) -> Channel:
        """A feed of `entries`, dated by the last change of any of them (an entry added or
        edited); an empty feed by `mtime` (when its seeds or settings last changed), never
        1970."""
        if entries:
            newest = max(entry.modified for entry in entries)
        else:
            newest = datetime.fromtimestamp(mtime, UTC) if mtime > 0 else NO_DATE
        return Channel(
            feed_id=f"tag:{self.settings.authority},{FEED_ID_YEAR}:feed/{slug}",
            title=info.title,
            description=info.description,
            language=self.settings.language,
            author=self.settings.author_name,
            html_url=self.links.url(Links.section_url_path(slug) if slug != ALL else ""),
            self_url=self.links.url(Links.feed_path(slug, fmt)),
            updated=newest,
            max_age=self.settings.max_age,
            items=tuple(Item(entry, self.links.url(Links.entry_path(section, entry)))
                        for entry, section in zip(entries, entry_slugs, strict=True)),
        )

    def _feeds(self, slug: str, info: Section, refs: tuple[Ref, ...], mtime: int,
               entry_slugs: tuple[str, ...]) -> None:
        """A feed in every format; `entry_slugs`: the section slug of each entry in it."""
        top = refs[: self.settings.entries_per_feed]
        entry_slugs = entry_slugs[: len(top)]
        key = (info, tuple(map(self.corpus.fingerprint, top)), entry_slugs,
               None if top else mtime)  # (an empty feed is dated by its mtime)
        entries: list[Entry] = []

        def read() -> None:  # (the memo is the builder's: filled here, not in a worker)
            entries[:] = entries or self._memo(top)

        for fmt, render_feed in _RENDERERS.items():
            def render(fmt: str = fmt, render_feed: Callable[[Channel], bytes] = render_feed
                       ) -> bytes:
                return render_feed(self._channel(slug, info, entries, fmt, entry_slugs,
                                                 mtime))

            self._put(Links.feed_path(slug, fmt), key, MEDIA_TYPES[fmt], mtime, render,
                      later=True, before=read)
        self._carry(top)

    def _carry(self, refs: Iterable[Ref]) -> None:
        """Keep memo entries of reused documents for the next rendering."""
        for ref in refs:
            key = self.corpus.fingerprint(ref)
            if key not in self.site.memo and key in self.previous.memo:
                self.site.memo[key] = self.previous.memo[key]

    def _section_feeds(self, section: _SectionView) -> None:
        self._feeds(section.slug, section.info, section.refs, section.last_modified,
                    (section.slug,) * min(len(section.refs), self.settings.entries_per_feed))

    def _section_documents(self, section: _SectionView) -> None:
        self._section_feeds(section)
        path = Links.section_path(section.slug)
        feed_links = self._feed_links(section.slug, "../", section.info.title)

        def render() -> bytes:
            items = [{"entry": entry, "date": entry.published.date().isoformat(),
                      "href": f"{entry.slug}.html"}
                     for entry in map(self._entry, section.refs)]
            return pages.render_page(
                "section.html", items=items,
                section={"title": section.info.title, "description": section.info.description,
                         "feeds": feed_links},
                **self._context("../", path, feed_links))

        key = (section.info, tuple(map(self.corpus.fingerprint, section.refs)))
        self._put(path, key, HTML, section.last_modified, render, later=True)

    def _site_documents(self, sections: list[_SectionView]) -> None:
        settings = self.settings
        corpus = self.corpus
        slugs = {section.name: section.slug for section in sections}
        everything = Section(title=settings.title, description=settings.description)
        mtime = max(self.site_mtime, self.settings_mtime)
        top = corpus.order[: settings.entries_per_feed]
        self._feeds(ALL, everything, top, mtime,
                    tuple(slugs[corpus.files[f][1]] for f, _ in top))
        if self.feeds_only:
            return
        summary = tuple((s.slug, s.info, len(s.refs), corpus.fingerprint(s.refs[0]))
                        for s in sections)
        all_links = self._feed_links(ALL, "", settings.title)
        feed_links = [link for s in sections
                      for link in self._feed_links(s.slug, "", s.info.title)] + all_links

        def render_index() -> bytes:
            newest = self._memo(s.refs[0] for s in sections)
            cards = [{"title": s.info.title, "description": s.info.description,
                      "href": Links.section_url_path(s.slug), "count": len(s.refs),
                      "newest": entry, "newest_href": Links.entry_path(s.slug, entry),
                      "feeds": self._feed_links(s.slug, "", s.info.title)}
                     for s, entry in zip(sections, newest, strict=True)]
            return pages.render_page("index.html", sections=cards, all_feeds=all_links,
                                     **self._context("", "index.html", feed_links))

        self._put("index.html", summary, HTML, mtime, render_index)
        self._carry(s.refs[0] for s in sections)
        fmt = settings.preferred_format

        def render_opml() -> bytes:
            newest = self._memo(corpus.order[:1])[0].published if corpus.order else None
            subscriptions = [
                opml.Subscription(s.info.title, self.links.url(Links.feed_path(s.slug, fmt)),
                                  self.links.url(Links.section_url_path(s.slug)),
                                  s.info.description) for s in sections
            ]
            subscriptions.append(opml.Subscription(
                everything.title, self.links.url(Links.feed_path(ALL, fmt)),
                self.links.url(""), everything.description))
            return opml.render_opml(settings.title, subscriptions, newest)

        newest_key = corpus.fingerprint(corpus.order[0]) if corpus.order else None
        self._put("feeds.opml", (summary, newest_key), MEDIA_TYPES["opml"], mtime, render_opml)
        self._carry(corpus.order[:1])
        self._put("style.css", None, MEDIA_TYPES["css"], self.settings_mtime,
                  pages.stylesheet)


def _render_and_hash(render: Callable[[], bytes]) -> tuple[bytes, str]:
    body = render()
    return body, content_digest(body)


def _render_and_place(placer: Placer | None,
                      page: tuple[str, Callable[[], bytes], int]) -> tuple[bytes, str, object]:
    """A pending page rendered, hashed and, given a placer, placed (then without its body)."""
    path, render, last_modified = page
    body, digest = _render_and_hash(render)
    if placer is None:
        return body, digest, None
    return b"", digest, placer(path, body, last_modified)
