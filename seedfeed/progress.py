"""A progress bar on stderr (tqdm's) that appears only once work has taken a second."""

from __future__ import annotations

import sys
import time
from typing import Any

DELAY_SECONDS = 1.0


class Progress:
    """Call with (done, total); draws a tqdm bar on stderr after `delay` seconds of work.

    tqdm is imported only then (its import costs more than a build with nothing to do):
    its own `delay` would need the bar, and so the import, from the start.
    """

    def __init__(self, label: str, delay: float = DELAY_SECONDS) -> None:
        self.label = label
        self.delay = delay
        self.started = time.monotonic()
        self._bar: Any = None

    def __call__(self, done: int, total: int) -> None:
        if self._bar is None:
            if time.monotonic() - self.started < self.delay or done >= total:
                return
            from tqdm import tqdm

            self._bar = tqdm(total=total, desc=self.label, file=sys.stderr, unit="",
                             dynamic_ncols=True)
        self._bar.update(done - self._bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
