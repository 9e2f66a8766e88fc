"""Serving the rendered site over HTTP: precomputed responses, reloaded on change.

Every document is rendered, compressed and turned into ready-made header lists once per
content change; a request only looks its path up and picks a variant.  Conditional
requests are answered by Werkzeug's `is_resource_modified` (the check `make_conditional`
uses), without building Request and Response objects, so that a feed poll costs little
more than a bare WSGI callable.  Everything else (health, 404, 405, redirects) is Flask.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from werkzeug.http import (
    http_date,
    is_resource_modified,
    parse_accept_header,
    parse_date,
    parse_etags,
)

from .compress import GZIP_MIN_BYTES, gzip_body
from .corpus import Corpus
from .database import Database, default_path
from .headers import SUBSCRIPTION, cache_control, content_type, websub_links
from .ledger import Ledger
from .load import Loader
from .model import SeedError
from .render.links import section_slugs
from .render.site import content_digest, render_site
from .settings import Settings
from .websub import Announcer

log = logging.getLogger("seedfeed")

StartResponse = Callable[..., Any]
Headers = list[tuple[str, str]]

ALLOWED = "GET, HEAD"
NOSNIFF = ("X-Content-Type-Options", "nosniff")
PRECONDITION_FAILED = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", "20"),
                       NOSNIFF]
# The pages use one same-origin stylesheet, same-origin icons and links; nothing else.
PAGE_CSP = ("Content-Security-Policy", "default-src 'none'; style-src 'self'; "
            "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
# The poller leaves a seed file modified less than this long ago for a later look: it may
# still be being written (truncated, or half of it there), and is no new content yet.
SETTLE_SECONDS = 1.0
# How often a worker asks the site database whether another process recorded a change.
FOLLOW_SECONDS = 0.05


@dataclass(frozen=True, slots=True)
class Document:
    """A rendered document as served: render.site.Document's bytes, digest and date."""

    path: str
    media_type: str
    key: bytes  # render.site.Document.key: equal keys, equal bytes
    body: bytes
    digest: str  # content_digest(body): the ETag
    last_modified: int  # unix seconds, from the site database (database.next_date)
    immutable: bool = False  # render.site.Document.immutable: cached for a year


@dataclass(frozen=True, slots=True)
class Variant:
    """One representation of a document (identity or gzip), headers ready to send."""

    body: bytes
    etag: str
    headers: Headers
    not_modified_headers: Headers


@dataclass(frozen=True, slots=True)
class Prepared:
    document: Document
    identity: Variant
    gzip: Variant | None
    last_modified: datetime


def prepare(document: Document, max_age: int, previous: Prepared | None = None,
            link: str | None = None) -> Prepared:
    """All the bytes and headers a request for this document can need (`link`: its Link
    header, see headers.websub_links).

    The compressed body of `previous` is reused when the bytes are the same (only the
    time moved): compression happens once per content change.
    """
    cache = cache_control(document.immutable, max_age)
    common = [("Cache-Control", cache), ("Vary", "Accept-Encoding"), NOSNIFF]
    if link is not None:
        common.append(("Link", link))
    if document.media_type == "text/html":
        common.append(PAGE_CSP)
    last_modified = http_date(document.last_modified)

    def variant(body: bytes, etag: str, extra: Headers) -> Variant:
        validators = [("ETag", etag), ("Last-Modified", last_modified)]
        headers = [("Content-Type", content_type(document.media_type)),
                   ("Content-Length", str(len(body))), *extra, *validators, *common]
        return Variant(body, etag, headers, [*validators, *common])

    identity = variant(document.body, f'"{document.digest}"', [])
    compressed = None
    if len(document.body) >= GZIP_MIN_BYTES:
        same = previous is not None and previous.gzip is not None \
            and previous.document.digest == document.digest
        body = previous.gzip.body if same else gzip_body(document.body)  # type: ignore[union-attr]
        compressed = variant(body, f'"{document.digest}-gzip"', [("Content-Encoding", "gzip")])
    return Prepared(document, identity, compressed,
                    datetime.fromtimestamp(document.last_modified, UTC))


def url_paths(path: str) -> list[str]:
    """The URL paths a document answers at: "news/index.html" also at "/news/"."""
    paths = ["/" + path]
    if path == "index.html":
        paths.append("/")
    elif path.endswith("/index.html"):
        paths.append("/" + path.removesuffix("index.html"))
    return paths


@dataclass(frozen=True)
class Snapshot:
    """An immutable, complete set of responses; replaced whole, never edited."""

    routes: dict[str, Prepared] = field(default_factory=dict)
    documents: dict[str, Prepared] = field(default_factory=dict)  # by path
    corpus: Corpus | None = None
    loaded_at: float | None = None
    gone: frozenset[str] = frozenset()  # URL paths of entries that left the seeds (410)
    settings: Settings | None = None


class Content:
    """The documents a worker serves, kept in step with the seeds folder."""

    def __init__(self, seeds: Path, interval: float = 2.0, state: Path | None = None,
                 base_url: str | None = None) -> None:
        self.seeds = seeds
        self.interval = interval
        self.db = Database(state or default_path(seeds))
        self.loader = Loader(seeds, self.db, base_url=base_url, eager=True)
        self.ledger = Ledger(self.db)
        self.announcer = Announcer(self.db.path)
        self._loaded: Corpus | None = None  # the loader's corpus behind the snapshot's
        self.snapshot = Snapshot()
        self.last_error: str | None = None
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    def refresh(self, settle: float = 0.0) -> bool:
        """Reload if the seeds changed; True when new content is being served.

        `settle`: see Loader.load (the background poller passes SETTLE_SECONDS).
        """
        with self._lock:
            try:
                return self._reload(settle)
            except SeedError as exc:
                if self.last_error != str(exc):
                    log.error("keeping the last good content: %s", exc)
                self.last_error = str(exc)
                return False
            except Exception as exc:  # noqa: BLE001 - a reload must never stop serving
                # (the site database included: locked for long, read-only, replaced)
                log.exception("keeping the last good content: reload failed")
                self.last_error = f"reload failed: {exc!r}"
                return False

    def _reload(self, settle: float) -> bool:
        corpus = self.loader.load(now=time.time(), settle=settle)
        self.last_error = None
        old = self.snapshot
        if corpus is self._loaded:
            return False
        loaded, corpus = corpus, self.ledger.reconcile(corpus)
        known = set(old.corpus.problems) if old.corpus is not None else set()
        for problem in corpus.problems:
            if problem not in known:  # (each once: a reload repeats the unchanged files')
                log.warning("%s", problem)
        rendered: list[tuple[Document, Prepared | None]] = []
        for document in render_site(corpus):
            prepared = old.documents.get(document.path)
            if prepared is not None and prepared.document.key == document.key:
                body, digest = prepared.document.body, prepared.document.digest
            else:
                body = document.render()
                digest = content_digest(body)
            rendered.append((Document(document.path, document.media_type, document.key,
                                      body, digest, document.mtime, document.immutable),
                             prepared))
        dates = self.db.date(((served.path, served.digest, served.last_modified)
                              for served, _ in rendered), corpus.settings.base_url)
        settings = corpus.settings
        max_age, hub = settings.max_age, settings.websub_hub
        routes: dict[str, Prepared] = {}
        documents: dict[str, Prepared] = {}
        # New settings (max_age, the hub among them) make every document a new object.
        new_settings = old.settings != settings
        for served, prepared in rendered:
            served = replace(served, last_modified=dates[served.path])
            if prepared is None or prepared.document != served or new_settings:
                link = (websub_links(hub, settings.base_url + served.path)
                        if hub and SUBSCRIPTION.fullmatch(served.path) else None)
                prepared = prepare(served, max_age, prepared, link)
            documents[served.path] = prepared
            for url in url_paths(served.path):
                routes[url] = prepared
        left = self.ledger.gone()
        slugs = section_slugs({*corpus.sections(), *(section for section, _ in left)})
        gone = frozenset(f"/{slugs[section]}/{slug}.html" for section, slug in left)
        self.snapshot = Snapshot(routes, documents, corpus, time.time(), gone - set(routes),
                                 settings)
        if hub:  # (told in the background; the first worker to record a change tells)
            feeds = [(settings.base_url + path, prepared.document.digest)
                     for path, prepared in documents.items() if SUBSCRIPTION.fullmatch(path)]
            before = {path: p.document.digest for path, p in old.documents.items()}
            if new_settings or any(before.get(url.removeprefix(settings.base_url)) != digest
                                   for url, digest in feeds):
                self.announcer.submit(hub, feeds)
        self._loaded = loaded
        log.info("loaded %d entries, %d documents", len(corpus.order), len(documents))
        if old.corpus is not None:
            gone_sections = set(old.corpus.sections()) - set(corpus.sections())
            if gone_sections:  # (on purpose, or a seed read wrong: the log tells which)
                log.warning("sections no longer published: %s; their seed files now: %s",
                            ", ".join(sorted(gone_sections)), ", ".join(
                                f"{rel} ({len(parsed.ids)} entries)"
                                for rel, section, parsed in corpus.files
                                if section in gone_sections) or "none")
        return True

    def start(self) -> None:
        """Poll the seeds folder in a daemon thread (one per worker process)."""
        if self.interval <= 0 or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._poll, name="seedfeed-reload", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """End the polling thread (tests; a worker simply exits)."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()

    def _poll(self) -> None:
        """Look at the seeds every `interval` seconds, and sooner when another process (a
        worker of this server, or a build) recorded a change in the site database: then
        it has published new content, and this worker follows within a FOLLOW_SECONDS
        tick and its own reload (workers never answer an older version for long)."""
        due = time.monotonic() + self.interval
        while not self._stopping.wait(min(self.interval, FOLLOW_SECONDS)):
            try:
                followed = self.db.changed_elsewhere()
            except Exception:  # noqa: BLE001 - the seeds are still polled on time
                log.exception("cannot read the site database")
                followed = False
            if time.monotonic() >= due or followed:
                self.refresh(SETTLE_SECONDS)
                due = time.monotonic() + self.interval

    def health(self) -> dict[str, Any]:
        snapshot = self.snapshot
        corpus = snapshot.corpus
        loaded = snapshot.loaded_at
        return {
            "status": "ok" if corpus is not None and self.last_error is None else "degraded",
            "sections": len(corpus.sections()) if corpus else 0,
            "entries": len(corpus.order) if corpus else 0,
            "documents": len(snapshot.documents),
            "problems": len(corpus.problems) if corpus else 0,
            "loaded_at": datetime.fromtimestamp(loaded, UTC).isoformat() if loaded else None,
            "last_error": self.last_error,
        }


class DocumentServer:
    """WSGI middleware answering document paths from the snapshot, the rest via Flask."""

    def __init__(self, app: Callable[..., Iterable[bytes]], content: Content) -> None:
        self.app = app
        self.content = content
        self._gzip_ok: dict[str, bool] = {}

    def accepts_gzip(self, header: str) -> bool:
        known = self._gzip_ok.get(header)
        if known is None:
            accept = parse_accept_header(header)
            known = bool(accept["gzip"] > 0 if accept.find("gzip") >= 0 else accept["*"] > 0)
            if len(header) <= 256:  # bounded: garbage headers must not grow memory
                if len(self._gzip_ok) >= 256:
                    self._gzip_ok.clear()
                self._gzip_ok[header] = known
        return known

    @staticmethod
    def precondition(environ: dict[str, Any], etag: str, last_modified: datetime) -> str | None:
        """The status a conditional request gets instead of 200, or None (RFC 9110 §13).

        Werkzeug's own logic, as `Response.make_conditional` applies it: a failed If-Match
        is 412, a satisfied If-None-Match or If-Modified-Since is 304.  Werkzeug leaves
        If-Unmodified-Since out; it is checked here when no If-Match is sent (§13.1.4).
        Werkzeug also fails `If-Match: *`, which every current document satisfies.
        """
        sent_if_match = "HTTP_IF_MATCH" in environ
        if_match = parse_etags(environ.get("HTTP_IF_MATCH"))
        if if_match.star_tag:
            environ = {k: v for k, v in environ.items() if k != "HTTP_IF_MATCH"}
            if_match = parse_etags(None)
        if not is_resource_modified(environ, etag=etag, last_modified=last_modified):
            return "412 PRECONDITION FAILED" if if_match else "304 NOT MODIFIED"
        since = parse_date(environ.get("HTTP_IF_UNMODIFIED_SINCE"))
        if since is not None and not sent_if_match \
                and last_modified.replace(microsecond=0) > since:
            return "412 PRECONDITION FAILED"
        return None

    def __call__(self, environ: dict[str, Any], start_response: StartResponse
                 ) -> Iterable[bytes]:
        prepared = self.content.snapshot.routes.get(environ.get("PATH_INFO", ""))
        if prepared is None:
            return self.app(environ, start_response)
        method = environ["REQUEST_METHOD"]
        if method != "GET" and method != "HEAD":
            start_response("405 METHOD NOT ALLOWED", [
                ("Allow", ALLOWED), ("Content-Type", "text/plain; charset=utf-8"),
                ("Content-Length", "19"), NOSNIFF])
            return [b"Method Not Allowed\n"]
        variant = prepared.identity
        encoding = environ.get("HTTP_ACCEPT_ENCODING")
        if encoding and prepared.gzip is not None and self.accepts_gzip(encoding):
            variant = prepared.gzip
        if ("HTTP_IF_NONE_MATCH" in environ or "HTTP_IF_MODIFIED_SINCE" in environ
                or "HTTP_IF_MATCH" in environ or "HTTP_IF_UNMODIFIED_SINCE" in environ):
            status = self.precondition(environ, variant.etag, prepared.last_modified)
            if status is not None:
                start_response(status, variant.not_modified_headers if status[0] == "3"
                               else PRECONDITION_FAILED)
                return [] if status[0] == "3" or method == "HEAD" else [b"Precondition Failed\n"]
        start_response("200 OK", variant.headers)
        return [] if method == "HEAD" else [variant.body]
