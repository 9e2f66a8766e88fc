"""The committed `feeds/` folder is the build of the committed `seeds/`, byte for byte."""

from __future__ import annotations

import time
from pathlib import Path

from sites import REPO_FEEDS, REPO_SEEDS, tree

from seedfeed.publish import build

REFRESH = ("feeds/ is out of date with seeds/ and the renderers: run `seedfeed build` in the "
           "repository root to refresh it, review the diff, and commit it")


def test_committed_feeds_are_a_fresh_build_of_the_committed_seeds(tmp_path: Path) -> None:
    out = tmp_path / "feeds"
    build(REPO_SEEDS, out, now=time.time(), state=tmp_path / "site.sqlite")
    fresh, committed = tree(out), tree(REPO_FEEDS)
    missing = sorted(set(fresh) - set(committed))
    extra = sorted(set(committed) - set(fresh))
    assert not missing and not extra, f"{REFRESH} (missing: {missing}, stale: {extra})"
    differ = sorted(path for path in fresh if fresh[path] != committed[path])
    assert not differ, f"{REFRESH} (different: {differ})"
