"""The Flask application around the document server: factory, wsgi.py, /healthz, errors."""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from flask import Flask
from servesites import ROOT, make_seeds, static_build

import seedfeed
from seedfeed.web import create_app


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    return make_seeds(tmp_path)


@pytest.fixture
def app(seeds: Path) -> Iterator[Flask]:
    app = create_app(seeds, {"RELOAD_INTERVAL": 0})
    yield app
    app.extensions["seedfeed"].stop()


def reloaders() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "seedfeed-reload" and t.is_alive()]


def test_create_app_takes_the_seeds_folder_from_the_environment(
        tmp_path: Path, seeds: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    built = static_build(seeds, tmp_path / "out")
    monkeypatch.setenv("SEEDFEED_SEEDS", str(seeds))
    monkeypatch.setenv("SEEDFEED_RELOAD_INTERVAL", "0")
    app = create_app()
    assert app.config["SEEDS"] == str(seeds)
    assert app.config["RELOAD_INTERVAL"] == 0
    assert app.test_client().get("/all.rss").data == built["all.rss"][0]


def test_create_app_defaults_to_the_seeds_folder_here(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    seeds = make_seeds(tmp_path, name="seeds")
    monkeypatch.delenv("SEEDFEED_SEEDS", raising=False)
    monkeypatch.chdir(tmp_path)
    app = create_app(test_config={"RELOAD_INTERVAL": 0})
    assert app.config["SEEDS"] == "seeds"
    assert app.test_client().get("/healthz").get_json()["entries"] == 6
    assert app.test_client().get("/news/").status_code == 200
    assert seeds.is_dir()


def test_the_reloader_runs_by_default_and_stops(seeds: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SEEDFEED_RELOAD_INTERVAL", raising=False)
    before = len(reloaders())
    app = create_app(seeds)
    assert app.config["RELOAD_INTERVAL"] > 0
    assert len(reloaders()) == before + 1
    app.extensions["seedfeed"].stop()
    assert len(reloaders()) == before


def test_the_package_factory_is_the_web_factory(seeds: Path, app: Flask) -> None:
    other = seedfeed.create_app(seeds, {"RELOAD_INTERVAL": 0})
    assert isinstance(other, Flask)
    for url in ("/", "/all.atom", "/feeds.opml"):
        assert other.test_client().get(url).data == app.test_client().get(url).data


def test_importing_the_package_and_cli_does_not_load_flask() -> None:
    code = ("import sys, seedfeed, seedfeed.cli; "
            "print(sorted(m for m in ('flask', 'gunicorn') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60, check=True)
    assert result.stdout.strip() == "[]"


def test_wsgi_module_exposes_the_app(tmp_path: Path, seeds: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    built = static_build(seeds, tmp_path / "out")
    monkeypatch.setenv("SEEDFEED_SEEDS", str(seeds))
    monkeypatch.setenv("SEEDFEED_RELOAD_INTERVAL", "0")
    app = runpy.run_path(str(ROOT / "wsgi.py"))["app"]
    assert isinstance(app, Flask)
    client = app.test_client()
    for rel in ("index.html", "all.json", "news/index.html"):
        assert client.get("/" + rel).data == built[rel][0]


def test_flask_cli_finds_the_wsgi_app(seeds: Path) -> None:
    env = {**os.environ, "SEEDFEED_SEEDS": str(seeds), "SEEDFEED_RELOAD_INTERVAL": "0"}
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "routes"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "/healthz" in result.stdout


def test_flask_still_serves_routes_added_to_the_app(app: Flask) -> None:
    @app.get("/extra")
    def extra() -> str:
        return "extra"

    client = app.test_client()
    response = client.get("/extra")
    assert response.status_code == 200
    assert response.data == b"extra"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get("/all.rss").status_code == 200


# --- /healthz ----------------------------------------------------------------------------------


def test_healthz(tmp_path: Path, seeds: Path, app: Flask) -> None:
    built = static_build(seeds, tmp_path / "out")
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    health = response.get_json()
    assert health["sections"] == 2
    assert health["entries"] == 6
    assert health["documents"] == len(built)
    assert health["last_error"] is None
    assert health["status"] == "ok"
    assert datetime.fromisoformat(health["loaded_at"]).utcoffset() is not None


def test_healthz_follows_reloads(seeds: Path, app: Flask) -> None:
    client = app.test_client()
    first = client.get("/healthz").get_json()
    (seeds / "sport").mkdir()
    (seeds / "sport/a.txt").write_text("On 1 April 2024, a match was played.\n",
                                       encoding="utf-8")
    assert app.extensions["seedfeed"].refresh()
    second = client.get("/healthz").get_json()
    assert (second["sections"], second["entries"]) == (3, 7)
    assert datetime.fromisoformat(second["loaded_at"]) >= datetime.fromisoformat(
        first["loaded_at"])
    (seeds / "site.toml").write_text("[site]\nmax_age = 0\n", encoding="utf-8")
    assert not app.extensions["seedfeed"].refresh()
    third = client.get("/healthz").get_json()
    assert "site.toml:2" in third["last_error"]
    assert third["status"] != "ok"
    assert third["loaded_at"] == second["loaded_at"]
    assert (third["sections"], third["entries"]) == (3, 7)


def test_healthz_head_and_other_methods(app: Flask) -> None:
    client = app.test_client()
    head = client.head("/healthz")
    assert head.status_code == 200
    assert head.data == b""
    post = client.post("/healthz")
    assert post.status_code == 405
    assert "GET" in post.headers["Allow"]
    assert post.headers["Content-Type"] == "text/plain; charset=utf-8"


# --- error responses ---------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "url", "status"), [
    ("GET", "/nope", 404), ("HEAD", "/nope", 404), ("POST", "/nope", 404),
    ("DELETE", "/news/nope.html", 404), ("POST", "/news", 405), ("PUT", "/all.rss", 405),
    ("POST", "/", 405), ("GET", "/healthz/", 404), ("POST", "/healthz", 405),
])
def test_error_responses_are_short_plain_text(app: Flask, method: str, url: str,
                                              status: int) -> None:
    response = app.test_client().open(url, method=method)
    assert response.status_code == status
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert int(response.headers["Content-Length"]) < 100
    if method == "HEAD":
        assert response.data == b""
    else:
        assert int(response.headers["Content-Length"]) == len(response.data)
        text = response.data.decode("ascii")
        assert text.endswith("\n") and "<" not in text
        assert ("Not Found" if status == 404 else "Method Not Allowed") in text
    if status == 405:
        allowed = {m.strip() for m in response.headers["Allow"].split(",")}
        assert {"GET", "HEAD"} <= allowed
        assert not allowed & {"POST", "PUT", "DELETE", "PATCH"}
    else:
        assert "Allow" not in response.headers


def test_an_unexpected_error_is_a_plain_500(app: Flask) -> None:
    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("secret detail")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert b"secret detail" not in response.data
    assert b"Traceback" not in response.data
    assert response.headers["X-Content-Type-Options"] == "nosniff"
