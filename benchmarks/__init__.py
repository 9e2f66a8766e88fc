"""Benchmarks: each prints its figures and ratios against a baseline in the same run.

They share the helpers the tests use (a generated corpus, servers on 127.0.0.1, the
soak run), which live in tests/: that folder is put on the import path here.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
