"""A progress bar on stderr that appears only once work has taken longer than a second."""

from __future__ import annotations

import sys
import time
from typing import Any

import click

DELAY_SECONDS = 1.0


class Progress:
    """Call with (done, total); draws a bar on stderr after DELAY_SECONDS of work."""

    def __init__(self, label: str, delay: float = DELAY_SECONDS) -> None:
        self.label = label
        self.delay = delay
        self.started = time.monotonic()
        self._bar: Any = None
        self._shown = 0

    def __call__(self, done: int, total: int) -> None:
        if self._bar is None:
            if time.monotonic() - self.started < self.delay or done >= total:
                return
            self._bar = click.progressbar(length=total, label=self.label, file=sys.stderr)
            self._bar.__enter__()
        self._bar.update(done - self._shown)
        self._shown = done

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None
