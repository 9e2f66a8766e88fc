"""The served documents through the Flask test client: bytes, headers, conditionals, reloads.

Every rule of "Serve the feeds over HTTP" that needs no real server: the same bytes as a
static build, validators and caching headers, 304s through Werkzeug, gzip computed once,
hardening headers, and live reloads (driven with refresh(), and once by the reloader).
"""

from __future__ import annotations

import gzip
import logging
import os
import re
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from lxml import etree
from servesites import (
    NEW_ITEM,
    NEW_WORD,
    RU_SECTION,
    RU_SLUG,
    T0,
    TRAVERSALS,
    add_item,
    bundled_seeds,
    content_type,
    make_seeds,
    static_build,
    url_paths,
)
from werkzeug.http import http_date, parse_date
from werkzeug.test import EnvironBuilder

import seedfeed.load
import seedfeed.model
import seedfeed.render.pages
import seedfeed.render.site
import seedfeed.serve
from seedfeed.compress import GZIP_MIN_BYTES
from seedfeed.serve import Content
from seedfeed.web import create_app

GZIP = {"Accept-Encoding": "gzip"}
STRONG_ETAG = re.compile(r'^"[^"\s]+"$')


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    return make_seeds(tmp_path)


def make_app(seeds: Path, interval: float = 0) -> Flask:
    return create_app(seeds, {"RELOAD_INTERVAL": interval, "TESTING": True})


@pytest.fixture
def app(seeds: Path) -> Iterator[Flask]:
    app = make_app(seeds)
    yield app
    content_of(app).stop()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def content_of(app: Flask) -> Content:
    return app.extensions["seedfeed"]


def routes(app: Flask) -> list[str]:
    return sorted(content_of(app).snapshot.routes)


def etags(client: FlaskClient, urls: list[str], headers: dict[str, str] | None = None
          ) -> dict[str, str]:
    return {url: client.get(url, headers=headers).headers["ETag"] for url in urls}


# --- every path of the static layout, the same bytes as `seedfeed build` -------------------


PAGED = "entries_per_feed = 2\n"  # older pages and archives even on the small test site


@pytest.mark.parametrize("which", ["test", "paged", "bundled"])
def test_every_built_file_is_served_with_its_bytes_type_and_mtime(tmp_path: Path,
                                                                  which: str) -> None:
    seeds = (make_seeds(tmp_path) if which == "test" else bundled_seeds(tmp_path)
             if which == "bundled" else make_seeds(tmp_path, extra_settings=PAGED))
    built = static_build(seeds, tmp_path / "out")
    app = make_app(seeds)
    client = app.test_client()
    served: set[str] = set()
    for rel, (body, mtime) in built.items():
        for url in url_paths(rel):
            response = client.get(url)
            assert response.status_code == 200, url
            assert response.data == body, url
            assert response.headers["Content-Type"] == content_type(rel), url
            assert response.headers["Content-Length"] == str(len(body)), url
            assert response.headers["Last-Modified"] == http_date(mtime), url
            served.add(url)
    # Nothing is served that the build does not write, and the whole layout is there.
    assert set(routes(app)) == served
    layout = {"/", "/index.html", "/feeds.opml", "/style.css", "/all.rss", "/all.atom",
              "/all.json", "/news.rss", "/news.atom", "/news.json", "/news/",
              "/news/index.html"}
    assert layout <= served
    assert any(re.fullmatch(r"/news/[^/]+\.html", url) and not url.endswith("/index.html")
               for url in served)


def test_the_test_site_has_every_kind_of_path(tmp_path: Path) -> None:
    built = static_build(make_seeds(tmp_path, extra_settings=PAGED), tmp_path / "out")
    for section in ("news", RU_SLUG):
        for fmt in ("rss", "atom", "json"):
            assert f"{section}.{fmt}" in built
        assert f"{section}/index.html" in built
        assert len([rel for rel in built if rel.startswith(f"{section}/")]) >= 3
    # Older pages and archives (two entries a page), and a section in Russian.
    for path in ("news/page-1.html", "all/page-2.html", "news/archive-1.atom",
                 "all/archive-2.rss", f"{RU_SLUG}/archive-1.json"):
        assert path in built, path
    assert b'<html lang="ru">' in built[f"{RU_SLUG}/index.html"][0]
    assert b'<html lang="en">' in built["news/index.html"][0]


def test_folder_urls_serve_their_index(client: FlaskClient) -> None:
    for folder in ("/", "/news/", f"/{RU_SLUG}/"):
        index = client.get(folder + "index.html")
        response = client.get(folder)
        assert response.status_code == 200
        assert response.data == index.data
        assert response.headers["ETag"] == index.headers["ETag"]


@pytest.mark.parametrize("folder", ["/news", f"/{RU_SLUG}"])
def test_a_folder_without_its_slash_redirects(client: FlaskClient, folder: str) -> None:
    response = client.get(folder)
    assert response.status_code in (301, 308)
    assert response.headers["Location"] in (folder + "/", "http://localhost" + folder + "/")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get(folder, follow_redirects=True).data == client.get(folder + "/").data


# --- validators and caching headers ----------------------------------------------------------


def test_etags_are_strong_and_shared_by_independent_apps(seeds: Path, client: FlaskClient,
                                                         app: Flask) -> None:
    other = make_app(seeds)
    urls = routes(app)
    assert routes(other) == urls
    for headers in (None, GZIP):
        mine = etags(client, urls, headers)
        theirs = etags(other.test_client(), urls, headers)
        assert mine == theirs
        for etag in mine.values():
            assert STRONG_ETAG.match(etag), etag
            assert not etag.startswith("W/")
    # The same bytes under two URLs, the same tag; different bytes, different tags.
    bodies: dict[str, bytes] = {}
    for url, etag in etags(client, urls).items():
        body = client.get(url).data
        assert bodies.setdefault(etag, body) == body, url
    assert len(bodies) == len({client.get(url).data for url in urls})


def test_etag_and_last_modified_follow_the_bytes_not_the_mtime(seeds: Path, app: Flask,
                                                              client: FlaskClient) -> None:
    urls = routes(app)
    before = etags(client, urls)
    modified = {url: client.get(url).headers["Last-Modified"] for url in urls}
    later = time.time() - 3600
    os.utime(seeds / "news/listing.txt", (later, later))  # touched, not changed
    assert content_of(app).refresh()
    assert etags(client, urls) == before
    # Last-Modified says when the bytes last changed (the site database remembers).
    assert {url: client.get(url).headers["Last-Modified"] for url in urls} == modified


def test_etag_changes_when_the_content_changes(seeds: Path, app: Flask,
                                               client: FlaskClient) -> None:
    urls = routes(app)
    before = etags(client, urls)
    before_gzip = etags(client, urls, GZIP)
    add_item(seeds)
    assert content_of(app).refresh()
    after = etags(client, urls)
    for url in ("/all.rss", "/all.atom", "/all.json", "/news.rss", "/news.atom", "/news.json",
                "/", "/news/", "/feeds.opml"):
        assert after[url] != before[url], url
        assert client.get(url, headers=GZIP).headers["ETag"] != before_gzip[url], url
    # The other section did not change, and keeps its tags.
    for url in urls:
        if url.startswith(f"/{RU_SLUG}"):
            assert after[url] == before[url], url


def test_cache_control_is_public_with_the_default_max_age(app: Flask,
                                                          client: FlaskClient) -> None:
    for url in routes(app):
        for headers in (None, GZIP):
            response = client.get(url, headers=headers)
            assert response.headers["Cache-Control"] == "public, max-age=300", url
    rss = etree.fromstring(client.get("/all.rss").data)
    assert rss.findtext("channel/ttl") == "5"


def test_max_age_setting_sets_cache_control_and_the_rss_ttl(tmp_path: Path) -> None:
    app = make_app(make_seeds(tmp_path, extra_settings="max_age = 60\n"))
    client = app.test_client()
    for url in routes(app):
        response = client.get(url)
        assert response.headers["Cache-Control"] == "public, max-age=60", url
        etag = response.headers["ETag"]
        not_modified = client.get(url, headers={"If-None-Match": etag})
        assert not_modified.headers["Cache-Control"] == "public, max-age=60", url
    for feed in ("/all.rss", "/news.rss", f"/{RU_SLUG}.rss"):
        assert etree.fromstring(client.get(feed).data).findtext("channel/ttl") == "1"


# --- conditional requests --------------------------------------------------------------------


def assert_not_modified(response, etag: str) -> None:  # noqa: ANN001 - a test response
    assert response.status_code == 304
    assert response.data == b""
    assert response.headers["ETag"] == etag
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Vary"] == "Accept-Encoding"


def test_if_none_match_gives_304_for_every_document(app: Flask, client: FlaskClient) -> None:
    for url in routes(app):
        for headers in ({}, GZIP):
            first = client.get(url, headers=headers)
            etag = first.headers["ETag"]
            again = client.get(url, headers={**headers, "If-None-Match": etag})
            assert_not_modified(again, etag)
            assert again.headers["Last-Modified"] == first.headers["Last-Modified"]
            head = client.head(url, headers={**headers, "If-None-Match": etag})
            assert_not_modified(head, etag)


def test_if_none_match_lists_star_and_weak_tags(client: FlaskClient) -> None:
    etag = client.get("/all.atom").headers["ETag"]
    for header in (etag, f'"nope", {etag}', f'{etag},"other"', "*", f"W/{etag}"):
        assert_not_modified(client.get("/all.atom", headers={"If-None-Match": header}), etag)
    for header in ('"nope"', '"nope", "other"', etag.replace('"', "", 1), '""'):
        response = client.get("/all.atom", headers={"If-None-Match": header})
        assert response.status_code == 200, header
        assert response.data


def test_a_tag_of_the_other_encoding_does_not_match(client: FlaskClient) -> None:
    identity = client.get("/all.rss").headers["ETag"]
    zipped = client.get("/all.rss", headers=GZIP).headers["ETag"]
    assert identity != zipped
    response = client.get("/all.rss", headers={**GZIP, "If-None-Match": identity})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    response = client.get("/all.rss", headers={"If-None-Match": zipped})
    assert response.status_code == 200
    assert "Content-Encoding" not in response.headers
    both = f"{identity}, {zipped}"
    assert client.get("/all.rss", headers={"If-None-Match": both}).status_code == 304
    assert client.get("/all.rss", headers={**GZIP, "If-None-Match": both}).status_code == 304


def test_if_modified_since(app: Flask, client: FlaskClient) -> None:
    for url in routes(app):
        first = client.get(url)
        modified = parse_date(first.headers["Last-Modified"])
        assert modified is not None
        for since, status in ((modified, 304), (modified + timedelta(seconds=1), 304),
                              (modified + timedelta(days=400), 304),
                              (modified - timedelta(seconds=1), 200),
                              (modified - timedelta(days=400), 200)):
            response = client.get(url, headers={"If-Modified-Since": http_date(since)})
            assert response.status_code == status, (url, since)
            if status == 304:
                assert_not_modified(response, first.headers["ETag"])
            else:
                assert response.data == first.data


def test_if_none_match_takes_precedence_over_if_modified_since(client: FlaskClient) -> None:
    first = client.get("/news.rss")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    fresh = http_date(parse_date(modified) + timedelta(days=1))  # type: ignore[operator]
    stale = http_date(parse_date(modified) - timedelta(days=1))  # type: ignore[operator]
    response = client.get("/news.rss", headers={"If-None-Match": '"other"',
                                                "If-Modified-Since": fresh})
    assert response.status_code == 200
    assert response.data == first.data
    response = client.get("/news.rss", headers={"If-None-Match": etag,
                                                "If-Modified-Since": stale})
    assert_not_modified(response, etag)


@pytest.mark.parametrize(("header", "value", "status"), [
    ("If-Match", '"nope"', 412),
    ("If-Match", '"nope", "other"', 412),
    ("If-Match", "*", 200),
    ("If-Match", "{etag}", 200),
    ("If-Match", "W/{etag}", 412),  # If-Match compares strongly
    ("If-Match", '"nope", {etag}', 200),
    ("If-Unmodified-Since", "{before}", 412),
    ("If-Unmodified-Since", "{modified}", 200),
    ("If-Unmodified-Since", "{after}", 200),
    ("If-Unmodified-Since", "not a date", 200),
])
def test_preconditions_that_fail_are_412(client: FlaskClient, header: str, value: str,
                                         status: int) -> None:
    """RFC 9110 §13.1.1 and §13.1.4, as Werkzeug's make_conditional answers If-Match."""
    first = client.get("/news.atom")
    etag, modified = first.headers["ETag"], parse_date(first.headers["Last-Modified"])
    assert modified is not None
    value = value.format(etag=etag, modified=http_date(modified),
                         before=http_date(modified - timedelta(seconds=1)),
                         after=http_date(modified + timedelta(days=1)))
    for method in (client.get, client.head):
        response = method("/news.atom", headers={header: value})
        assert response.status_code == status, (header, value)
        if status == 200 and method is client.get:
            assert response.data == first.data
        if status == 412:
            assert response.data in (b"", b"Precondition Failed\n")


def test_a_failed_if_match_wins_over_a_satisfied_if_none_match(client: FlaskClient) -> None:
    etag = client.get("/news.rss").headers["ETag"]
    response = client.get("/news.rss", headers={"If-Match": '"nope"', "If-None-Match": etag})
    assert response.status_code == 412


@pytest.mark.parametrize("since", ["yesterday", "Mon, 99 Foo 2024 25:61:61 GMT", "0", "",
                                   "Tue, 14 Nov 2023", "-1", "\u00e9t\u00e9"])
def test_a_malformed_if_modified_since_is_ignored(client: FlaskClient, since: str) -> None:
    first = client.get("/all.json")
    response = client.get("/all.json", headers={"If-Modified-Since": since})
    assert response.status_code == 200
    assert response.data == first.data


def test_head_gives_the_headers_of_get_and_no_body(app: Flask, client: FlaskClient) -> None:
    for url in routes(app):
        for headers in ({}, GZIP):
            get = client.get(url, headers=headers)
            head = client.head(url, headers=headers)
            assert head.status_code == 200
            assert head.data == b""
            assert sorted(head.headers.items()) == sorted(get.headers.items()), url


# --- gzip --------------------------------------------------------------------------------------


@pytest.mark.parametrize("accept", ["gzip", "gzip;q=1.0, br", "br, gzip", "deflate, gzip;q=0.5",
                                    "GZIP", "*"])
def test_gzip_when_accepted(app: Flask, client: FlaskClient, accept: str) -> None:
    for url in routes(app):
        identity = client.get(url)
        response = client.get(url, headers={"Accept-Encoding": accept})
        assert response.status_code == 200
        if len(identity.data) < GZIP_MIN_BYTES:  # (too small to gain: sent as it is)
            assert "Content-Encoding" not in response.headers and response.data == identity.data
            continue
        assert response.headers["Content-Encoding"] == "gzip", url
        assert gzip.decompress(response.data) == identity.data
        assert response.headers["Content-Length"] == str(len(response.data))
        assert response.headers["Vary"] == "Accept-Encoding"
        assert response.headers["Content-Type"] == identity.headers["Content-Type"]
        assert response.headers["Last-Modified"] == identity.headers["Last-Modified"]
        etag = response.headers["ETag"]
        assert STRONG_ETAG.match(etag)
        assert etag != identity.headers["ETag"]


@pytest.mark.parametrize("accept", [None, "gzip;q=0", "gzip;q=0, br", "br", "identity",
                                    "gzip;q=0, *", "x-gzip-not", ""])
def test_no_gzip_unless_accepted(app: Flask, client: FlaskClient, accept: str | None) -> None:
    headers = {} if accept is None else {"Accept-Encoding": accept}
    for url in routes(app):
        response = client.get(url, headers=headers)
        assert response.status_code == 200
        assert "Content-Encoding" not in response.headers, url
        assert response.headers["Vary"] == "Accept-Encoding"
        assert response.data == client.get(url).data


def call(app: Flask, url: str, headers: dict[str, str]) -> list[bytes]:
    """The WSGI app's own iterable, to see which bytes objects it hands to the server."""
    environ = EnvironBuilder(path=url, headers=headers).get_environ()
    return list(app.wsgi_app(environ, lambda status, headers, exc_info=None: None))


def test_gzip_is_compressed_once_per_content_change(seeds: Path, app: Flask,
                                                    client: FlaskClient,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    compressed: list[bytes] = []
    real = seedfeed.serve.gzip_body

    def counting(body: bytes) -> bytes:
        compressed.append(body)
        return real(body)

    monkeypatch.setattr(seedfeed.serve, "gzip_body", counting)
    content = content_of(app)
    old = content.snapshot
    for _ in range(3):
        for url in routes(app):  # (all but the icon: too small to gain)
            assert client.get(url, headers=GZIP).headers.get("Content-Encoding") == (
                None if url == "/favicon.ico" else "gzip"), url
    assert compressed == []  # requests never compress
    prepared = old.routes["/all.rss"]
    assert prepared.gzip is not None
    first, second = call(app, "/all.rss", GZIP), call(app, "/all.rss", GZIP)
    assert first[0] is prepared.gzip.body and second[0] is prepared.gzip.body
    assert call(app, "/all.rss", {})[0] is prepared.document.body

    assert not content.refresh()  # nothing changed: the same snapshot, nothing compressed
    assert content.snapshot is old
    assert compressed == []

    add_item(seeds)
    assert content.refresh()
    new = content.snapshot
    def unchanged(url: str) -> bool:
        return url in old.routes and new.routes[url].document is old.routes[url].document

    def same_bytes(url: str) -> bool:
        return url in old.routes and new.routes[url].document.digest == \
            old.routes[url].document.digest

    changed = {id(p.document) for url, p in new.routes.items()
               if not same_bytes(url) and p.gzip is not None}
    # Each document whose bytes changed once, not once per URL it answers at, and not
    # again for a document whose bytes are the same (only its Last-Modified moved).
    assert len(compressed) == len(changed) > 0
    for url in new.routes:
        if same_bytes(url) and new.routes[url].gzip is not None:
            assert new.routes[url].gzip.body is old.routes[url].gzip.body  # type: ignore
    kept = [url for url in new.routes if unchanged(url)]
    assert "/style.css" in kept and f"/{RU_SLUG}.rss" in kept
    for url in kept:
        assert new.routes[url] is old.routes[url]
        if url != "/favicon.ico":  # (too small to have a gzip variant)
            assert new.routes[url].gzip.body is old.routes[url].gzip.body  # type: ignore
    assert new.routes["/news/"] is new.routes["/news/index.html"]
    assert new.routes["/"] is new.routes["/index.html"]


# --- errors and hardening ----------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/nope", "/news/nope.html", "/nope.rss", "/all.xml",
                                 "/news/index.htm", "/index.html/", "/all.rss/", "/NEWS.RSS",
                                 "/%3Cscript%3Ealert(1)%3C%2Fscript%3E"])
def test_an_unknown_path_is_a_short_readable_404(client: FlaskClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    text = response.data.decode("utf-8")
    assert "Not Found" in text
    assert len(text) < 100
    assert "script" not in text.lower() and "nope" not in text


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_another_method_on_a_document_is_405_with_allow(app: Flask, client: FlaskClient,
                                                        method: str) -> None:
    for url in routes(app):
        response = client.open(url, method=method, data=b"x=1")
        assert response.status_code == 405, url
        allowed = {m.strip() for m in response.headers["Allow"].split(",")}
        assert {"GET", "HEAD"} <= allowed and not allowed & {"POST", "PUT", "DELETE", "PATCH"}
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert len(response.data) < 100


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_another_method_on_an_unknown_path_is_404(client: FlaskClient, method: str) -> None:
    response = client.open("/nope.rss", method=method)
    assert response.status_code == 404
    assert "Allow" not in response.headers


@pytest.mark.parametrize("url", TRAVERSALS)
def test_no_url_reaches_the_file_system(seeds: Path, client: FlaskClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 404, url
    assert len(response.data) < 100
    for path in seeds.rglob("*"):
        if path.is_file():
            assert path.read_bytes()[:40] not in response.data


def test_nosniff_on_every_response(seeds: Path, app: Flask, client: FlaskClient) -> None:
    etag = client.get("/all.rss").headers["ETag"]
    responses = [client.get(url) for url in routes(app)]
    responses += [client.get(url, headers=GZIP) for url in routes(app)]
    responses += [client.get("/all.rss", headers={"If-None-Match": etag}),
                  client.get("/nope"), client.post("/all.rss"), client.post("/nope"),
                  client.get("/healthz"), client.head("/healthz"), client.get("/news"),
                  client.post("/healthz")]
    (seeds / "site.toml").write_text("[site\n", encoding="utf-8")
    content_of(app).refresh()
    responses += [client.get("/healthz"), client.get("/all.rss")]
    statuses = set()
    for response in responses:
        assert response.headers.get("X-Content-Type-Options") == "nosniff", response.status
        statuses.add(response.status_code)
    assert {200, 304, 308, 404, 405} <= statuses


def test_html_pages_carry_a_csp_that_allows_only_what_they_use(app: Flask,
                                                               client: FlaskClient) -> None:
    pages = [url for url in routes(app) if url.endswith(("/", ".html"))]
    assert len(pages) >= 8
    for url in pages:
        for headers in ({}, GZIP):
            response = client.get(url, headers=headers)
            csp = response.headers["Content-Security-Policy"]
            directives = {part.split()[0]: part.split()[1:]
                          for part in csp.split(";") if part.strip()}
            assert directives["default-src"] == ["'none'"]
            assert directives["style-src"] == ["'self'"]
            assert "script-src" not in directives
            etag = response.headers["ETag"]
            not_modified = client.get(url, headers={**headers, "If-None-Match": etag})
            assert not_modified.headers["Content-Security-Policy"] == csp
        # What the page uses is within that policy: one same-origin stylesheet, no scripts,
        # no inline styles, nothing embedded from elsewhere.
        html = client.get(url).data.decode("utf-8")
        assert "<script" not in html.lower()
        assert "<style" not in html.lower() and " style=" not in html.lower()
        assert not re.search(r"<(img|iframe|object|embed|form)\b", html, re.IGNORECASE)
        for href in re.findall(r'<link rel="stylesheet" href="([^"]+)"', html):
            assert "//" not in href and href.endswith("style.css")


def test_feeds_and_opml_are_served_without_a_page_csp(client: FlaskClient) -> None:
    for url in ("/all.rss", "/all.atom", "/all.json", "/feeds.opml"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["X-Content-Type-Options"] == "nosniff"


# --- /healthz and live updates -----------------------------------------------------------------


def test_healthz_reports_sections_entries_and_load_time(client: FlaskClient) -> None:
    started = datetime.now(UTC)
    health = client.get("/healthz").get_json()
    assert health["sections"] == 2
    assert health["entries"] == 6
    assert health["last_error"] is None
    loaded = datetime.fromisoformat(health["loaded_at"])
    assert loaded.tzinfo is not None
    assert started - timedelta(minutes=1) < loaded <= datetime.now(UTC)


def feed_titles(client: FlaskClient, url: str = "/all.rss") -> list[str]:
    rss = etree.fromstring(client.get(url).data)
    return [item.findtext("title") or "" for item in rss.iter("item")]


def test_an_edited_seed_shows_after_a_refresh(seeds: Path, app: Flask,
                                              client: FlaskClient) -> None:
    before = etags(client, ["/all.rss", "/all.atom", "/all.json", "/news.rss"])
    modified = client.get("/news.rss").headers["Last-Modified"]
    add_item(seeds)
    for url in before:
        assert NEW_WORD not in client.get(url).data  # not before a reload
    assert content_of(app).refresh()
    for url, etag in before.items():
        response = client.get(url)
        assert NEW_WORD in response.data, url
        assert response.headers["ETag"] != etag
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 200
    assert parse_date(client.get("/news.rss").headers["Last-Modified"]) > parse_date(modified)
    assert NEW_WORD not in client.get(f"/{RU_SLUG}.rss").data
    assert client.get("/healthz").get_json()["entries"] == 7
    pages = [url for url in routes(app) if url.startswith("/news/2024-03-20-")]
    assert len(pages) == 1
    assert NEW_WORD in client.get(pages[0]).data


def test_added_and_removed_files_and_sections(seeds: Path, app: Flask,
                                              client: FlaskClient) -> None:
    content = content_of(app)
    (seeds / "news/extra.txt").write_text(NEW_ITEM, encoding="utf-8")
    assert content.refresh()
    assert NEW_WORD in client.get("/news.atom").data
    assert client.get("/healthz").get_json()["entries"] == 7

    (seeds / "sport").mkdir()
    (seeds / "sport/match.txt").write_text("On 1 April 2024, the derby ended 2:2.\n",
                                           encoding="utf-8")
    assert content.refresh()
    for url in ("/sport.rss", "/sport.atom", "/sport.json", "/sport/"):
        assert client.get(url).status_code == 200, url
    assert client.get("/sport").status_code in (301, 308)
    assert b"derby" in client.get("/all.json").data
    assert client.get("/healthz").get_json()["sections"] == 3

    (seeds / "sport/match.txt").unlink()
    (seeds / "sport").rmdir()
    (seeds / "news/article.txt").unlink()
    assert content.refresh()
    for url in ("/sport.rss", "/sport/", "/sport", "/news/2023-06-20-3176397857.html"):
        assert client.get(url).status_code == 404, url
    assert b"derby" not in client.get("/all.json").data
    assert b"Body with" not in client.get("/all.atom").data
    health = client.get("/healthz").get_json()
    assert (health["sections"], health["entries"]) == (2, 6)  # +extra, -article


BAD_SETTINGS = {
    "toml": ('[site]\ntitle = "x"\nmax_age = = 3\n', 3),
    "value": ('[site]\n\ntitle = "x"\nmax_age = "soon"\n', 4),
    "key": ('# comment\n[site]\ntitle = "x"\n\nbogus = 1\n', 5),
}


@pytest.mark.parametrize("kind", sorted(BAD_SETTINGS))
def test_bad_settings_keep_the_last_good_content(seeds: Path, app: Flask, client: FlaskClient,
                                                 caplog: pytest.LogCaptureFixture,
                                                 kind: str) -> None:
    text, line = BAD_SETTINGS[kind]
    content = content_of(app)
    urls = routes(app)
    good = {url: client.get(url) for url in urls}
    good_text = (seeds / "site.toml").read_text(encoding="utf-8")
    (seeds / "site.toml").write_text(text, encoding="utf-8")
    with caplog.at_level(logging.ERROR, logger="seedfeed"):
        assert not content.refresh()
    assert f"site.toml:{line}" in caplog.text
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200
        assert response.data == good[url].data
        assert response.headers["ETag"] == good[url].headers["ETag"]
        assert response.headers["Last-Modified"] == good[url].headers["Last-Modified"]
    health = client.get("/healthz").get_json()
    assert f"site.toml:{line}" in health["last_error"]
    assert (health["sections"], health["entries"]) == (2, 6)
    assert not content.refresh()  # still broken, still serving
    assert client.get("/healthz").get_json()["last_error"] == health["last_error"]

    (seeds / "site.toml").write_text(good_text.replace("Serve &", "Fixed &"), encoding="utf-8")
    assert content.refresh()
    assert client.get("/healthz").get_json()["last_error"] is None
    assert b"Fixed &amp;" in client.get("/").data
    assert client.get("/").headers["ETag"] != good["/"].headers["ETag"]


def test_a_broken_first_load_is_503_until_fixed(seeds: Path) -> None:
    good_text = (seeds / "site.toml").read_text(encoding="utf-8")
    (seeds / "site.toml").write_text('[site]\nlanguage = 5\n', encoding="utf-8")
    app = make_app(seeds)
    client = app.test_client()
    for url in ("/", "/all.rss", "/news/"):
        response = client.get(url)
        assert response.status_code == 503, url
        assert len(response.data) < 100
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    health = client.get("/healthz").get_json()
    assert "site.toml:2" in health["last_error"]
    assert health["loaded_at"] is None
    (seeds / "site.toml").write_text(good_text, encoding="utf-8")
    assert content_of(app).refresh()
    assert client.get("/all.rss").status_code == 200
    assert client.get("/healthz").get_json()["last_error"] is None


def test_a_same_size_same_mtime_rewrite_is_still_seen(seeds: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(seedfeed.model, "RACY_FINE", 60.0)  # "just now", however slow
    listing = seeds / "news/listing.txt"
    listing.write_bytes(listing.read_bytes())  # written just now, as an editor would
    app = make_app(seeds)  # loads while the file's mtime is still "racy"
    client = app.test_client()
    assert b"Astana" in client.get("/all.rss").data
    before = listing.stat()
    data = listing.read_bytes()
    listing.write_bytes(data.replace(b"Astana", b"Aktobe"))
    os.utime(listing, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = listing.stat()
    # Nothing the file system reports tells the two writes apart.
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == \
        (before.st_size, before.st_mtime_ns, before.st_ino)
    assert content_of(app).refresh()
    body = client.get("/all.rss").data
    assert b"Aktobe" in body and b"Astana" not in body


def test_a_request_never_renders_parses_or_reads_the_disk(tmp_path: Path, seeds: Path,
                                                          app: Flask, client: FlaskClient,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    urls = routes(app)
    expected = {url: (client.get(url).data, client.get(url, headers=GZIP).data) for url in urls}

    def forbidden(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("a request did work that belongs to a reload")

    monkeypatch.setattr(seedfeed.render.site, "render_site", forbidden)
    monkeypatch.setattr(seedfeed.serve, "render_site", forbidden)
    monkeypatch.setattr(seedfeed.render.pages, "render_page", forbidden)
    monkeypatch.setattr(seedfeed.render.pages, "entry_page_renderer", forbidden)
    for fmt in list(seedfeed.render.site._RENDERERS):
        monkeypatch.setitem(seedfeed.render.site._RENDERERS, fmt, forbidden)
    monkeypatch.setattr(seedfeed.load, "parse_seed_bytes", forbidden)
    monkeypatch.setattr(seedfeed.load.Loader, "load", forbidden)
    monkeypatch.setattr(seedfeed.serve, "gzip_body", forbidden)
    seeds.rename(tmp_path / "moved-away")  # and nothing left on disk to read
    for url in urls:
        identity, zipped = expected[url]
        response = client.get(url)
        assert response.status_code == 200
        assert response.data == identity
        assert client.get(url, headers=GZIP).data == zipped
        etag = response.headers["ETag"]
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
        assert client.head(url).status_code == 200
    assert client.get("/healthz").status_code == 200
    assert client.get("/news").status_code in (301, 308)


def test_polling_during_reloads_never_sees_an_error_or_a_torn_document(
        seeds: Path, app: Flask, client: FlaskClient) -> None:
    listing = seeds / "news/listing.txt"
    versions = [listing.read_text(encoding="utf-8"), listing.read_text(encoding="utf-8")
                + NEW_ITEM]
    content = content_of(app)
    done = threading.Event()
    failures: list[BaseException] = []

    def reload_many() -> None:
        try:
            for round_ in range(12):
                listing.write_text(versions[round_ % 2], encoding="utf-8")
                content.refresh()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            failures.append(exc)
        finally:
            done.set()

    worker = threading.Thread(target=reload_many)
    worker.start()
    seen: dict[str, bytes] = {}
    polls = 0
    while (not done.is_set() or polls < 20) and polls < 5000:
        polls += 1
        for url, headers in (("/all.rss", {}), ("/news.atom", GZIP), ("/news/", {})):
            response = client.get(url, headers=headers)
            assert response.status_code == 200
            body = response.data
            assert response.headers["Content-Length"] == str(len(body))
            # One tag, one body: a tag never names two different documents.
            assert seen.setdefault(url + response.headers["ETag"], body) == body
            if headers:
                body = gzip.decompress(body)
            if url != "/news/":
                etree.fromstring(body)  # complete, well-formed XML
    worker.join(timeout=30)
    assert not failures
    assert len(seen) >= 3


def test_the_background_reloader_picks_up_an_edit(seeds: Path) -> None:
    app = make_app(seeds, interval=0.2)
    content = content_of(app)
    try:
        client = app.test_client()
        reloaders = [t for t in threading.enumerate() if t.name == "seedfeed-reload"]
        assert reloaders
        before = client.get("/all.atom").headers["ETag"]
        add_item(seeds)
        deadline = time.monotonic() + 10
        while client.get("/all.atom").headers["ETag"] == before:
            assert time.monotonic() < deadline, "the edit did not show within 10 s"
            time.sleep(0.05)
        assert NEW_WORD in client.get("/all.atom").data
    finally:
        content.stop()
    assert not any(t.name == "seedfeed-reload" and t.is_alive() for t in reloaders)


def test_no_reloader_thread_when_the_interval_is_zero(seeds: Path) -> None:
    before = {t.ident for t in threading.enumerate()}
    make_app(seeds)
    assert {t.ident for t in threading.enumerate()} == before


def test_a_reload_reparses_only_what_changed(seeds: Path, app: Flask,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    parsed: list[str] = []
    real = seedfeed.load.parse_seed_bytes

    def counting(data: bytes, seed: seedfeed.load.SeedFile, *args: object) -> object:
        parsed.append(seed.rel)
        return real(data, seed, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(seedfeed.load, "parse_seed_bytes", counting)
    content = content_of(app)
    snapshot, loaded_at = content.snapshot, content.snapshot.loaded_at
    for _ in range(2):
        assert not content.refresh()  # nothing changed: nothing parsed, nothing replaced
    assert parsed == []
    assert content.snapshot is snapshot and content.snapshot.loaded_at == loaded_at
    add_item(seeds)
    assert content.refresh()
    assert parsed == ["news/listing.txt"]
    assert not content.refresh()
    assert parsed == ["news/listing.txt"]


def test_a_client_polling_with_if_modified_since_alone_sees_an_added_file(seeds: Path) -> None:
    # RFC 9110 §13.1.3: a client echoes Last-Modified.  While a new file settles, its
    # folder's new mtime must not be sent with the old body, or every later poll is a 304.
    app = make_app(seeds, interval=0.1)
    content = content_of(app)
    try:
        client = app.test_client()
        since = client.get("/all.atom").headers["Last-Modified"]
        (seeds / "news" / "added.txt").write_text(NEW_ITEM, encoding="utf-8")
        deadline = time.monotonic() + 8
        answers = []
        while time.monotonic() < deadline:
            response = client.get("/all.atom", headers={"If-Modified-Since": since})
            answers.append(response.status_code)
            if response.status_code == 200:
                if NEW_WORD in response.data:
                    break
                since = response.headers["Last-Modified"]
            time.sleep(0.1)
        else:
            pytest.fail(f"the added entry never came; answers: {answers}")
    finally:
        content.stop()


def test_the_log_names_each_problem_once_and_a_section_that_went(
        seeds: Path, app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    content = content_of(app)
    (seeds / "news" / "odd.txt").write_text("A line with no date at all.\n", encoding="utf-8")
    os.utime(seeds / "news" / "odd.txt", (T0 + 10**6, T0 + 10**6))
    with caplog.at_level(logging.WARNING, logger="seedfeed"):
        assert content.refresh()
        (seeds / "news" / "listing.txt").write_text(
            (seeds / "news" / "listing.txt").read_text(encoding="utf-8") + NEW_ITEM,
            encoding="utf-8")
        os.utime(seeds / "news" / "listing.txt", (T0 + 2 * 10**6, T0 + 2 * 10**6))
        assert content.refresh()  # (a second reload: odd.txt's warning is not repeated)
        for path in (seeds / RU_SECTION).iterdir():
            path.unlink()
        assert content.refresh()
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert sum("odd.txt" in message for message in warnings) == 1, warnings
    assert f"sections no longer published: {RU_SECTION}; their seed files now: none" in \
        warnings
