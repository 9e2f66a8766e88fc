"""A corpus to every document of the site: a pure function, rendering on demand.

`render_site` lists the site's documents, each with a key: a hash of everything it
shows, made from the entries' fingerprints without reading any entry.  Equal keys give
equal bytes, so a caller that has a document rendered from the same key (the static
build's output folder, the server's previous snapshot) need not render it again.  The
static build and the web app both take their bytes from here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

from ..corpus import Corpus, Ref
from ..headers import MEDIA_TYPES
from ..i18n import long_date, primary, translations
from ..model import Entry, Level, Problem
from ..settings import SETTINGS_FILE, Section
from . import feeds, jsonfeed, opml, pages
from .channel import Channel, Item
from .links import ALL, FEED_LABELS, FEED_TYPES, Links, section_slugs

FEED_SIZE_LIMIT = 4 * 2**20  # bytes: a feed document over this is warned about
_FEED_SUFFIXES = tuple(f".{fmt}" for fmt in FEED_TYPES)
HTML = MEDIA_TYPES["html"]
LATEST = 10  # newest headlines of all sections on the front page
FEW = 3  # newest entries of each section on the front page
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
    """One file of the site, its bytes made on demand by `render()`.

    path: under the output root ("news/index.html"); key: a hash of what it shows (equal
    keys, equal bytes); mtime: unix seconds, the newest mtime of the seeds and settings
    behind it (the date its bytes get when they change; see database.Database.date).
    Equal keys at one path give equal bytes.
    """

    path: str
    media_type: str
    key: bytes
    mtime: int
    render: Callable[[], bytes]
    immutable: bool = False  # an archive document: its bytes never change (RFC 5005)


def content_digest(body: bytes) -> str:
    """A hash of a document's bytes: its ETag, and how a build knows a file is current."""
    return hashlib.blake2b(body, digest_size=16).hexdigest()


def _key(*parts: object) -> bytes:
    return hashlib.blake2b(repr(parts).encode("utf-8", "surrogatepass"),
                           digest_size=16).digest()


def render_feeds(corpus: Corpus) -> list[tuple[str, bytes]]:
    """(path, bytes) of the site's feed documents only (what `check` measures)."""
    return [(document.path, document.render()) for document in render_site(corpus)
            if document.path.endswith(_FEED_SUFFIXES)]


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


@dataclass(frozen=True)
class _SectionView:
    name: str
    slug: str
    info: Section
    refs: tuple[Ref, ...]  # newest first
    mtime: int


def render_site(corpus: Corpus) -> list[Document]:
    """Every document of the site for this corpus: each section's entry pages, feeds
    (Atom, RSS, JSON Feed) and page, the combined feeds, the index, the OPML and the
    stylesheet, in that order."""
    return _Site(corpus).documents()


class _Site:
    """What the documents of one rendering share (links, page chrome, section views)."""

    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus
        self.settings = settings = corpus.settings
        self.links = Links(settings)
        self.salt = repr(settings)  # every document shows the settings
        self._chromes: dict[tuple[object, ...], pages.Chrome] = {}
        self._entry_renderers: dict[str, Callable[..., bytes]] = {}
        self.slugs: dict[str, str] = {}  # each section's URL name
        self.pages_salt = b""  # what every page shows beyond itself (see documents())
        self.settings_mtime = int(corpus.mtimes.get(SETTINGS_FILE, 0.0))

    def documents(self) -> list[Document]:
        corpus = self.corpus
        grouped = corpus.by_section
        slugs = self.slugs = section_slugs(grouped)
        self.pages_salt = _key(self.salt, sorted(slugs.items()))  # (the header lists them)
        found: list[Document] = []
        sections = []
        for name, refs in grouped.items():
            files = {corpus.files[f][0] for f in {ref[0] for ref in refs}}
            files |= {rel.rsplit("/", 1)[0] + "/" if "/" in rel else "./" for rel in files}
            mtime = max((corpus.mtimes.get(rel, 0.0) for rel in files), default=0.0)
            section = _SectionView(name, slugs[name], self.settings.section(name), refs,
                                   max(int(mtime), self.settings_mtime))
            sections.append(section)
            found += self._entry_pages(section)
            found += self._feeds(section.slug, section.info, refs, section.mtime,
                                 (section.slug,) * len(refs),
                                 self.settings.section_language(name))
            found += self._section_pages(section.slug, section.info, refs, section.mtime,
                                         self.settings.section_language(name))
        mtime = int(max(corpus.mtimes.values(), default=0.0))
        everything = Section(title=self.settings.title, description=self.settings.description)
        found += self._feeds(ALL, everything, corpus.order, mtime,
                             tuple(slugs[corpus.files[f][1]] for f, _ in corpus.order),
                             self.settings.language)
        found += self._section_pages(ALL, Section(_all_label(self.settings.language),
                                                  everything.description),
                                     corpus.order, max(mtime, self.settings_mtime),
                                     self.settings.language)
        found += self._site_pages(sections, everything, mtime)
        return found

    def _entry_pages(self, section: _SectionView) -> list[Document]:
        corpus = self.corpus
        salt = _key(self.pages_salt, section.slug, section.info)
        files = corpus.files
        mtimes = corpus.mtimes
        found = []
        refs = section.refs
        prints = [corpus.fingerprint(ref) for ref in refs]
        for k, ref in enumerate(refs):
            path = f"{section.slug}/{corpus.slug(ref)}.html"  # Links.entry_path
            mtime = max(int(mtimes.get(files[ref[0]][0], 0.0)), self.settings_mtime)
            # (a page links the entries before and after it: their titles are on it)
            newer, older = (refs[k - 1] if k else None), (refs[k + 1] if k + 1 < len(refs)
                                                          else None)
            key = salt + hashlib.blake2b(b"\x1f".join((
                prints[k], prints[k - 1] if k else b"",
                prints[k + 1] if k + 1 < len(refs) else b"")), digest_size=16).digest()
            found.append(Document(path, HTML, key, mtime, partial(
                self._entry_page, section, ref, path, newer, older)))
        return found

    def _entry_page(self, section: _SectionView, ref: Ref, path: str, newer: Ref | None,
                    older: Ref | None) -> bytes:
        """An entry's page; `newer`, `older`: the entries next to it in its section."""
        render = self._entry_renderers.get(section.slug)
        if render is None:  # made with what every entry page of the section shares
            feed_links = self._feed_links(section.slug, "../", section.info.title)
            language = self.settings.section_language(section.name)
            context = self._context("../", path, feed_links, language)
            del context["canonical"]  # the page's own
            context["section"] = {"title": section.info.title, "href": "./"}
            render = self._entry_renderers[section.slug] = pages.entry_page_renderer(
                context, partial(long_date, language=language))
        neighbours: list[pages.Neighbour] = []
        for near in (newer, older):
            if near is None:
                neighbours.append(None)
                continue
            found = self.corpus.entry(near)
            neighbours.append((found.title, f"{self.corpus.slug(near)}.html", found.language))
        return render(self.corpus.entry(ref), self.links.url(path), *neighbours)

    def _feed_links(self, slug: str, root: str, title: str) -> list[dict[str, str]]:
        return [
            {"type": FEED_TYPES[fmt], "href": root + Links.feed_path(slug, fmt),
             "label": FEED_LABELS[fmt], "title": f"{title} ({FEED_LABELS[fmt]})"}
            for fmt in ("atom", "rss", "json")
        ]

    def _context(self, root: str, path: str, feed_links: list[dict[str, str]],
                 language: str) -> dict[str, Any]:
        """What a page's template is given: the site, the page's language (`lang`) and
        its words (`gettext`, `ngettext`), its canonical URL and its chrome."""
        key = (root, tuple(tuple(link.items()) for link in feed_links), language)
        words = translations(language)
        shared = self._chromes.get(key)
        if shared is None:
            shared = self._chromes[key] = pages.chrome(root, self.settings.title, key[1], (
                *((self.settings.section(name).title, f"{root}{slug}/",
                   self._section_language_on(name, language))
                  for name, slug in self.slugs.items()),
                (_all_label(language), f"{root}{ALL}/", None)), words)
        return {"site": self.settings, "site_title": self.settings.title, "lang": language,
                "gettext": words.gettext, "ngettext": words.ngettext,
                "canonical": self.links.url(path.removesuffix("index.html")),
                "chrome": shared}

    @staticmethod
    def _dates(entry: Entry, language: str) -> dict[str, str]:
        """An entry's day for a page: `date` (ISO 8601, for <time datetime>) and `day`
        (as people write it in `language`)."""
        day = entry.published.date()
        return {"date": day.isoformat(), "day": long_date(day, language)}

    def _section_language_on(self, name: str, language: str) -> str | None:
        """A section's language (its title's) where the page is in `language`: None when
        the same."""
        return _unless_same(self.settings.section_language(name), language)

    def _language_on(self, entry: Entry, language: str) -> str | None:
        """An entry's language where the page or feed around it is in `language`: None
        when the same (entries in a section's language say nothing of it)."""
        return _unless_same(entry.language or self.settings.section_language(entry.section),
                            language)

    def _feeds(self, slug: str, info: Section, refs: tuple[Ref, ...], mtime: int,
               entry_slugs: tuple[str, ...], language: str) -> list[Document]:
        """A feed in every format, and its archive (RFC 5005 section 4).

        `refs`: its entries, newest first; `entry_slugs`: the section slug of each;
        `language`: the feed's (BCP 47), the section's or, for ALL, the site's.  The
        subscription document holds the newest entries_per_feed entries; the archive
        documents hold all of them in pages of as many, numbered from the oldest
        ({slug}/archive-1.atom ...), complete pages only, so that none ever changes: each
        links the subscription document (current), the next older page (prev-archive)
        and the next newer one (next-archive; that of the newest page is published when
        enough entries have come to fill it), and the subscription document links the
        newest page.  A feed is dated by the last change of any of its entries; an empty
        one by `mtime`, never 1970.
        """
        size = self.settings.entries_per_feed
        pages = len(refs) // size
        found = self._feed(slug, info, refs[:size], entry_slugs[:size], mtime, None,
                           pages or None, language)
        oldest_first = range(len(refs) - 1, -1, -1)
        for page in range(1, pages + 1):
            chosen = [oldest_first[k] for k in range((page - 1) * size, page * size)][::-1]
            found += self._feed(slug, info, tuple(refs[k] for k in chosen),
                                tuple(entry_slugs[k] for k in chosen), mtime, page,
                                page - 1 or None, language)
        return found

    def _feed(self, slug: str, info: Section, top: tuple[Ref, ...],
              entry_slugs: tuple[str, ...], mtime: int, page: int | None,
              older: int | None, language: str) -> list[Document]:
        """One feed document in every format: the subscription document (`page` None) or
        archive page `page`; `older`: the archive page it links as prev-archive."""
        categories = slug == ALL  # (a feed of several sections tells each entry's)
        key = _key(self.salt, slug, info, [self.corpus.fingerprint(ref) for ref in top],
                   entry_slugs, None if top else mtime, page, older)

        def url(fmt: str, number: int | None) -> str:
            return self.links.url(Links.feed_path(slug, fmt) if number is None
                                  else Links.archive_path(slug, number, fmt))

        def render(fmt: str) -> bytes:
            entries = [self.corpus.entry(ref) for ref in top]
            if entries:
                newest = max(entry.modified for entry in entries)
            else:
                newest = datetime.fromtimestamp(mtime, UTC) if mtime > 0 else NO_DATE
            titles = {s: self.settings.section(name).title
                      for name, s in self.slugs.items()} if categories else {}
            return _RENDERERS[fmt](Channel(
                feed_id=f"tag:{self.settings.authority},{FEED_ID_YEAR}:feed/{slug}",
                title=info.title,
                description=info.description,
                language=language,
                author=self.settings.author_name,
                html_url=self.links.url(Links.section_url_path(slug) if slug != ALL else ""),
                self_url=url(fmt, page),
                updated=newest,
                max_age=self.settings.max_age,
                items=tuple(Item(entry, self.links.url(Links.entry_path(section, entry)),
                                 (section, titles[section]) if categories else None,
                                 self._language_on(entry, language))
                            for entry, section in zip(entries, entry_slugs, strict=True)),
                prev_archive=url(fmt, older) if older else None,
                next_archive=url(fmt, page + 1) if page else None,
                current=url(fmt, None) if page else None,
                # (archive documents never change: nothing to announce)
                hub=self.settings.websub_hub or None if page is None else None,
            ))

        return [Document(url(fmt, page).removeprefix(self.links.base), MEDIA_TYPES[fmt], key,
                         mtime, partial(render, fmt), immutable=page is not None)
                for fmt in _RENDERERS]

    def _section_pages(self, slug: str, info: Section, refs: tuple[Ref, ...], mtime: int,
                       language: str) -> list[Document]:
        """A section's page (or, for ALL, every section's) and its older pages.

        `{slug}/index.html` lists the newest entries_per_feed entries and links every older
        page; `{slug}/page-N.html` lists entries_per_feed entries, numbered from the
        oldest, complete pages only: a page's content never changes as entries are added
        (only the index does), so its URL is stable.  Each page links the one before it
        and the index.
        """
        size = self.settings.entries_per_feed
        count = len(refs) // size
        oldest_first = refs[::-1]
        found = [self._list_page(slug, info, refs[:size], mtime, None, count, language)]
        for number in range(1, count + 1):
            chosen = oldest_first[(number - 1) * size: number * size][::-1]
            found.append(self._list_page(slug, info, chosen, mtime, number, count, language))
        return found

    def _list_page(self, slug: str, info: Section, refs: tuple[Ref, ...], mtime: int,
                   number: int | None, count: int, language: str) -> Document:
        """Page `number` of a section (None: its index, which links all `count` pages),
        in `language`."""
        path = Links.section_path(slug) if number is None else Links.page_path(slug, number)
        feed_links = self._feed_links(slug, "../", info.title)
        every = slug == ALL
        names = self.slugs

        def render() -> bytes:
            items = []
            for entry in map(self.corpus.entry, refs):
                section = names[entry.section]
                items.append({
                    "entry": entry, **self._dates(entry, language),
                    "lang": self._language_on(entry, language),
                    "href": f"../{section}/{entry.slug}.html" if every
                    else f"{entry.slug}.html",
                    "section": (self.settings.section(entry.section).title, f"../{section}/",
                                self._section_language_on(entry.section, language))
                    if every else None})
            older = (number - 1 if number else count) or None
            return pages.render_page(
                "section.html", items=items, number=number,
                pages=list(range(count, 0, -1)) if number is None else [],
                older=f"page-{older}.html" if older else None,
                section={"title": info.title, "description": info.description,
                         "feeds": feed_links},
                **self._context("../", path, feed_links, language))

        key = _key(self.pages_salt, slug, info, number, count if number is None else None,
                   [self.corpus.fingerprint(ref) for ref in refs])
        return Document(path, HTML, key, mtime, render)

    def _site_pages(self, sections: list[_SectionView], everything: Section, mtime: int
                    ) -> list[Document]:
        settings = self.settings
        corpus = self.corpus
        language = settings.language
        mtime = max(mtime, self.settings_mtime)
        latest = corpus.order[:LATEST]  # the front page's newest headlines, all sections
        summary = [(s.slug, len(s.refs), [corpus.fingerprint(ref) for ref in s.refs[:FEW]])
                   for s in sections] + [corpus.fingerprint(ref) for ref in latest]
        all_links = [*self._feed_links(ALL, "", settings.title),
                     {"type": MEDIA_TYPES["opml"], "href": "all.opml", "label": "OPML",
                      "title": f"{settings.title} (OPML)"}]
        feed_links = [link for s in sections for link in self._feed_links(
            s.slug, "", s.info.title)] + self._feed_links(ALL, "", settings.title)

        def render_index() -> bytes:
            cards = [{"title": s.info.title, "description": s.info.description,
                      "lang": self._section_language_on(s.name, language),
                      "href": Links.section_url_path(s.slug), "count": len(s.refs),
                      "newest": entry, "newest_href": Links.entry_path(s.slug, entry),
                      "newest_lang": self._language_on(entry, language),
                      **self._dates(entry, language),
                      "more": [(e, Links.entry_path(s.slug, e), self._language_on(e, language))
                               for e in map(corpus.entry, s.refs[1:FEW])],
                      "feeds": self._feed_links(s.slug, "", s.info.title)}
                     for s in sections for entry in [corpus.entry(s.refs[0])]]
            by_name = {s.name: s for s in sections}
            headlines = [{"entry": entry, **self._dates(entry, language),
                          "lang": self._language_on(entry, language),
                          "href": Links.entry_path(by_name[entry.section].slug, entry),
                          "section": by_name[entry.section].info.title,
                          "section_lang": self._section_language_on(entry.section, language),
                          "section_href": Links.section_url_path(by_name[entry.section].slug)}
                         for entry in map(corpus.entry, latest)]
            return pages.render_page("index.html", sections=cards, all_feeds=all_links,
                                     latest=headlines,
                                     **self._context("", "index.html", feed_links, language))

        fmt = settings.preferred_format

        def subscription(slug: str, info: Section) -> opml.Subscription:
            return opml.Subscription(
                info.title, self.links.url(Links.feed_path(slug, fmt)),
                self.links.url(Links.section_url_path(slug) if slug != ALL else ""),
                info.description)

        def render_opml(slugs: list[tuple[str, Section]]) -> bytes:
            # Each section once: with the combined feed too, a reader would store every
            # entry twice (all.opml subscribes to the combined feed alone).
            newest = corpus.entry(corpus.order[0]).published if corpus.order else None
            return opml.render_opml(settings.title, [subscription(slug, info)
                                                     for slug, info in slugs], newest)

        newest = corpus.fingerprint(corpus.order[0]) if corpus.order else None
        return [
            Document("index.html", HTML, _key(self.pages_salt, "index", summary), mtime,
                     render_index),
            # (a site with no section yet: the combined feed, as OPML needs an outline)
            Document("feeds.opml", MEDIA_TYPES["opml"],
                     _key(self.salt, "opml", [s.slug for s in sections], newest), mtime,
                     partial(render_opml, [(s.slug, s.info) for s in sections]
                             or [(ALL, everything)])),
            Document("all.opml", MEDIA_TYPES["opml"], _key(self.salt, "all.opml", newest),
                     mtime, partial(render_opml, [(ALL, everything)])),
            Document("style.css", MEDIA_TYPES["css"], _key("style"), self.settings_mtime,
                     pages.stylesheet),
            *(Document(f"favicon.{kind}", MEDIA_TYPES[kind], _key("favicon", kind),
                       self.settings_mtime, partial(pages.static, f"favicon.{kind}"))
              for kind in ("svg", "ico")),
        ]


def _unless_same(own: str, language: str) -> str | None:
    """`own`, a language tag, where the text around is in `language`: None when they are
    one language."""
    return None if primary(own) == primary(language) else own


def _all_label(language: str) -> str:
    """The name of the page and header link of every section's entries."""
    return translations(language).gettext("All sections")
