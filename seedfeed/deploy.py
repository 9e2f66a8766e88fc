"""A static build to S3-compatible object storage: what changed, in a safe order.

`deploy(out, target, ...)` publishes the files of a static build (`seedfeed build
--out`) under s3://BUCKET/PREFIX through boto3, with credentials from boto3's standard
chain (environment, ~/.aws files, instance roles), never from seedfeed's settings.

- **Only what changed.** A manifest object beside the site (MANIFEST under the prefix)
  records, for each object seedfeed put there, the digest of what it sent (bytes and
  headers) and the ETag the store answered.  An object is unchanged when the manifest's
  digest is that of the file and the store still lists it with that ETag: the store's
  ETag is compared with itself, never assumed to be an MD5 (multipart uploads and some
  stores make other ETags).
- **The headers the server sends**: Content-Type (with charset=utf-8 for text),
  Cache-Control from `max_age` (a year and `immutable` for archive documents).  Of a
  build made with --gzip: the `.gz` twins as their own objects with Content-Encoding:
  gzip (`gzip="twins"`), or the compressed bytes under each document's own key
  (`gzip="encoding"`); README "Publishing to object storage" says which suits which CDN.
- **An order that keeps readers safe**: entry pages and static files, then archive
  documents and older list pages, then section pages, then feeds, the front page and the
  OPML, then deletions.  Whatever is linked is there before what links it, so a deploy
  killed at any moment leaves a usable site; the manifest lists the objects about to be
  written before they are, so the next deploy knows them as its own and finishes.
- **Objects seedfeed did not put there** (not in the manifest) are never overwritten,
  nor removed as no longer in the build (`delete`, the default), unless `force`: such a
  deploy is refused, naming them.
- New objects go up before changed ones: a changed page's new links lead to them.  No
  old object links a new one, except the newest archive document its next one
  (next-archive): new archive documents come last among the new, once what they link
  is there.
"""

from __future__ import annotations

import gzip as gzip_module
import hashlib
import json
import mimetypes
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .headers import ARCHIVE, MEDIA_TYPES, SUBSCRIPTION, cache_control, content_type

MANIFEST = ".seedfeed-manifest.json"
GZIP_MODES = ("twins", "encoding")
_OLDER_PAGE = re.compile(r"(?:.*/)?page-\d+\.html")


class DeployError(Exception):
    """Why a deploy stopped: names the object (s3://bucket/key) or the setting."""


@dataclass(frozen=True, slots=True)
class Target:
    bucket: str
    prefix: str  # "" or ending with "/"

    def url(self, key: str = "") -> str:
        return f"s3://{self.bucket}/{self.prefix}{key}"


def parse_target(url: str) -> Target:
    """s3://BUCKET[/PREFIX] to a Target; DeployError for anything else."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc or parts.query or parts.fragment:
        raise DeployError(f"{url!r} is not an s3://BUCKET[/PREFIX] URL")
    prefix = parts.path.strip("/")
    return Target(parts.netloc, prefix + "/" if prefix else "")


@dataclass(frozen=True, slots=True)
class Upload:
    """An object of the build: its key under the prefix, where its bytes are, headers."""

    key: str
    source: Path
    compress: bool  # send the file's gzip (gzip="encoding")
    headers: tuple[tuple[str, str], ...]  # boto3 put_object arguments
    rank: int  # the order of publication (see the module's docstring)

    def body(self) -> bytes:
        data = self.source.read_bytes()
        return gzip_module.compress(data, 9, mtime=0) if self.compress else data

    def digest(self, body: bytes) -> str:
        return hashlib.sha256(body + repr(self.headers).encode()).hexdigest()


@dataclass
class Summary:
    uploaded: int = 0
    unchanged: int = 0
    deleted: int = 0
    bytes: int = 0
    seconds: float = 0.0
    feeds: list[str] = field(default_factory=list)  # URLs (rel="self") of uploaded feeds
    plan: list[str] = field(default_factory=list)  # (dry run) what would be done


_NEW_RANK = {0: 0, 2: 1, 3: 2, 1: 3}  # the order of new objects (see the module's docstring)


def _rank(key: str) -> int:
    if key == "index.html" or key.endswith(".opml") or SUBSCRIPTION.fullmatch(key):
        return 3
    if key.endswith("/index.html"):
        return 2
    if ARCHIVE.fullmatch(key) or _OLDER_PAGE.fullmatch(key):
        return 1
    return 0


def objects(out: Path, max_age: int, gzip: str = "twins") -> list[Upload]:
    """The objects of a static build in `out`, in the order they are published."""
    if gzip not in GZIP_MODES:
        raise DeployError(f"gzip must be one of {', '.join(GZIP_MODES)}, not {gzip!r}")
    if not out.is_dir():
        raise DeployError(f"{out}: no such folder (build the site first: seedfeed build)")
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*")
                   if p.is_file() and not any(part.startswith(".")
                                              for part in p.relative_to(out).parts))
    present = set(files)
    found = []
    for key in files:
        twin = key.endswith(".gz") and key[:-3] in present
        name = key[:-3] if twin else key
        if twin and gzip == "encoding":
            continue  # (sent as its document's body)
        extension = name.rsplit(".", 1)[-1] if "." in name else ""
        media_type = MEDIA_TYPES.get(extension) or mimetypes.guess_type(name)[0] \
            or "application/octet-stream"
        compress = gzip == "encoding" and f"{key}.gz" in present
        headers = [("ContentType", content_type(media_type)),
                   ("CacheControl", cache_control(bool(ARCHIVE.fullmatch(name)), max_age))]
        if twin or compress:
            headers.append(("ContentEncoding", "gzip"))
        found.append(Upload(key, out / key, compress, tuple(headers), _rank(name)))
    return sorted(found, key=lambda upload: (upload.rank, upload.key))


def deploy(out: Path, target: Target, *, max_age: int, gzip: str = "twins",
           delete: bool = True, force: bool = False, dry_run: bool = False,
           endpoint_url: str | None = None,
           on_progress: Callable[[int, int], None] | None = None) -> Summary:
    """Publish the build in `out` to `target`; see the module's docstring.

    Raises DeployError naming the object and the cause; nothing is changed by a dry run
    or by a refusal (objects seedfeed did not put there, without `force`).  Bodies are
    read again when uploaded, not kept: a site's worth of them need not fit in memory.
    """
    started = time.monotonic()
    store = _Store(target, endpoint_url)
    wanted = objects(out, max_age, gzip)
    listed = store.list()
    manifest = store.manifest() if MANIFEST in listed else {}
    keys = {upload.key for upload in wanted}
    stale = sorted(key for key in listed if key not in keys and key != MANIFEST)
    foreign = [key for key in sorted(listed) if key not in manifest and key != MANIFEST
               and (key in keys or delete)]
    if foreign and not force:
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more"
                                          if len(foreign) > 5 else "")
        raise DeployError(
            f"{target.url()} holds objects seedfeed did not put there ({shown}): deploying "
            "would " + ("overwrite or remove" if delete else "overwrite") + " them; use "
            "another prefix" + (", --no-delete (to keep objects not in the build)"
                                if delete else "") + " or --force")
    summary = Summary()
    changed: list[tuple[Upload, int]] = []  # (the object, its size)
    for upload in wanted:
        body = upload.body()
        known = manifest.get(upload.key)
        if known is not None and known.get("digest") == upload.digest(body) \
                and listed.get(upload.key) == known.get("etag"):
            summary.unchanged += 1
        else:
            changed.append((upload, len(body)))
    gone = stale if delete else []
    changed.sort(key=lambda item: (item[0].key in listed, item[0].rank if item[0].key in listed
                                   else _NEW_RANK[item[0].rank], item[0].key))
    if dry_run:
        summary.plan = [f"upload {target.url(u.key)} ({size} bytes)" for u, size in changed]
        summary.plan += [f"delete {target.url(key)}" for key in gone]
        summary.uploaded, summary.deleted = len(changed), len(gone)
        summary.bytes = sum(size for _, size in changed)
        summary.seconds = time.monotonic() - started
        return summary
    # Known from now on: what is about to be written (a deploy killed mid-way leaves
    # objects the next one must recognise as its own), and what is still there.
    record = {key: value for key, value in manifest.items() if key in listed}
    if changed:
        for upload, _ in changed:
            record.setdefault(upload.key, {})
        store.put_manifest(record)
    for done, (upload, _) in enumerate(changed, start=1):
        body = upload.body()
        etag = store.put(upload.key, body, dict(upload.headers))
        record[upload.key] = {"digest": upload.digest(body), "etag": etag}
        summary.uploaded += 1
        summary.bytes += len(body)
        if SUBSCRIPTION.fullmatch(upload.key):
            summary.feeds.append(self_url(upload.source.read_bytes()) or upload.key)
        if on_progress is not None:
            on_progress(done, len(changed) + len(gone))
    for done, key in enumerate(gone, start=len(changed) + 1):
        store.delete(key)
        record.pop(key, None)
        summary.deleted += 1
        if on_progress is not None:
            on_progress(done, len(changed) + len(gone))
    if changed or gone or set(record) != set(manifest):
        # (another deploy to the prefix meanwhile: its objects stay known as seedfeed's)
        for key, value in (store.manifest() if MANIFEST in store.list() else {}).items():
            if key not in record and key not in gone:
                record[key] = value
        store.put_manifest(record)
    summary.seconds = time.monotonic() - started
    return summary


def self_url(body: bytes) -> str | None:
    """A feed's own URL: RSS's atom:link and Atom's link rel="self", JSON Feed's
    feed_url; None when it names none."""
    if body.lstrip().startswith(b"{"):
        try:
            found = json.loads(body).get("feed_url")
        except (ValueError, AttributeError):
            return None
        return found if isinstance(found, str) else None
    from lxml import etree

    try:
        root = etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return None
    for link in root.iter("{http://www.w3.org/2005/Atom}link"):
        if link.get("rel") == "self" and link.getparent() in (root, root.find("channel")):
            return link.get("href")
    return None


class _Store:
    """The bucket and prefix through boto3; errors become DeployError naming the object."""

    def __init__(self, target: Target, endpoint_url: str | None) -> None:
        import boto3  # (imported by deploy only: it takes a while)
        from botocore.config import Config

        self.target = target
        self.client: Any = boto3.client("s3", endpoint_url=endpoint_url, config=Config(
            retries={"max_attempts": 5, "mode": "standard"}))

    def _fail(self, key: str, exc: Exception) -> DeployError:
        from botocore.exceptions import ClientError

        if isinstance(exc, ClientError):
            error = exc.response.get("Error", {})
            cause = f"{error.get('Code', 'error')}: {error.get('Message', exc)}"
        else:
            cause = str(exc)
        return DeployError(f"{self.target.url(key)}: {cause}")

    def _call(self, key: str, method: str, **kwargs: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self.client, method)(Bucket=self.target.bucket, **kwargs)
        except (ClientError, BotoCoreError) as exc:
            raise self._fail(key, exc) from exc

    def list(self) -> dict[str, str]:
        """Key (under the prefix) -> ETag of every object under the prefix."""
        from botocore.exceptions import BotoCoreError, ClientError

        found: dict[str, str] = {}
        prefix = self.target.prefix
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.target.bucket, Prefix=prefix)
            for page in pages:
                for item in page.get("Contents", []):
                    found[item["Key"][len(prefix):]] = item["ETag"]
        except (ClientError, BotoCoreError) as exc:
            raise self._fail("", exc) from exc
        return found

    def manifest(self) -> dict[str, dict[str, str]]:
        """The manifest (listed: see deploy), key -> {"digest", "etag"}."""
        answer = self._call(MANIFEST, "get_object", Key=self.target.prefix + MANIFEST)
        try:
            found = json.loads(answer["Body"].read())["objects"]
            if not all(isinstance(key, str) and isinstance(value, dict) and all(
                    isinstance(v, str) for v in value.values()) for key, value in found.items()):
                raise ValueError("entries are not objects of strings")
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise DeployError(f"{self.target.url(MANIFEST)}: not seedfeed's manifest "
                              f"({exc}); remove it to start anew") from exc
        return dict(found)

    def put_manifest(self, record: dict[str, dict[str, str]]) -> None:
        body = json.dumps({"version": 1, "objects": record}, sort_keys=True).encode()
        self._call(MANIFEST, "put_object", Key=self.target.prefix + MANIFEST, Body=body,
                   ContentType="application/json", CacheControl="no-store")

    def put(self, key: str, body: bytes, headers: dict[str, str]) -> str:
        answer = self._call(key, "put_object", Key=self.target.prefix + key, Body=body,
                            **headers)
        return str(answer["ETag"])

    def delete(self, key: str) -> None:
        self._call(key, "delete_object", Key=self.target.prefix + key)
