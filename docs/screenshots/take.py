"""Screenshots of the front page and of a Russian section for the README.

    python docs/screenshots/take.py [--out DIR]

Builds `seeds/` with a Russian section added (tests/livesites.add_russian_section) with
`seedfeed build` into a temporary folder, serves it with Python's http.server on
127.0.0.1 (a free port), and photographs the front page and the Russian section's page
with headless Chromium (Debian packages chromium and chromium-driver, driven by
Selenium) at a desktop (1280x900) and a phone (375x812) viewport: index-desktop.png,
index-phone.png, section-ru-desktop.png and section-ru-phone.png in --out (default:
this folder).  tests/test_browser.py calls take() for its own shots.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
for path in (ROOT, ROOT / "tests"):  # livesites (tests/) and benchmarks (the root)
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from livesites import (  # noqa: E402
    RUSSIAN_SECTION,
    VIEWPORTS,
    add_russian_section,
    base_url,
    build,
    chromium,
    free_port,
    seeds_copy,
    set_viewport,
    static_server,
)

if TYPE_CHECKING:
    from selenium.webdriver.chrome.webdriver import WebDriver


def take(driver: WebDriver, index_url: str, out: Path, prefix: str = "index") -> list[Path]:
    """<prefix>-<viewport>.png of the page at index_url for every viewport, into out."""
    out.mkdir(parents=True, exist_ok=True)
    shots = []
    for name in VIEWPORTS:
        set_viewport(driver, name)
        driver.get(index_url)
        shot = out / f"{prefix}-{name}.png"
        if not driver.save_screenshot(str(shot)):
            raise RuntimeError(f"no screenshot of {index_url} at {name}")
        shots.append(shot)
    return shots


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE,
                        help="folder for the PNG files")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="seedfeed-shots-") as tmp:
        work = Path(tmp)
        port = free_port()
        base = base_url(port)
        seeds = seeds_copy(work, base)
        add_russian_section(seeds)
        build(seeds, work / "feeds", base)
        with static_server(work / "feeds", port, log=work / "server.log"):
            driver = chromium(work / "profile")
            try:
                for shot in [*take(driver, base, args.out),
                             *take(driver, f"{base}{RUSSIAN_SECTION}/", args.out,
                                   prefix="section-ru")]:
                    print(shot)
            finally:
                driver.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
