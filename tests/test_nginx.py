"""A web server in front: Debian's nginx runs deploy/nginx.conf over a static build.

The recipe is included verbatim in a minimal main config, with only its CHANGE lines
substituted (root, listen, upstream, access log) and the main-context paths (pid, error
log, temp folders) in a temporary folder.  nginx serves `seedfeed build --gzip` output and
proxies the rest to a `seedfeed serve` of the same seeds; the checks: bytes, content types
with charset, Cache-Control, nosniff, CSP on HTML, validators and 304s (If-None-Match and
If-Modified-Since) for every document, the precompressed .gz sent to gzip clients, and
/healthz and unknown paths answered by gunicorn.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

import pytest
from livesites import app_server, base_url, build, fetch, free_port, seeds_copy, wait_for
from servers import running
from servesites import content_type, url_paths
from werkzeug.http import http_date, parse_date

from seedfeed.compress import GZIP_MIN_BYTES
from seedfeed.serve import PAGE_CSP

ROOT = Path(__file__).resolve().parent.parent
RECIPE = ROOT / "deploy" / "nginx.conf"
NGINX = shutil.which("nginx", path=os.pathsep.join(
    [os.environ.get("PATH", os.defpath), "/usr/sbin", "/sbin"]))
pytestmark = pytest.mark.skipif(
    NGINX is None, reason="nginx is not installed (Debian package: nginx)")

STRONG_ETAG = re.compile(r'^"[^"\s]+"$')
MAX_AGE = "public, max-age=300"  # the bundled site.toml's max_age, as the app sends it
IMMUTABLE = "public, max-age=31536000, immutable"  # archive documents never change


@dataclass
class Front:
    base: str  # nginx, with a trailing slash
    app: str  # the gunicorn behind it
    out: Path  # the static build nginx serves
    app_log: Path  # gunicorn's access log


def configure(recipe: str, tmp: Path, *, root: Path, port: int, upstream: int) -> Path:
    """The recipe with its CHANGE lines set for this test, in a main config of its own."""
    substitutions = {
        "server 127.0.0.1:8000;": f"server 127.0.0.1:{upstream};",
        "listen 80;": f"listen 127.0.0.1:{port};",
        "root /srv/seedfeed/feeds;": f"root {root};",
        "access_log /var/log/nginx/seedfeed.access.log;": f"access_log {tmp}/access.log;",
    }
    for old, new in substitutions.items():
        assert recipe.count(old) == 1, f"deploy/nginx.conf should have one {old!r}"
        recipe = recipe.replace(old, new)
    (tmp / "seedfeed.conf").write_text(recipe, encoding="utf-8")
    temp_paths = "\n".join(f"    {kind}_temp_path {tmp}/{kind};"
                           for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    # As root (CI), workers would otherwise drop to "nobody", who cannot read pytest's
    # private temporary folders.
    user = "user root;\n" if os.geteuid() == 0 else ""
    main = (f"{user}worker_processes 1;\npid {tmp}/nginx.pid;\n"
            f"error_log {tmp}/error.log warn;\n"
            "events { worker_connections 64; }\n"
            f"http {{\n{temp_paths}\n    include {tmp}/seedfeed.conf;\n}}\n")
    conf = tmp / "nginx.conf"
    conf.write_text(main, encoding="utf-8")
    return conf


@pytest.fixture(scope="module")
def front(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Front]:
    tmp = tmp_path_factory.mktemp("nginx")
    port, upstream = free_port(), free_port()
    base = base_url(port)  # the public URL: nginx's, for the build and the app alike
    seeds = seeds_copy(tmp, base)
    settings = seeds / "site.toml"  # (feeds of two entries: the site has archives too)
    settings.write_text(settings.read_text(encoding="utf-8").replace(
        "entries_per_feed = 50", "entries_per_feed = 2"), encoding="utf-8")
    out = tmp / "feeds"
    build(seeds, out, base, precompress=True)
    conf = configure(RECIPE.read_text(encoding="utf-8"), tmp, root=out, port=port,
                     upstream=upstream)
    nginx = [NGINX or "nginx", "-p", f"{tmp}/", "-c", str(conf), "-e", str(tmp / "error.log")]
    checked = subprocess.run([*nginx, "-t"], capture_output=True, text=True, timeout=30,
                             check=False)
    assert checked.returncode == 0, checked.stderr
    app_log = tmp / "app-access.log"
    with app_server(seeds, upstream, access_log=app_log, log=tmp / "app.log") as app, \
            running([*nginx, "-g", "daemon off;"], port, log=tmp / "nginx.out", timeout=30):
        yield Front(base, app, out, app_log)
    errors = (tmp / "error.log").read_text(encoding="utf-8", errors="replace")
    assert "[emerg]" not in errors and "[crit]" not in errors, errors


def built_documents(out: Path) -> Iterator[tuple[str, str, Path]]:
    """(URL path, built file, its path) for every URL of every document of the build."""
    for path in sorted(out.rglob("*")):
        if path.is_file() and path.suffix != ".gz":
            rel = path.relative_to(out).as_posix()
            for url_path in url_paths(rel):
                yield url_path, rel, path


def assert_document_headers(headers: Message, rel: str, where: str) -> None:
    archive = re.fullmatch(r"[^/]+/archive-\d+\.(atom|rss|json)", rel) is not None
    assert headers["Cache-Control"] == (IMMUTABLE if archive else MAX_AGE), where
    assert headers["X-Content-Type-Options"] == "nosniff", where
    csp = PAGE_CSP[1] if rel.endswith(".html") else None
    assert headers["Content-Security-Policy"] == csp, where
    assert STRONG_ETAG.match(headers["ETag"] or ""), where


def test_nginx_serves_every_document_like_the_app(front: Front) -> None:
    documents = list(built_documents(front.out))
    assert {rel.rsplit(".", 1)[-1] for _path, rel, _file in documents} == {
        "html", "css", "rss", "atom", "json", "opml", "svg", "ico"}
    assert {rel for _path, rel, _file in documents} >= {"all/archive-3.atom",
                                                        "news/archive-1.rss"}
    for url_path, rel, file in documents:
        where = f"nginx {url_path}"
        body = file.read_bytes()
        status, headers, data = fetch(front.base + url_path.lstrip("/"))
        assert status == 200, where
        assert data == body, where
        assert headers["Content-Type"] == content_type(rel), where
        assert headers["Last-Modified"] == http_date(int(file.stat().st_mtime)), where
        if file.with_name(file.name + ".gz").exists():  # (one representation: no Vary)
            assert headers["Vary"] == "Accept-Encoding", where
        assert_document_headers(headers, rel, where)

        # The app says the same about the same document.
        app_status, app_headers, app_data = fetch(front.app + url_path.lstrip("/"))
        assert (app_status, app_data) == (200, body), f"app {url_path}"
        for name in ("Content-Type", "Cache-Control", "Last-Modified",
                     "X-Content-Type-Options", "Content-Security-Policy"):
            assert headers[name] == app_headers[name], f"{where}: {name}"
        assert headers["ETag"] != app_headers["ETag"], f"{where}: the app answered, not nginx"

        status, headers, data = fetch(front.base + url_path.lstrip("/"), method="HEAD")
        assert (status, data) == (200, b""), where
        assert headers["Content-Length"] == str(len(body)), where


def test_nginx_sends_the_precompressed_twin(front: Front) -> None:
    for url_path, rel, file in built_documents(front.out):
        if not file.with_name(file.name + ".gz").exists():
            assert file.stat().st_size < GZIP_MIN_BYTES, rel  # (too small to gain)
            continue
        where = f"nginx {url_path} gzip"
        status, plain_headers, _data = fetch(front.base + url_path.lstrip("/"))
        status, headers, data = fetch(front.base + url_path.lstrip("/"),
                                      {"Accept-Encoding": "gzip"})
        assert status == 200, where
        assert headers["Content-Encoding"] == "gzip", where
        twin = file.with_name(file.name + ".gz").read_bytes()
        assert data == twin, f"{where}: not the .gz file written by seedfeed build --gzip"
        assert gzip.decompress(data) == file.read_bytes(), where
        assert headers["Content-Type"] == content_type(rel), where
        assert headers["Vary"] == "Accept-Encoding", where
        assert_document_headers(headers, rel, where)
        assert headers["ETag"] != plain_headers["ETag"], f"{where}: one ETag for two bodies"

        # Conditional replay of the compressed representation.
        status, headers, data = fetch(front.base + url_path.lstrip("/"), {
            "Accept-Encoding": "gzip", "If-None-Match": headers["ETag"]})
        assert (status, data) == (304, b""), where


def test_nginx_answers_conditional_requests_with_304(front: Front) -> None:
    for url_path, rel, _file in built_documents(front.out):
        url = front.base + url_path.lstrip("/")
        where = f"nginx {url_path}"
        _status, headers, _data = fetch(url)
        etag, last_modified = headers["ETag"], headers["Last-Modified"]
        replays = {
            "If-None-Match": {"If-None-Match": etag},
            "If-Modified-Since": {"If-Modified-Since": last_modified},
            "a later If-Modified-Since": {"If-Modified-Since": http_date(
                parse_date(last_modified).timestamp() + 3600)},  # type: ignore[union-attr]
            "both": {"If-None-Match": etag, "If-Modified-Since": last_modified},
        }
        for name, conditional in replays.items():
            status, not_modified, data = fetch(url, conditional)
            assert (status, data) == (304, b""), f"{where}: {name}"
            assert not_modified["ETag"] == etag, f"{where}: {name}"
            assert not_modified["Cache-Control"] == headers["Cache-Control"], f"{where}: {name}"
        changed = {
            "another ETag": {"If-None-Match": '"other"'},
            "an older If-Modified-Since": {"If-Modified-Since": http_date(
                parse_date(last_modified).timestamp() - 3600)},  # type: ignore[union-attr]
            "another ETag and the date": {"If-None-Match": '"other"',
                                          "If-Modified-Since": last_modified},
        }
        for name, conditional in changed.items():
            status, _headers, _data = fetch(url, conditional)
            assert status == 200, f"{where}: {name}"
        assert rel  # every document kind went through both validators


def test_nginx_passes_everything_else_to_gunicorn(front: Front) -> None:
    status, headers, data = fetch(front.base + "healthz")
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    assert headers["Cache-Control"] == "no-store"
    health = json.loads(data)
    assert health["status"] == "ok" and health["entries"] == 6, health

    status, headers, data = fetch(front.base + "no/such/page")
    assert (status, data) == (404, b"404 Not Found\n")
    assert headers["X-Content-Type-Options"] == "nosniff"
    for path in ("news.atom.gz", ".seedfeed-cache", "news/.hidden"):
        status, _headers, data = fetch(front.base + path)
        assert (status, data) == (404, b"404 Not Found\n"), path

    # /news (a folder without its slash) is the app's redirect, not the page at a URL
    # where its relative links would break.
    status, headers, _data = fetch_no_redirect(front.base + "news")
    assert status == 308 and headers["Location"] == "/news/", (status, headers["Location"])

    # gunicorn saw them (it logs a request just after answering it: wait a little).
    wanted = ["GET /healthz ", "GET /no/such/page ", "GET /news.atom.gz ", "GET /news "]
    wait_for(lambda: all(request in front.app_log.read_text(encoding="utf-8")
                         for request in wanted), "gunicorn's access log", timeout=5)


def fetch_no_redirect(url: str) -> tuple[int, Message, bytes]:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        try:
            return error.code, error.headers, error.read()
        finally:
            error.close()
