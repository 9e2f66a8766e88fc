"""Request hygiene: a hostile request gets a 4xx or is ignored, never a 500 or a traceback.

Very long URLs, huge and garbage conditional and Accept-Encoding headers, odd query
strings, percent-encoded and double-encoded traversal, NUL bytes in paths, and methods
other than GET and HEAD.  Every probe runs twice: against the Flask app in-process (the
WSGI environ built exactly as a server would build it, so nothing is normalised), and
against a real gunicorn on 127.0.0.1 through a raw socket, bytes as written.  gunicorn
refuses some requests itself before the app sees them (an over-long request line, control
characters in a header, a lower-case method): those get gunicorn's own 4xx.

"Ignored" means the answer to the same request without the hostile part: the document
(200, identity or gzip) or, for a matching validator, 304.
"""

from __future__ import annotations

import contextlib
import gzip
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote_to_bytes, urlsplit

import pytest
from flask import Flask
from servers import seedfeed_serve
from servesites import TRAVERSALS, make_seeds

from seedfeed.web import create_app

DOC = "/all.rss"
ETAG = "{etag}"  # replaced by the document's ETag when the probe is sent
IGNORED = frozenset({200})
NOT_FOUND = frozenset({404})
NOT_ALLOWED = frozenset({405})
MAX_RESPONSE = 4 * 1024 * 1024
# What must never reach a client: a traceback, a source path, an exception's class name.
LEAKS = re.compile(rb"Traceback|File \"|\.py\b|\b[A-Z]\w*(?:Error|Exception)\b|werkzeug|flask",
                   re.IGNORECASE)


@dataclass(frozen=True)
class Probe:
    """One hostile request and the statuses allowed from the app and from gunicorn."""

    name: str
    target: bytes
    method: bytes = b"GET"
    headers: tuple[tuple[bytes, bytes], ...] = ()
    app: frozenset[int] = IGNORED
    wire: frozenset[int] | None = None  # None: the same as app
    body: bytes = b""

    @property
    def path(self) -> bytes:
        """The target's path and query (the absolute form's too, as a server reads it)."""
        if self.target.startswith(b"http://"):
            return b"/" + self.target[len(b"http://"):].partition(b"/")[2]
        return self.target

    @property
    def on_wire(self) -> frozenset[int]:
        return self.app if self.wire is None else self.wire


def header(name: str, value: bytes | str) -> tuple[tuple[bytes, bytes], ...]:
    return ((name.encode(), value if isinstance(value, bytes) else value.encode("latin-1")),)


def _probes() -> list[Probe]:
    probes = [
        # --- very long URLs: gunicorn's request line ends at 4094 bytes
        Probe("10 kB path", b"/" + b"a" * 10_000, app=NOT_FOUND, wire=frozenset({414})),
        Probe("100 kB path", b"/" + b"a" * 100_000, app=NOT_FOUND, wire=frozenset({414})),
        Probe("10 kB query", DOC.encode() + b"?" + b"a=b&" * 2_500, wire=frozenset({414})),
        Probe("100 kB path of ../", b"/.." * 33_000 + b"/etc/passwd", app=NOT_FOUND,
              wire=frozenset({414})),
        # --- odd query strings are ignored
        Probe("query ?a=%ff&&=", DOC.encode() + b"?a=%ff&&="),
        Probe("query ?%00", DOC.encode() + b"?%00"),
        Probe("query ?%", DOC.encode() + b"?%"),
        Probe("query ?=&=&%zz", DOC.encode() + b"?=&=&%zz"),
        Probe("query of brackets", DOC.encode() + b"?a[]=1&a[b]=2&a[=3"),
        # --- NUL bytes in paths
        Probe("/%00", b"/%00", app=NOT_FOUND),
        Probe("/news%00.rss", b"/news%00.rss", app=NOT_FOUND),
        Probe("/all.rss%00", b"/all.rss%00", app=NOT_FOUND),
        Probe("/news/%00/", b"/news/%00/", app=NOT_FOUND),
        Probe("/healthz%00", b"/healthz%00", app=NOT_FOUND),
        Probe("/%00/../all.rss", b"/%00/../all.rss", app=NOT_FOUND),
        Probe("a raw NUL in the path", b"/news\x00.rss", app=NOT_FOUND, wire=frozenset({400})),
        # --- methods other than GET and HEAD
        Probe("lower-case get", DOC.encode(), b"get", app=NOT_ALLOWED, wire=frozenset({400})),
        Probe("100-letter method", DOC.encode(), b"X" * 100, app=NOT_ALLOWED,
              wire=frozenset({400})),
        Probe("method with a bracket", DOC.encode(), b"G(T", app=NOT_ALLOWED,
              wire=frozenset({400})),
        Probe("POST with a body", DOC.encode(), b"POST", header("Content-Type", "text/plain"),
              app=NOT_ALLOWED, body=b"x=1&y=2"),
        Probe("OPTIONS *", b"*", b"OPTIONS", app=NOT_FOUND),
        Probe("CONNECT", b"127.0.0.1:80", b"CONNECT", app=NOT_FOUND),
        Probe("an absolute-form target", b"http://evil.example" + DOC.encode()),
    ]
    for method in (b"POST", b"PUT", b"DELETE", b"PATCH", b"OPTIONS", b"TRACE", b"CONNECT",
                   b"PROPFIND", b"BREW"):
        for path, status in ((DOC, NOT_ALLOWED), ("/news/", NOT_ALLOWED),
                             ("/news", NOT_ALLOWED), ("/healthz", NOT_ALLOWED),
                             ("/", NOT_ALLOWED), ("/nope.rss", NOT_FOUND)):
            probes.append(Probe(f"{method.decode()} {path}", path.encode(), method, app=status))
    # --- traversal, percent-encoded and double-encoded
    extra = ["/%2e%2e/%2e%2e/etc/passwd", "/%252e%252e/%252e%252e/etc/passwd",
             "/..%2f..%2fetc%2fpasswd", "/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",
             "/..%5c..%5cseeds%5csite.toml", "/news/%2e%2e/all.rss", "//etc/passwd",
             "/.%2e/site.toml", "/%2fetc%2fpasswd", "/news/..;/site.toml", "/%ff%fe"]
    probes += [Probe(f"traversal {target}", target.encode(), app=NOT_FOUND)
               for target in [*TRAVERSALS, *extra]]
    # --- If-None-Match
    big = b'"' + b"x" * 7_990 + b'"'
    probes += [
        Probe("If-None-Match: *", DOC.encode(), headers=header("If-None-Match", "*"),
              app=frozenset({304})),
        Probe("If-None-Match: a list with the tag", DOC.encode(),
              headers=header("If-None-Match", f'"a", W/"b", {ETAG}'), app=frozenset({304})),
        Probe("If-None-Match: the weak tag", DOC.encode(),
              headers=header("If-None-Match", f"W/{ETAG}"), app=frozenset({304})),
        Probe("If-None-Match: garbage", DOC.encode(), headers=header("If-None-Match", "garb")),
        Probe("If-None-Match: 8 kB", DOC.encode(), headers=header("If-None-Match", big)),
        Probe("If-None-Match: 16 kB", DOC.encode(), headers=header("If-None-Match", big * 2),
              wire=frozenset({431})),
        Probe("If-None-Match: latin-1 bytes", DOC.encode(),
              headers=header("If-None-Match", b'\xff\xfe"\x80\x9f", W/\xa0')),
        Probe("If-None-Match: quotes", DOC.encode(), headers=header("If-None-Match", '"\\""')),
        Probe("If-None-Match: commas", DOC.encode(), headers=header("If-None-Match", ", , ,")),
        Probe("If-None-Match: empty", DOC.encode(), headers=header("If-None-Match", "")),
        Probe("If-None-Match: 2000 tags", DOC.encode(),
              headers=header("If-None-Match", ", ".join(['"t"'] * 1_500))),
    ]
    # --- If-Modified-Since: anything that is not a valid HTTP date is ignored
    for value in ("yesterday", "Thu, 01 Jan 1970 00:00:00 GMT", "Mon, 01 Jan 0000 00:00:00 GMT",
                  "Thu, 01 Jan 100000 00:00:00 GMT", "Tue, 32 Foo 2024 99:99:99 GMT", "-1",
                  "99999999999999999999", "Sun, 06 Nov 1994 08:49:37 GMT, " * 250, "\x7f",
                  "\xff\xfe\x80"):
        probes.append(Probe(f"If-Modified-Since: {value[:30]!r}", DOC.encode(),
                            headers=header("If-Modified-Since", value),
                            wire=frozenset({400}) if value == "\x7f" else None))
    # A date after the document's (however late) is answered as Werkzeug's make_conditional
    # answers it: not modified since.
    probes.append(Probe("If-Modified-Since: year 9999", DOC.encode(),
                        headers=header("If-Modified-Since", "Fri, 31 Dec 9999 23:59:59 GMT"),
                        app=frozenset({304})))
    # --- Accept-Encoding: gzip or not, the document either way
    for value in ("*", "gzip;q=abc", "gzip;q=1e999", "gzip;q=nan", "gzip;q=-1", "*;q=0",
                  "identity;q=0, *;q=0", ";;;,,,", "gzip;level=9;q=0.5", "gzip, " * 1_300,
                  "\xff\xfe;q=\x80", "x" * 8_000):
        probes.append(Probe(f"Accept-Encoding: {value[:30]!r}", DOC.encode(),
                            headers=header("Accept-Encoding", value)))
    probes += [
        Probe("Accept-Encoding with a control character", DOC.encode(),
              headers=header("Accept-Encoding", b"gzip\x01"), wire=frozenset({400})),
        Probe("Accept-Encoding with a NUL", DOC.encode(),
              headers=header("Accept-Encoding", b"gz\x00ip"), wire=frozenset({400})),
        Probe("200 headers", DOC.encode(), headers=((b"X-Junk", b"x"),) * 200,
              wire=frozenset({431})),
    ]
    return probes


PROBES = _probes()


@dataclass
class Answer:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_seeds(tmp_path_factory.mktemp("hygiene"))


@pytest.fixture(scope="module")
def app(seeds: Path) -> Iterator[Flask]:
    app = create_app(seeds, {"RELOAD_INTERVAL": 0})  # not TESTING: errors as in production
    yield app
    app.extensions["seedfeed"].stop()


@pytest.fixture(scope="module")
def server(seeds: Path) -> Iterator[tuple[str, Path]]:
    log = seeds.parent / "gunicorn.log"
    with seedfeed_serve(seeds, workers=1, threads=2, log=log, timeout=60) as base:
        yield base, log


@pytest.fixture(scope="module")
def document(app: Flask) -> dict[str, bytes | str]:
    response = app.test_client().get(DOC)
    assert response.status_code == 200
    return {"body": response.data, "etag": response.headers["ETag"]}


def ask_app(app: Flask, probe: Probe, etag: str) -> Answer:
    """The probe through the WSGI app, with the environ a server builds from these bytes."""
    path, _, query = probe.path.partition(b"?")
    environ = {
        "REQUEST_METHOD": probe.method.decode("latin-1"),
        "PATH_INFO": unquote_to_bytes(path).decode("latin-1"),
        "QUERY_STRING": query.decode("latin-1"),
        "RAW_URI": probe.target.decode("latin-1"),
        "REQUEST_URI": probe.target.decode("latin-1"),
    }
    headers = {}
    for name, value in probe.headers:
        key = "HTTP_" + name.decode().upper().replace("-", "_")
        text = value.decode("latin-1").replace(ETAG, etag)
        headers[key] = f"{headers[key]},{text}" if key in headers else text
    response = app.test_client().open(
        "/", method=probe.method.decode("latin-1"), data=probe.body or None,
        environ_overrides={**environ, **headers})
    return Answer(response.status_code, {k.lower(): v for k, v in response.headers.items()},
                  response.data)


def ask_wire(base: str, probe: Probe, etag: str) -> Answer:
    """The probe as raw bytes on a socket; the answer read to the server's close."""
    parts = urlsplit(base)
    lines = [probe.method + b" " + probe.target + b" HTTP/1.1", b"Host: 127.0.0.1",
             b"Connection: close"]
    lines += [name + b": " + value.replace(ETAG.encode(), etag.encode())
              for name, value in probe.headers]
    if probe.body:
        lines.append(b"Content-Length: %d" % len(probe.body))
    request = b"\r\n".join(lines) + b"\r\n\r\n" + probe.body
    received = bytearray()
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        # Refused part-way (a too-long request), the answer is still there to read.
        with contextlib.suppress(OSError):
            sock.sendall(request)
        while len(received) < MAX_RESPONSE:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
    head, _, body = bytes(received).partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    assert status_line.startswith("HTTP/1.1 "), (probe.name, bytes(received[:200]))
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Answer(int(status_line.split()[1]), headers, body)


def check_answer(probe: Probe, answer: Answer, allowed: frozenset[int],
                 document: dict[str, bytes | str], from_gunicorn: bool) -> None:
    assert answer.status in allowed, (probe.name, answer.status, answer.body[:200])
    assert answer.status < 500
    if answer.status != 200:
        assert not LEAKS.search(answer.body), (probe.name, answer.body[:300])
    if answer.status == 200 and probe.path.startswith(DOC.encode()):
        body = answer.body
        if answer.headers.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        assert body == document["body"], probe.name
    elif answer.status == 304:
        assert answer.body == b""
        assert answer.headers["etag"].strip('"').startswith(str(document["etag"]).strip('"'))
    elif answer.status in (404, 405):
        # The app's own errors: short, plain, and no echo of what was asked.
        assert answer.headers["content-type"] == "text/plain; charset=utf-8", probe.name
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert len(answer.body) < 100
        assert answer.body.decode("ascii").rstrip("\n") in (
            "404 Not Found", "Method Not Allowed", "405 Method Not Allowed")
        if answer.status == 405:
            allowed_methods = {m.strip() for m in answer.headers["allow"].split(",")}
            assert allowed_methods == {"GET", "HEAD"}, (probe.name, allowed_methods)
    else:
        # gunicorn refusing the request line or headers before the app sees them
        assert from_gunicorn and 400 <= answer.status < 500, (probe.name, answer.status)
        assert b"root:" not in answer.body and b"[site]" not in answer.body


@pytest.mark.parametrize("probe", PROBES, ids=[probe.name for probe in PROBES])
def test_the_app_answers_with_a_4xx_or_ignores_it(app: Flask, document: dict[str, bytes | str],
                                                  probe: Probe) -> None:
    answer = ask_app(app, probe, str(document["etag"]))
    check_answer(probe, answer, probe.app, document, from_gunicorn=False)


def test_gunicorn_answers_every_probe_with_a_4xx_or_ignores_it(
        server: tuple[str, Path], document: dict[str, bytes | str]) -> None:
    """One test for all probes: one server, started once, asked len(PROBES) times."""
    base, log = server
    failures = []
    for probe in PROBES:
        try:
            check_answer(probe, ask_wire(base, probe, str(document["etag"])), probe.on_wire,
                         document, from_gunicorn=True)
        except AssertionError as failure:
            failures.append(f"{probe.name}: {failure}")
    assert failures == [], "\n".join(failures)
    # Still serving, and nothing was logged as an exception on the way.
    assert ask_wire(base, Probe("after", DOC.encode()), "").status == 200
    text = log.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in text and "Exception on" not in text, text[-2000:]


def test_the_gzip_choice_cache_stays_bounded(app: Flask) -> None:
    """Garbage Accept-Encoding values are remembered in a bounded cache, not forever."""
    client = app.test_client()
    for n in range(600):
        assert client.get(DOC, headers={"Accept-Encoding": f"gzip;q=0.{n % 10}, x{n}"}
                          ).status_code == 200
    server = app.wsgi_app
    assert len(server._gzip_ok) <= 257  # type: ignore[attr-defined]
