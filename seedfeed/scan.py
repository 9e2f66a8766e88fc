"""What is on disk: the seeds folder (its one walk) and seedfeed's own files.

Light on imports: a build with nothing to do decides so from these alone, before the
parser and renderer are imported.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

from .model import Level, Problem


@dataclass(frozen=True)
class Scan:
    """A seeds folder at one moment: every visible file (not only seeds, so that any
    change shows) with its stat, every folder with its mtime ("<rel>/", the root "./":
    removing a seed changes only its folder's), and the links found (not followed)."""

    root: str
    files: dict[str, os.stat_result]
    folders: dict[str, float]
    links: tuple[Problem, ...]

    def signature(self) -> str:
        """A hash of every file's size, mtime, inode and type and of the folders."""
        found = [(rel, info.st_size, info.st_mtime_ns, info.st_ino, info.st_mode)
                 for rel, info in self.files.items()]
        return hashlib.blake2b(repr((found, self.folders)).encode(), digest_size=16).hexdigest()


def walk(seeds: Path) -> Scan:
    """The one walk of a seeds folder (hidden files and folders left out); the files in
    a stable order."""
    files: dict[str, os.stat_result] = {}
    folders: dict[str, float] = {}
    links: list[Problem] = []
    root = str(seeds)
    for folder, dirs, names in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        rel_folder = os.path.relpath(folder, root).replace(os.sep, "/")
        prefix = "" if rel_folder == "." else rel_folder + "/"
        try:
            folders[prefix or "./"] = os.stat(folder).st_mtime
        except OSError:
            continue
        for name in list(dirs):
            if os.path.islink(os.path.join(folder, name)):
                links.append(Problem(prefix + name, 1, Level.WARNING,
                                     "symbolic link to a folder not followed"))
                dirs.remove(name)
        for name in sorted(names):
            if not name.startswith("."):
                try:
                    files[prefix + name] = os.lstat(os.path.join(folder, name))
                except OSError:
                    continue  # (gone since listed)
    return Scan(root, files, folders, tuple(links))


def code_fingerprint() -> str:
    """What identifies this version of seedfeed: its files' names, sizes and mtimes.

    Parsing and rendering depend on it: an upgrade (or an edited template) must parse and
    render again what a database would otherwise reuse, and so must an upgrade of a
    library whose data shows in the output (_LIBRARIES).  Stat calls only, a few dozen.
    """
    package = Path(__file__).parent
    found = []
    for folder, dirs, files in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith((".py", ".html", ".css", ".po")):
                info = os.stat(os.path.join(folder, name))
                found.append((os.path.relpath(os.path.join(folder, name), package),
                              info.st_size, info.st_mtime_ns))
    # Libraries whose data shows in the output: Babel's dates (CLDR) change with it.
    for library in _LIBRARIES:
        spec = importlib.util.find_spec(library)
        if spec is not None and spec.origin is not None:
            info = os.stat(spec.origin)
            found.append((library, info.st_size, info.st_mtime_ns))
    return hashlib.blake2b(repr(found).encode(), digest_size=16).hexdigest()


_LIBRARIES = ("babel",)
