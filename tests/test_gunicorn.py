"""A real gunicorn on 127.0.0.1: `seedfeed serve` and `wsgi:app`, fetched over HTTP.

Every document against a static build, conditional replays and feedparser's conditional
GET, errors on the wire (raw request targets, not normalised by any client), ETags across
a restart, two servers at once, and a seed edit reaching every worker.
"""

from __future__ import annotations

import gzip
import http.client
import os
import re
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import pytest
from livesites import Fetched, fetch
from servers import gunicorn, seedfeed_serve, worker_pids
from servesites import (
    NEW_WORD,
    ROOT,
    TRAVERSALS,
    add_item,
    bundled_seeds,
    content_type,
    make_seeds,
    static_build,
    url_paths,
)
from werkzeug.http import http_date

from seedfeed.compress import GZIP_MIN_BYTES

Built = dict[str, tuple[bytes, int]]
STRONG_ETAG = re.compile(r'^"[^"\s]+"$')




def raw(base: str, target: str, method: str = "GET",
        headers: dict[str, str] | None = None) -> Fetched:
    """One request with the target sent exactly as given (no client-side normalising)."""
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port,
                                            timeout=10)
    try:
        connection.request(method, target, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def documents(built: Built) -> Iterator[tuple[str, str, bytes, int]]:
    """(url path, built file, bytes, mtime) for every URL of every built file."""
    for rel, (body, mtime) in built.items():
        for path in url_paths(rel):
            yield path, rel, body, mtime


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("gunicorn")


@pytest.fixture(scope="module")
def seeds(root: Path) -> Path:
    return make_seeds(root)


@pytest.fixture(scope="module")
def built(root: Path, seeds: Path) -> Built:
    return static_build(seeds, root / "out")


@pytest.fixture(scope="module")
def server(root: Path, seeds: Path) -> Iterator[str]:
    """`seedfeed serve` with two workers; the tests using it never change the seeds."""
    with seedfeed_serve(seeds, workers=2, log=root / "server.log", timeout=60) as base:
        yield base


def test_every_document_over_http_is_the_built_file(server: str, built: Built) -> None:
    for path, rel, body, mtime in documents(built):
        status, headers, data = fetch(server + path)
        assert status == 200, path
        assert data == body, path
        assert headers["Content-Type"] == content_type(rel), path
        assert headers["Last-Modified"] == http_date(mtime), path
        assert headers["Cache-Control"] == "public, max-age=300", path
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert STRONG_ETAG.match(headers["ETag"]), path

        status, zipped_headers, zipped = fetch(server + path, {"Accept-Encoding": "gzip"})
        assert status == 200
        if len(body) < GZIP_MIN_BYTES:  # (too small to gain: sent as it is)
            assert zipped_headers["Content-Encoding"] is None and zipped == body, path
            continue
        assert zipped_headers["Content-Encoding"] == "gzip", path
        assert gzip.decompress(zipped) == body, path
        assert zipped_headers["Vary"] == "Accept-Encoding"
        assert zipped_headers["ETag"] != headers["ETag"]


def test_conditional_replays_get_304(server: str, built: Built) -> None:
    for path, _rel, _body, _mtime in documents(built):
        for encoding in ({}, {"Accept-Encoding": "gzip"}):
            _status, headers, _data = fetch(server + path, encoding)
            etag, modified = headers["ETag"], headers["Last-Modified"]
            for condition in ({"If-None-Match": etag}, {"If-Modified-Since": modified},
                              {"If-None-Match": etag, "If-Modified-Since": modified}):
                status, again, data = fetch(server + path, {**encoding, **condition})
                assert status == 304, (path, condition)
                assert data == b""
                assert again["ETag"] == etag
                assert again["Cache-Control"] == "public, max-age=300"
            # A stale tag wins over a fresh date: the document is sent.
            status, _headers, data = fetch(server + path, {
                **encoding, "If-None-Match": '"stale"', "If-Modified-Since": modified})
            assert status == 200 and data


def test_head_over_http(server: str) -> None:
    for path in ("/", "/all.rss", "/news/", "/style.css"):
        _status, get_headers, _body = raw(server, path)
        status, head_headers, body = raw(server, path, method="HEAD")
        assert status == 200
        assert body == b""
        skip = {"date", "connection", "server"}
        assert sorted((k, v) for k, v in head_headers.items() if k.lower() not in skip) == \
            sorted((k, v) for k, v in get_headers.items() if k.lower() not in skip)


@pytest.mark.parametrize("path", ["/all.rss", "/all.atom", "/news.rss", "/news.atom"])
def test_feedparser_gets_304_on_its_second_fetch(server: str, path: str) -> None:
    first = feedparser.parse(server + path)
    assert first.status == 200
    assert not first.bozo, first.get("bozo_exception")
    assert first.entries
    assert first.etag and first.modified
    second = feedparser.parse(server + path, etag=first.etag, modified=first.modified)
    assert second.status == 304
    assert not second.entries
    assert feedparser.parse(server + path, modified=first.modified).status == 304
    assert feedparser.parse(server + path, etag=first.etag).status == 304


def test_errors_on_the_wire(server: str, seeds: Path) -> None:
    seed_bytes = [p.read_bytes()[:40] for p in seeds.rglob("*") if p.is_file()]
    for target in TRAVERSALS:
        status, headers, body = raw(server, target)
        assert status == 404, target
        assert all(chunk not in body for chunk in seed_bytes), target
        assert headers["X-Content-Type-Options"] == "nosniff"
    status, headers, body = raw(server, "/nope")
    assert (status, headers["Content-Type"]) == (404, "text/plain; charset=utf-8")
    assert len(body) < 100
    for method in ("POST", "PUT", "DELETE"):
        status, headers, _body = raw(server, "/all.rss", method=method)
        assert status == 405
        assert headers["Allow"] == "GET, HEAD"
        assert headers["X-Content-Type-Options"] == "nosniff"
    status, headers, _body = raw(server, "/news")
    assert status in (301, 308)
    assert headers["Location"].endswith("/news/")
    status, headers, body = raw(server, "/healthz")
    assert status == 200 and headers["Content-Type"] == "application/json"
    assert b'"entries":6' in body.replace(b" ", b"")


def all_etags(base: str, built: Built) -> dict[str, tuple[str, str]]:
    found = {}
    for path, _rel, _body, _mtime in documents(built):
        for encoding in ({}, {"Accept-Encoding": "gzip"}):
            _status, headers, _data = fetch(base + path, encoding)
            found[path + str(encoding)] = (headers["ETag"], headers["Last-Modified"])
    return found


def test_etags_survive_a_restart(root: Path, server: str, seeds: Path, built: Built) -> None:
    before = all_etags(server, built)
    with seedfeed_serve(seeds, workers=1, log=root / "restart.log", timeout=60) as again:
        assert all_etags(again, built) == before


def test_two_servers_on_two_seeds_folders(tmp_path: Path, server: str, built: Built) -> None:
    other = bundled_seeds(tmp_path)
    other_built = static_build(other, tmp_path / "out")
    with seedfeed_serve(other, workers=1, log=tmp_path / "other.log", timeout=60) as second:
        assert second != server
        for base, site in ((server, built), (second, other_built)):
            for rel in ("index.html", "all.atom", "feeds.opml"):
                status, _headers, body = fetch(f"{base}/{rel}")
                assert status == 200
                assert body == site[rel][0]
        assert built["index.html"][0] != other_built["index.html"][0]


def test_wsgi_py_under_gunicorn(tmp_path: Path, seeds: Path, built: Built) -> None:
    with gunicorn("wsgi:app", workers=1, cwd=ROOT, env={"SEEDFEED_SEEDS": str(seeds)},
                  log=tmp_path / "wsgi.log", timeout=60) as base:
        for path, _rel, body, mtime in documents(built):
            status, headers, data = fetch(base + path)
            assert status == 200, path
            assert data == body, path
            assert headers["Last-Modified"] == http_date(mtime)
        status, headers, _body = fetch(base + "/all.rss")
        status, _headers, _body = fetch(base + "/all.rss", {"If-None-Match": headers["ETag"]})
        assert status == 304


ACCESS = re.compile(r'^<(\d+)> (\d{3}) \\?"?([^"\\\s]+)')


def access_log(log: Path, expected: int) -> list[tuple[str, str]]:
    """(pid, ETag) of each 200 in the access log, once all `expected` are written."""
    deadline = time.monotonic() + 5
    while True:
        lines = log.read_text(encoding="utf-8").splitlines()
        matches = [ACCESS.match(line) for line in lines]
        answers = [(m.group(1), m.group(3)) for m in matches if m and m.group(2) == "200"]
        if len(answers) >= expected or time.monotonic() > deadline:
            return answers
        time.sleep(0.05)


def test_an_edit_reaches_every_worker(tmp_path: Path) -> None:
    seeds = make_seeds(tmp_path)
    log = tmp_path / "access.log"
    # --reuse-port gives each worker its own listening socket, so the kernel spreads
    # connections over both; the access log names the worker (pid) of every answer.
    options = "--reuse-port --access-logformat '%(p)s %(s)s %({etag}o)s'"
    with seedfeed_serve(seeds, workers=2, access_log=log, log=tmp_path / "server.log",
                        timeout=60, env={"GUNICORN_CMD_ARGS": options}) as base:
        _status, headers, body = fetch(base + "/all.rss")
        old = headers["ETag"]
        assert NEW_WORD not in body
        add_item(seeds)
        deadline = time.monotonic() + 10
        streak, requests = 0, 0
        while streak < 20:
            assert time.monotonic() < deadline, f"not every worker changed ({streak} in a row)"
            requests += 1
            assert requests < 2000
            status, headers, body = fetch(base + "/all.rss")
            assert status == 200
            if headers["ETag"] == old:
                streak = 0
                time.sleep(0.05)
            else:
                assert NEW_WORD in body
                streak += 1
        new = headers["ETag"]
        # Every worker that answered lately answered with the new tag, and both did.
        answers = access_log(log, 2 + requests)  # and the startup probe, the first fetch
        last = answers[-20:]
        assert {etag for _pid, etag in last} == {new.strip('"')}
        assert len({pid for pid, _etag in last}) == 2, last


def test_once_a_worker_answers_an_edit_the_others_follow_at_once(tmp_path: Path) -> None:
    # Each worker looks at the seeds only every 5 s, at its own moments: without the
    # site database telling it that another worker published, one worker would go on
    # answering the old version for up to 5 s after the other answered the new one.
    seeds = make_seeds(tmp_path)
    with seedfeed_serve(seeds, workers=2, log=tmp_path / "server.log", timeout=60,
                        env={"GUNICORN_CMD_ARGS": "--reuse-port",
                             "SEEDFEED_RELOAD_INTERVAL": "5"}) as base:
        old = fetch(base + "/all.rss")[1]["ETag"]
        # Workers started together poll together: replace one 2.5 s later, so that the
        # two look at the seeds 2.5 s apart.
        time.sleep(2.5)
        first, _second = worker_pids(base)
        os.kill(first, signal.SIGTERM)
        deadline = time.monotonic() + 20
        while first in worker_pids(base) or len(worker_pids(base)) < 2:
            assert time.monotonic() < deadline, "gunicorn did not replace the worker"
            time.sleep(0.05)
        time.sleep(1)  # (the new worker loads the seeds)
        add_item(seeds)
        deadline = time.monotonic() + 20
        first_new: float | None = None
        late_old: list[float] = []
        answers = 0
        while first_new is None or time.monotonic() < first_new + 3:
            assert time.monotonic() < deadline, "the edit was never served"
            status, headers, _body = fetch(base + "/all.rss")
            assert status == 200
            answers += 1
            now = time.monotonic()
            if headers["ETag"] != old:
                first_new = first_new or now
            elif first_new is not None:
                late_old.append(now - first_new)
            time.sleep(0.01)
        # The other worker follows within its 50 ms tick and its own reload of the edit.
        assert max(late_old, default=0.0) < 1.0, (late_old, answers)


def test_serve_base_url_publishes_what_build_base_url_writes(tmp_path: Path) -> None:
    """`serve --base-url` as `build --base-url`: the same bytes, every URL moved."""
    seeds = bundled_seeds(tmp_path)
    elsewhere = "https://mirror.example.net/feeds/"
    from seedfeed.publish import build

    build(seeds, tmp_path / "out", now=time.time(), base_url=elsewhere)
    with seedfeed_serve(seeds, workers=1, log=tmp_path / "server.log", timeout=60,
                        options=("--base-url", elsewhere)) as base:
        for rel in ("all.atom", "all.rss", "all.json", "feeds.opml", "index.html"):
            status, _headers, body = fetch(f"{base}/{rel}")
            assert status == 200
            assert body == (tmp_path / "out" / rel).read_bytes(), rel
            assert elsewhere.encode() in body and b"127.0.0.1:8000" not in body, rel


def test_a_port_in_use_is_one_clear_line(tmp_path: Path, seeds: Path) -> None:
    import socket
    import subprocess
    import sys

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([sys.executable, "-m", "seedfeed", "serve", "--seeds", str(seeds),
                               "--port", str(port)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"Error: cannot listen on 127.0.0.1:{port}: Address already in use (another server "
        "there? choose another --port)"]
