"""Shared fixtures: seeds folders written from inline text, and a CLI runner."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from click.testing import CliRunner

REPO_SEEDS = Path(__file__).resolve().parent.parent / "seeds"

SeedContent = str | bytes


def _write_seeds(root: Path, files: Mapping[str, SeedContent], name: str = "seeds") -> Path:
    """Write a seeds folder under `root` and return it.

    Keys are paths relative to the folder ("news/a.txt", "site.toml"); str values are
    written as UTF-8 exactly as given (no newline translation), bytes values verbatim.
    """
    seeds = root / name
    seeds.mkdir(parents=True, exist_ok=True)
    for rel, content in files.items():
        path = seeds / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        data = content.encode("utf-8") if isinstance(content, str) else content
        path.write_bytes(data)
    return seeds


@pytest.fixture
def write_seeds() -> Callable[..., Path]:
    """`write_seeds(tmp_path, {"news/a.txt": "..."})` writes a seeds folder, returns it."""
    return _write_seeds


@pytest.fixture
def repo_seeds() -> Path:
    """The repository's own seeds folder (read it, never write to it)."""
    return REPO_SEEDS


@pytest.fixture
def sample_seeds(tmp_path: Path) -> Path:
    """A copy of the repository's seeds folder (the sample seed and site.toml)."""
    return Path(shutil.copytree(REPO_SEEDS, tmp_path / "sample_seeds"))


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()
