"""Helpers of the real-program tests (test_newsboat, test_browser, test_nginx).

Real servers on 127.0.0.1: `seedfeed serve` (gunicorn) over a copy of the bundled seeds
whose base_url names the server's own port, and static builds (`seedfeed build
--base-url`) under Python's http.server; plus HTTP fetches that return errors instead of
raising.  Every wait here is bounded.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from email.message import Message
from pathlib import Path
from typing import TYPE_CHECKING

from servers import free_port as free_port  # re-exported for the tests
from servers import running
from servesites import REPO_SEEDS, age

if TYPE_CHECKING:
    from selenium.webdriver.chrome.webdriver import WebDriver

# An item to add to the bundled seeds: newer than every entry, so it leads the feeds.
NEW_ITEM = ("On 20 February 2024, the widget council of the CSTO met in Zlatoust for the "
            "first time.\n\n")
NEW_TITLE = "The widget council of the CSTO met in Zlatoust for the first time"

Fetched = tuple[int, Message, bytes]


def base_url(port: int) -> str:
    """The base URL of a server on 127.0.0.1:port, as site.toml and --base-url take it."""
    return f"http://127.0.0.1:{port}/"


def seeds_copy(root: Path, base: str, name: str = "seeds") -> Path:
    """A copy of the bundled seeds under root whose site.toml names `base` as base_url."""
    seeds = Path(shutil.copytree(REPO_SEEDS, root / name))
    settings = seeds / "site.toml"
    text, count = re.subn(r'(?m)^base_url = "[^"]*"', f'base_url = "{base}"',
                          settings.read_text(encoding="utf-8"))
    assert count == 1, "seeds/site.toml has no base_url line to rewrite"
    settings.write_text(text, encoding="utf-8")
    age(seeds)  # old mtimes: a later edit is always newer, never racy
    return seeds


def add_item(seeds: Path) -> None:
    """Put NEW_ITEM at the top of the first news seed (items run newest first)."""
    path = min((seeds / "news").glob("*.txt"))
    text = path.read_text(encoding="utf-8-sig")
    assert NEW_ITEM not in text
    path.write_text(NEW_ITEM + text, encoding="utf-8")


def build(seeds: Path, out: Path, base: str, *, precompress: bool = False) -> None:
    """`seedfeed build` of seeds into out for publishing at base, as a user runs it."""
    argv = [sys.executable, "-m", "seedfeed", "build", "--seeds", str(seeds), "--out",
            str(out), "--base-url", base, *(["--gzip"] if precompress else [])]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr


# A Russian section to add to the bundled seeds (made-up items, newest first).
RUSSIAN_SECTION = "vesti"
RUSSIAN_ITEMS = """\
19 февраля 2024 года в Ереване прошло совещание рабочей группы по вопросам связи.

17 февраля 2024 года эксперты обсудили подготовку учебного сборника.

15 февраля 2024 года в секретариате открылась выставка фотографий о работе миротворцев.

12 февраля 2024 года состоялась встреча с представителями молодёжных организаций.

9 февраля 2024 года рабочая группа утвердила план мероприятий на весну.
"""


def add_russian_section(seeds: Path, entries_per_feed: int = 3) -> None:
    """Give seeds a Russian section (`language = "ru"`) and short pages and feeds, so
    that every kind of page exists: older pages, archives, a second language."""
    folder = seeds / RUSSIAN_SECTION
    folder.mkdir()
    (folder / "listing.txt").write_text(RUSSIAN_ITEMS, encoding="utf-8")
    settings = seeds / "site.toml"
    text, count = re.subn(r"(?m)^entries_per_feed = \d+", f"entries_per_feed = {entries_per_feed}",
                          settings.read_text(encoding="utf-8"))
    if not count:
        text = text.replace("[site]\n", f"[site]\nentries_per_feed = {entries_per_feed}\n", 1)
    text += (f'\n[sections.{RUSSIAN_SECTION}]\ntitle = "Вести"\n'
             'description = "Новости на русском языке"\nlanguage = "ru"\n')
    settings.write_text(text, encoding="utf-8")
    age(seeds)


@contextmanager
def app_server(seeds: Path, port: int, *, access_log: Path, log: Path) -> Iterator[str]:
    """`seedfeed serve` (one worker) on 127.0.0.1:port; yields the base URL with a slash."""
    argv = [sys.executable, "-m", "seedfeed", "serve", "--seeds", str(seeds),
            "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
            "--access-log", str(access_log)]
    with running(argv, port, log=log, timeout=60, probe="/healthz"):
        yield base_url(port)


@contextmanager
def static_server(directory: Path, port: int, *, log: Path) -> Iterator[str]:
    """`python -m http.server` over directory on 127.0.0.1:port (its log: requests)."""
    argv = [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", "--directory",
            str(directory), str(port)]
    with running(argv, port, log=log, timeout=30):
        yield base_url(port)


def fetch(url: str, headers: dict[str, str] | None = None, method: str = "GET") -> Fetched:
    """Status, headers and body with urllib; 3xx-5xx answers are returned, not raised."""
    request = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        try:
            return error.code, error.headers, error.read()
        finally:
            error.close()


def wait_for(check: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    """Poll check() every 0.2 s until it is true; fail after timeout seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.2)


REQUEST_LINE = re.compile(r'"(?P<method>[A-Z]+) (?P<path>\S+) HTTP/[\d.]+" (?P<status>\d{3}) ')


def access_log_requests(text: str) -> list[tuple[str, int]]:
    """(path, status) of every request in a gunicorn or http.server access log."""
    return [(m["path"], int(m["status"])) for m in REQUEST_LINE.finditer(text)]


class LogTail:
    """The lines a log file gained since the last look."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0

    def skip(self) -> None:
        data = self.path.read_bytes() if self.path.exists() else b""
        self.offset = data.rfind(b"\n") + 1

    def new_requests(self, paths: Collection[str], at_least: int = 0,
                     timeout: float = 5.0) -> list[tuple[str, int]]:
        """Requests for these paths logged since the last call, waiting a little for
        at_least of them (a server may log a request just after the client has its answer).
        """
        deadline = time.monotonic() + timeout
        while True:
            data = self.path.read_bytes() if self.path.exists() else b""
            data = data[:data.rfind(b"\n") + 1]  # whole lines only
            requests = [(path, status) for path, status
                        in access_log_requests(data[self.offset:].decode("utf-8", "replace"))
                        if path in paths]
            if len(requests) >= at_least or time.monotonic() > deadline:
                self.offset = max(self.offset, len(data))
                return requests
            time.sleep(0.05)


# ----------------------------------------------------------------------------- Chromium

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
# width, height, phone (mobile emulation: the page's viewport meta counts, touch, no
# desktop-size layout viewport)
VIEWPORTS: dict[str, tuple[int, int, bool]] = {
    "phone": (375, 812, True),
    "desktop": (1280, 900, False),
}
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--disable-extensions", "--disable-default-apps",
    "--disable-breakpad", "--no-default-browser-check", "--hide-scrollbars", "--mute-audio",
    "--force-device-scale-factor=1", "--lang=en-US",
    "--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication",
]


def chromium(profile: Path) -> WebDriver:
    """Headless Chromium driven by the system chromedriver, with a fresh profile folder.

    Both paths are given, and SE_OFFLINE is set, so selenium-manager never downloads.
    """
    if CHROMIUM is None or CHROMEDRIVER is None:
        raise RuntimeError("needs chromium and chromedriver (Debian: chromium, "
                           "chromium-driver)")
    os.environ["SE_OFFLINE"] = "true"
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for flag in [*CHROMIUM_FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=CHROMEDRIVER, log_output=subprocess.DEVNULL)
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(20)
    driver.set_script_timeout(10)
    return driver


def set_viewport(driver: WebDriver, name: str, *, dark: bool = False) -> None:
    """Make the page area exactly the named viewport (and the colour scheme light/dark)."""
    width, height, mobile = VIEWPORTS[name]
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})
    driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": mobile})
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [
        {"name": "prefers-color-scheme", "value": "dark" if dark else "light"}]})
