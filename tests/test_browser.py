"""A real browser: headless Chromium opens the pages at phone and desktop widths.

Against (a) `seedfeed serve` and (b) a static build under Python's http.server, over the
bundled seeds with a Russian section added and three entries a page, Chromium (Selenium
with the system chromedriver) opens every kind of page: the index, each section's page
and its first older page, the page of all sections and its first older page, every entry
page of the first section and the first of each other, at 375x812 (phone emulation) and
1280x900.  On each page: the stylesheet applies, the console is clean, nothing is wider
than the viewport, and every autodiscovery link, subscribe link and in-site link resolves
against the page URL to a 200 with the right content type (feeds and OPML also
validate).  axe-core (npm package axe-core, injected into the page) finds no violation
on any of them.  Screenshots go to a temporary folder (printed; run with -s to see
where); docs/screenshots/take.py, which makes the README's, runs here too.
"""

from __future__ import annotations

import importlib.util
import os
import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pytest
from feedcheck import check_atom, check_html_autodiscovery, check_jsonfeed, check_opml, check_rss
from livesites import (
    CHROMEDRIVER,
    CHROMIUM,
    RUSSIAN_SECTION,
    VIEWPORTS,
    add_russian_section,
    app_server,
    base_url,
    build,
    chromium,
    fetch,
    free_port,
    seeds_copy,
    set_viewport,
    static_server,
)

if TYPE_CHECKING:
    from selenium.webdriver.chrome.webdriver import WebDriver

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="headless Chromium needs the Debian packages chromium and chromium-driver "
           f"(chromium: {CHROMIUM}, chromedriver: {CHROMEDRIVER})")

# What each kind of document must be served as, by the app (exactly, with charset=utf-8)
# and by http.server (whatever Python's mimetypes and /etc/mime.types say: a development
# server, not a feed host; nginx in deploy/ serves the app's types).
APP_TYPES = {
    "rss": "application/rss+xml", "atom": "application/atom+xml",
    "json": "application/feed+json", "opml": "text/x-opml", "html": "text/html",
    "css": "text/css",
}
STATIC_TYPES = {
    "rss": {"application/rss+xml", "application/x-rss+xml"},
    "atom": {"application/atom+xml"},
    "json": {"application/feed+json", "application/json"},
    "opml": {"text/x-opml", "application/xml", "text/xml", "application/octet-stream"},
    "html": {"text/html"},
    "css": {"text/css"},
}
VALIDATORS = {"rss": check_rss, "atom": check_atom, "json": check_jsonfeed}
# axe-core's browser build: `npm install` in the repository (package.json; .ci/run does),
# or SEEDFEED_AXE naming the file.
AXE = Path(os.environ.get("SEEDFEED_AXE", ROOT / "node_modules" / "axe-core" / "axe.min.js"))
needs_axe = pytest.mark.skipif(not AXE.is_file(), reason=(
    f"axe-core is not installed ({AXE}): run `npm install` in the repository (npm package "
    "axe-core)"))
AXE_RUN = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ['violations']}).then(
  (result) => done(result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map((n) => n.html)}))),
  (error) => done([{id: 'axe-error', help: String(error)}]));
"""

# Everything the checks need from a page, in one script run; arguments[0] is the viewport
# width (not innerWidth: under phone emulation a too-wide page widens the layout viewport).
PAGE_FACTS = """
const width = arguments[0];
const wide = [];
for (const el of document.querySelectorAll('body, body *')) {
  const box = el.getBoundingClientRect();
  if (box.width > 0 && (box.right > width + 0.5 || box.left < -0.5)) {
    wide.push(`${el.tagName.toLowerCase()}.${el.className} ${Math.round(box.left)}..` +
              `${Math.round(box.right)}: ${(el.textContent || '').trim().slice(0, 60)}`);
  }
}
const links = (selector) => [...document.querySelectorAll(selector)].map(
  (a) => ({href: a.href, raw: a.getAttribute('href'), type: a.getAttribute('type') || ''}));
return {
  width: window.innerWidth,
  height: window.innerHeight,
  scrollWidth: document.documentElement.scrollWidth,
  wide: wide,
  styled: document.styleSheets.length > 0 &&
          [...document.styleSheets].every((s) => s.cssRules.length > 0) &&
          getComputedStyle(document.body).boxSizing === 'border-box',
  alternates: links('head link[rel~="alternate"]'),
  subscribe: links('ul.subscribe a, footer a[href$=".opml"]'),
  anchors: links('a[href]'),
  canonical: links('head link[rel="canonical"]'),
  sections: links('section.card h2 a'),
  entries: links('ol.entries a'),
  title: document.title,
};
"""


@dataclass
class Site:
    kind: str
    base: str
    fetched: dict[str, tuple[int, str, bytes]] = field(default_factory=dict)

    def get(self, url: str) -> tuple[int, str, bytes]:
        """(status, media type, body) of a URL, fetched once per site."""
        if url not in self.fetched:
            status, headers, body = fetch(url)
            self.fetched[url] = (status, headers.get("Content-Type", ""), body)
        return self.fetched[url]


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("screenshots")
    print(f"\nscreenshots: {folder}")
    return folder


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    driver = chromium(tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module", params=["app", "static"])
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[Site]:
    root = tmp_path_factory.mktemp(f"browser-{request.param}")
    port = free_port()
    base = base_url(port)
    seeds = seeds_copy(root, base)
    add_russian_section(seeds)
    if request.param == "app":
        with app_server(seeds, port, access_log=root / "access.log", log=root / "server.log"):
            yield Site("app", base)
    else:
        build(seeds, root / "feeds", base)
        with static_server(root / "feeds", port, log=root / "server.log"):
            yield Site("static", base)


def extension(url: str) -> str:
    path = url.split("?", 1)[0].split("#", 1)[0]
    name = path.rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[-1] if "." in name else "html"  # folders: index.html


def assert_served_as(site: Site, url: str, declared: str = "") -> bytes:
    """The URL answers 200 with the content type of its kind; returns the body."""
    status, content_type, body = site.get(url)
    assert status == 200, f"{url}: {status}"
    kind = extension(url)
    media_type = content_type.split(";")[0].strip().lower()
    if site.kind == "app":
        assert content_type == f"{APP_TYPES[kind]}; charset=utf-8", url
        if declared:
            assert media_type == declared, f"{url}: link says {declared}, served {media_type}"
    else:
        assert media_type in STATIC_TYPES[kind], f"{url}: {content_type}"
    return body


def check_page(driver: WebDriver, site: Site, url: str, viewport: str) -> dict[str, Any]:
    """Open url in the browser and check everything about it; returns the page facts."""
    driver.get_log("browser")  # drop what earlier pages logged
    driver.get(url)
    assert driver.current_url == url
    where = f"{url} at {viewport}"
    width, height, _mobile = VIEWPORTS[viewport]
    facts: dict[str, Any] = driver.execute_script(PAGE_FACTS, width)
    assert facts["styled"], f"{where}: the stylesheet did not apply"
    # The browser's own /favicon.ico request may 404: the site has no icon.
    problems = [entry["message"] for entry in driver.get_log("browser")
                if entry["level"] in ("SEVERE", "WARNING")
                and "favicon.ico" not in entry["message"]]
    assert problems == [], f"{where}: console: {problems}"

    # Nothing wider than the viewport: no sideways scrolling, no zooming out on a phone.
    assert facts["wide"] == [], f"{where}: wider than the viewport: {facts['wide']}"
    assert facts["scrollWidth"] <= width, f"{where}: scrolls sideways"
    assert (facts["width"], facts["height"]) == (width, height), \
        f"{where}: the layout viewport is {facts['width']}x{facts['height']}"

    # Autodiscovery: what the browser sees is what the served HTML declares, and resolves.
    html = assert_served_as(site, url)
    declared = check_html_autodiscovery(html)
    assert declared, f"{where}: no feed autodiscovery links"
    assert [(link["type"], link["raw"]) for link in facts["alternates"]] == declared, where
    for link in facts["alternates"]:
        href = link["href"]
        assert href.startswith(site.base), f"{where}: {href} leaves the site"
        body = assert_served_as(site, href, link["type"])
        assert VALIDATORS[extension(href)](body, href) == [], href

    # Subscribe links (per-section buttons and the footer's OPML), every link in the page.
    assert any(extension(link["href"]) == "opml" for link in facts["subscribe"]), where
    for link in facts["subscribe"]:
        body = assert_served_as(site, link["href"], link["type"])
        if extension(link["href"]) == "opml":
            assert check_opml(body) == [], link["href"]
        else:
            assert VALIDATORS[extension(link["href"])](body, link["href"]) == [], link["href"]
    for link in facts["anchors"] + facts["canonical"]:
        assert link["href"].startswith(site.base), f"{where}: {link['href']} leaves the site"
        assert_served_as(site, link["href"])
    return facts


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    return struct.unpack(">II", data[16:24])


def screenshot(driver: WebDriver, shots: Path, name: str, viewport: str) -> None:
    path = shots / f"{name}.png"
    assert driver.save_screenshot(str(path)), path
    width, height, _mobile = VIEWPORTS[viewport]
    assert png_size(path) == (width, height), path


def older_page(facts: dict[str, Any]) -> str:
    """The URL of a list page's first older page (page-1.html)."""
    pages = [link["href"] for link in facts["anchors"]
             if re.search(r"/page-1\.html$", link["href"])]
    assert pages, "no older page is linked"
    return pages[0]


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_pages_fit_and_every_link_resolves(browser: WebDriver, site: Site, shots: Path,
                                           viewport: str) -> None:
    set_viewport(browser, viewport)
    index = check_page(browser, site, site.base, viewport)
    screenshot(browser, shots, f"{site.kind}-{viewport}-index", viewport)
    sections = [link["href"] for link in index["sections"]]
    assert len(sections) == 2 and f"{site.base}{RUSSIAN_SECTION}/" in sections, sections
    assert index["subscribe"], "the index has no subscribe links"

    for number, section_url in enumerate([*sections, f"{site.base}all/"]):
        section = check_page(browser, site, section_url, viewport)
        name = section_url.removeprefix(site.base).strip("/")
        screenshot(browser, shots, f"{site.kind}-{viewport}-{name}", viewport)
        check_page(browser, site, older_page(section), viewport)
        entries = [link["href"] for link in section["entries"]]
        assert entries, f"{section_url} lists no entries"
        if section_url.endswith("/all/"):
            continue  # (its entries' pages are the sections')
        for count, entry_url in enumerate(entries if number == 0 else entries[:1]):
            check_page(browser, site, entry_url, viewport)
            screenshot(browser, shots, f"{site.kind}-{viewport}-{name}-entry{count}", viewport)


def every_kind_of_page(driver: WebDriver, base: str) -> list[str]:
    """One page of each kind: the index, each section's page and its first older page,
    the same of all sections, and an entry page of each section."""
    driver.get(base)
    facts: dict[str, Any] = driver.execute_script(PAGE_FACTS, 0)
    urls = [base]
    for section_url in [*(link["href"] for link in facts["sections"]), f"{base}all/"]:
        driver.get(section_url)
        section: dict[str, Any] = driver.execute_script(PAGE_FACTS, 0)
        urls += [section_url, older_page(section)]
        if not section_url.endswith("/all/"):
            urls.append(section["entries"][0]["href"])
    return urls


@needs_axe
@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_every_kind_of_page_passes_axe(browser: WebDriver, site: Site, viewport: str) -> None:
    """axe-core's rules (WCAG 2.x A and AA, and its best practices): no violation."""
    script = AXE.read_text(encoding="utf-8")
    set_viewport(browser, viewport)
    urls = every_kind_of_page(browser, site.base)
    assert len(urls) == 9, urls
    for url in urls:
        browser.get(url)
        browser.execute_script(script)
        violations = browser.execute_async_script(AXE_RUN)
        assert violations == [], f"{url} at {viewport}: {violations}"


def test_dark_scheme_fits_too(browser: WebDriver, site: Site, shots: Path) -> None:
    for viewport in VIEWPORTS:
        set_viewport(browser, viewport, dark=True)
        try:
            check_page(browser, site, site.base, viewport)
            background = browser.execute_script(
                "return getComputedStyle(document.body).backgroundColor")
            assert background == "rgb(22, 22, 21)", "the dark scheme did not apply"
            screenshot(browser, shots, f"{site.kind}-{viewport}-index-dark", viewport)
        finally:
            set_viewport(browser, viewport)


def load_take() -> ModuleType:
    path = ROOT / "docs" / "screenshots" / "take.py"
    spec = importlib.util.spec_from_file_location("seedfeed_docs_take", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_screenshot_script(browser: WebDriver, site: Site, shots: Path) -> None:
    """docs/screenshots/take.py photographs the index at every viewport (into tmp here)."""
    made = load_take().take(browser, site.base, shots / "take", prefix=f"{site.kind}-index")
    assert [path.name for path in made] == [f"{site.kind}-index-{name}.png"
                                            for name in VIEWPORTS]
    for path, (width, height, _mobile) in zip(made, VIEWPORTS.values(), strict=True):
        assert png_size(path) == (width, height)
    committed = ROOT / "docs" / "screenshots" / "index-desktop.png"
    assert committed.is_file(), "run docs/screenshots/take.py for the README's screenshots"
