"""reports/index.html in a real browser: headless Chromium driven by Playwright, page opened from disk.

The page is the one of a full build of the demo data (19 territories: the `demo_reports` fixture of
conftest.py, a few minutes once per session), opened as `file://…/reports/index.html` the way a
reader opens it after downloading the folder, at a desktop (1280×900) and a phone width (390×844,
3 device pixels per CSS pixel, touch). Every request of the page goes through the test: anything
but a local file (or `data:`/`about:`) fails the test and is aborted; Chromium also runs behind an
unreachable proxy, so nothing could leave the machine anyway. Console errors and uncaught
exceptions fail the test too.

Full-page screenshots go to $IMPACT_SCREENSHOTS (default tests/screenshots/, git-ignored); the
folder is printed when the first test that takes one starts.

The browser is the system's Chromium (Debian: `apt-get install chromium`; `.ci/run` installs it),
launched by Playwright (`pip install -e '.[test]'`) through `executable_path`: Playwright's own
browser download is never used. Without chromium or Playwright these tests skip, unless
IMPACT_REQUIRE_BROWSER=1 (set by `.ci/run`) makes that a failure.
"""

from __future__ import annotations

import os
import re
import shutil
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import pytest

ROOT = Path(__file__).resolve().parent.parent

# --- The page's contract: every selector and expected text the tests use, in one place. -----------
H1 = "h1"
FILTER = 'input#filtre[type="search"]'  # plain JS: rows that do not match get `hidden`
FILTER_COUNT = "#filtre-compte"  # live count of the rows shown
ROW = "tr.territoire"  # one per territory: data-code, data-slug, name in 1st cell
ROW_OF = 'tr.territoire[data-slug="{slug}"]'
GROUPS = {"regions": "Régions", "territoires": "Territoires personnalisés"}  # section.groupe#<id> > h2
GROUP_OF = {"paca": "regions", "bretagne": "regions", "alsace": "territoires"}  # slug -> its section
ROW_LINKS = ["{slug}.pdf", "donnees/{slug}.csv", "donnees/{slug}.xlsx"]
PDF_LINK_TEXT = re.compile(r"^PDF, (\d+) pages?, ([\d\u202f\u00a0 ]+(?:,\d+)?)\s(octets?|ko|Mo)$")
PAGE_LINKS = ["methodologie.pdf", "donnees/impact-regions-tables.zip"]
MAP = "figure#carte"
MAP_SVG = "figure#carte svg"  # inline, not an <img>
MAP_LINKS = "figure#carte svg a"  # one per region: href="<slug>.pdf"
MAP_TEXT = "figure#carte svg text"  # region names (a name may span lines / tspans)
MAP_NAMES = {
    "bretagne": "Bretagne",
    "corse": "Corse",
    "ile-de-france": "Île-de-France",
    "la-reunion": "La Réunion",
    "paca": "Provence-Alpes-Côte d’Azur",
}  # typographic apostrophe
MIN_MAP_TEXT_PX = 9  # height of a map label line, CSS px, wherever the map shows
SEARCHES = {  # typed in the filter box -> slugs then shown, and some then hidden
    "Provence": (["paca"], ["bretagne", "corse"]),
    "93": (["paca"], ["bretagne"]),
    "REUNION": (["la-reunion"], ["paca"]),  # case-insensitive
    "cote d": (["paca"], ["corse"]),  # accent-insensitive: only the name, Côte d’Azur, has it
}
# ---------------------------------------------------------------------------------------------------

VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 3,
        "is_mobile": True,
        "has_touch": True,
    },
}
# Nothing can leave the machine even if the routing below missed a request: an unreachable proxy
# for every host, loopback included.
OFFLINE_ARGS = ["--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>"]


def _unavailable(reason: str):
    if os.environ.get("IMPACT_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (IMPACT_REQUIRE_BROWSER=1: the browser tests must run)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium():
    """The system's headless Chromium, launched by Playwright (checked before the demo is built)."""
    exe = shutil.which("chromium")
    if exe is None:
        _unavailable("no `chromium` on PATH (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, args=OFFLINE_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def reports(chromium, demo_reports) -> Path:
    """The built reports/ folder (chromium first: no build when the tests are to skip)."""
    return demo_reports


@pytest.fixture(scope="session")
def shots(request):
    """save(page, name): a full-page screenshot `<name>.png` in the screenshots folder."""
    folder = Path(os.environ.get("IMPACT_SCREENSHOTS") or ROOT / "tests" / "screenshots").resolve()
    folder.mkdir(parents=True, exist_ok=True)
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line(f"\nscreenshots of the index page: {folder}")

    def save(page, name: str) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save


def _is_local(url: str) -> bool:
    parts = urlsplit(url)
    return (parts.scheme == "file" and parts.netloc in ("", "localhost")) or parts.scheme in ("data", "about")


@dataclass
class Visit:
    """An open page and what it did: requests that were not local, console errors, exceptions."""

    page: object
    width: str
    outside: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def assert_offline_and_quiet(self):
        assert not self.outside, f"requests leaving the machine: {self.outside}"
        assert not self.failed, f"requests that failed: {self.failed}"
        assert not self.console_errors, f"console errors: {self.console_errors}"
        assert not self.page_errors, f"uncaught exceptions: {self.page_errors}"


def open_index(browser, reports: Path, width: str, **options):
    """A new context at `width` (desktop/phone) with `reports/index.html` loaded; returns (context, visit)."""
    context = browser.new_context(**VIEWPORTS[width], locale="fr-FR", **options)
    context.set_default_timeout(5000)  # a local page: anything missing shows at once
    page = context.new_page()
    visit = Visit(page, width)

    def route(route):
        if _is_local(route.request.url):
            route.continue_()
        else:
            visit.outside.append(route.request.url)
            route.abort("blockedbyclient")

    context.route("**/*", route)
    page.on("websocket", lambda ws: visit.outside.append(ws.url))
    page.on("requestfailed", lambda r: _is_local(r.url) and visit.failed.append(f"{r.url}: {r.failure}"))
    page.on(
        "console",
        lambda m: (
            m.type == "error"
            and visit.console_errors.append(f"{m.text} ({m.location.get('url')}:{m.location.get('lineNumber')})")
        ),
    )
    page.on("pageerror", lambda e: visit.page_errors.append(str(e)))
    page.goto((reports / "index.html").as_uri(), wait_until="load")
    return context, visit


@pytest.fixture(params=list(VIEWPORTS))
def visit(request, chromium, reports):
    context, visit = open_index(chromium, reports, request.param)
    yield visit
    context.close()


def _fold(text: str) -> str:
    """Case- and accent-insensitive form (what the filter compares)."""
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)).casefold()


def _rows(page) -> list[dict]:
    """Each territory row: slug, code, name (first cell), its `hidden` attribute, whether it shows."""
    return page.eval_on_selector_all(
        ROW,
        """rows => rows.map(r => ({
        slug: r.dataset.slug, code: r.dataset.code, name: r.cells[0].textContent.trim(),
        hidden: r.hidden, shown: r.checkVisibility(),
        section: r.closest('section') ? r.closest('section').id : null}))""",
    )


def _territory_slugs(reports: Path) -> set[str]:
    return {p.stem for p in reports.glob("*.pdf")} - {"methodologie"}


def _links(page, selector: str = "a[href], [src], link[href], a") -> list[dict]:
    """Every link and resource of the page (SVG <a> included): the attribute as written, the URL the
    browser resolves it to, whether it shows, and for #fragment whether its target exists and shows."""
    return page.eval_on_selector_all(
        selector,
        """els => els.map(e => {
        const raw = e.getAttribute('href') ?? e.getAttributeNS('http://www.w3.org/1999/xlink', 'href')
                    ?? e.getAttribute('src');
        const url = raw === null ? null : new URL(raw, document.baseURI).href;
        const target = raw !== null && raw.startsWith('#') ? document.getElementById(raw.slice(1)) : null;
        return {tag: e.tagName, raw, url, shown: e.checkVisibility(), target: target !== null,
                target_shown: target !== null && target.checkVisibility(), text: e.textContent.trim().slice(0, 60)};
    })""",
    )


def _local_file(url: str, reports: Path) -> Path | None:
    """The file under `reports` that a file: URL points to, or None."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        return None
    path = Path(os.path.normpath(url2pathname(unquote(parts.path))))
    return path if path.is_relative_to(os.path.normpath(reports.absolute())) and path.is_file() else None


# --- tests ------------------------------------------------------------------------------------------


def test_page_opens_offline_and_quietly(visit, reports, shots):
    # GIVEN the index page opened from disk WHEN it has loaded
    page = visit.page
    shots(page, f"index-{visit.width}")
    # THEN it has its title, one row per territory PDF in the expected groups, and it did nothing
    # over the network nor logged any error
    assert page.locator(H1).inner_text().strip()
    rows = _rows(page)
    assert sorted(r["slug"] for r in rows) == sorted(_territory_slugs(reports))
    assert all(r["code"] and r["name"] and r["shown"] and not r["hidden"] for r in rows), rows
    for group, title in GROUPS.items():
        assert page.locator(f"section.groupe#{group} h2").first.inner_text().strip().startswith(title), group
    by_slug = {r["slug"]: r for r in rows}
    for slug, group in GROUP_OF.items():
        assert by_slug[slug]["section"] == group, (slug, by_slug[slug]["section"])
    visit.assert_offline_and_quiet()


def test_every_link_resolves_to_a_file_of_the_folder(visit, reports):
    # GIVEN every link and resource of the page, the map's included
    page = visit.page
    links = [link for link in _links(page) if link["raw"] is not None]
    assert links
    problems = []
    for link in links:
        raw = link["raw"]
        # THEN none is absolute (scheme or //host): the folder can be moved, zipped, served as is
        if re.match(r"^([A-Za-z][A-Za-z0-9+.-]*:|//)", raw):
            problems.append(f"absolute link: {link}")
        # AND each leads to a file of the folder, or for #fragment to an element of the page, which
        # shows at this width if the link does
        elif raw.startswith("#"):
            if not link["target"]:
                problems.append(f"no element for {link}")
            elif link["shown"] and not link["target_shown"]:
                problems.append(f"leads to an element hidden at {visit.width} width: {link}")
        elif not _local_file(link["url"], reports):
            problems.append(f"no such file under {reports}: {link}")
    hrefs = {link["raw"] for link in links}
    # AND the page links the methodology annex and the zipped tables, each row its PDF, CSV and workbook
    problems += [f"no link to {href}" for href in PAGE_LINKS if href not in hrefs]
    for slug in sorted(_territory_slugs(reports)):
        row_hrefs = {link["raw"] for link in _links(page, ROW_OF.format(slug=slug) + " a")}
        problems += [
            f"row {slug}: no link to {href}"
            for href in (p.format(slug=slug) for p in ROW_LINKS)
            if href not in row_hrefs
        ]
    assert not problems, f"{len(problems)} link problems:\n" + "\n".join(problems[:25])
    visit.assert_offline_and_quiet()


@pytest.mark.parametrize("visit", ["desktop"], indirect=True)
def test_pdf_links_state_the_true_pages_and_size(visit, reports):
    # GIVEN each row's PDF link ("PDF, 8 pages, 1,2 Mo")
    from pypdf import PdfReader

    page = visit.page
    for slug in sorted(_territory_slugs(reports)):
        text = page.locator(ROW_OF.format(slug=slug) + f' a[href="{slug}.pdf"]').first.inner_text().strip()
        m = PDF_LINK_TEXT.match(text)
        assert m, f"{slug}: {text!r}"
        # THEN the pages and the size are those of the file
        pdf = reports / f"{slug}.pdf"
        assert int(m.group(1)) == len(PdfReader(pdf).pages), (slug, text)
        value = float(re.sub(r"[\s\u202f\u00a0]", "", m.group(2)).replace(",", "."))
        stated = value * {"octet": 1, "octets": 1, "ko": 1e3, "Mo": 1e6}[m.group(3)]
        assert abs(stated - pdf.stat().st_size) <= 0.05 * pdf.stat().st_size + 1000, (slug, text)


def _settled_rows(page, want: set[str], timeout: float = 5.0) -> list[dict]:
    """The rows once exactly `want` show (the filter may wait for typing to pause), or as they are
    after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        rows = _rows(page)
        if {r["slug"] for r in rows if r["shown"]} == want or time.monotonic() > deadline:
            return rows
        page.wait_for_timeout(100)


def test_filter_finds_territories_by_name_and_code(visit, reports, shots):
    # GIVEN the page at this width and its filter box
    page = visit.page
    box = page.locator(FILTER)
    assert box.is_visible()
    assert box.evaluate(
        "b => b.labels.length > 0 || !!b.getAttribute('aria-label') || !!b.getAttribute('aria-labelledby')"
    ), "the filter box has no label"
    count = page.locator(FILTER_COUNT)
    assert count.get_attribute("aria-live") or count.get_attribute("role") == "status", "the count is not live"
    all_rows = _rows(page)
    everything = {r["slug"] for r in all_rows}
    for typed, (shown, hidden) in SEARCHES.items():
        # WHEN a reader types a name or a code, key by key
        box.tap() if visit.width == "phone" else box.click()
        box.press_sequentially(typed)
        # THEN exactly the rows whose name, code or slug contain it (case- and accent-insensitive) show,
        # the others get `hidden`
        want = {r["slug"] for r in all_rows if any(_fold(typed) in _fold(r[k]) for k in ("name", "code", "slug"))}
        assert set(shown) <= want and not set(hidden) & want, (typed, want)  # the expectations themselves
        rows = _settled_rows(page, want)
        if typed == "93":
            shots(page, f"index-{visit.width}-filtre-93")
        assert {r["slug"] for r in rows if r["shown"]} == want, typed
        assert all(r["hidden"] == (r["slug"] not in want) for r in rows), typed
        # AND the count says how many
        assert re.search(rf"(?<!\d){len(want)}(?!\d)", count.inner_text()), (typed, count.inner_text())
        # WHEN the box is cleared THEN every row shows again, and the count says so
        box.fill("")
        rows = _settled_rows(page, everything)
        assert all(r["shown"] and not r["hidden"] for r in rows), (typed, [r["slug"] for r in rows if not r["shown"]])
        assert re.search(rf"(?<!\d){len(everything)}(?!\d)", count.inner_text()), count.inner_text()
    visit.assert_offline_and_quiet()


@pytest.mark.parametrize("visit", ["desktop"], indirect=True)
def test_map_names_the_regions_and_links_their_pdf(visit, reports):
    # GIVEN the map at desktop width
    page = visit.page
    assert page.locator(MAP).is_visible(), "the map is not shown at desktop width"
    assert page.locator(MAP_SVG).count() >= 1, "the map is not an inline <svg>"
    # THEN the region names are text of the SVG (a name may run over two lines)
    labels = page.eval_on_selector_all(MAP_TEXT, "ts => ts.map(t => t.textContent)")
    flat = re.sub(r"\s+", "", "".join(labels))
    for name in MAP_NAMES.values():
        assert re.sub(r"\s+", "", name) in flat, f"{name!r} not on the map: {labels}"
    # AND each region is a link to its PDF, which exists
    links = _links(page, MAP_LINKS)
    hrefs = {link["raw"] for link in links}
    assert {f"{slug}.pdf" for slug in MAP_NAMES} <= hrefs, hrefs
    for link in links:
        assert link["raw"] and _local_file(link["url"], reports), link
        assert link["raw"].endswith(".pdf"), link
    # AND a name drawn inside a region's link belongs to that region
    for link in links:
        inside = re.sub(r"\s+", "", link["text"])
        for slug, name in MAP_NAMES.items():
            if inside and re.sub(r"\s+", "", name) == inside:
                assert link["raw"] == f"{slug}.pdf", (name, link)
    visit.assert_offline_and_quiet()


def test_fits_the_width_and_the_map_is_legible_or_hidden(visit):
    # GIVEN the page at this width
    page = visit.page
    width = VIEWPORTS[visit.width]["viewport"]["width"]
    # THEN nothing scrolls sideways
    scroll = page.evaluate("() => [document.documentElement.scrollWidth, document.body.scrollWidth, innerWidth]")
    if max(scroll[:2]) > min(scroll[2], width):
        wide = page.evaluate(
            """w => [...document.body.querySelectorAll('*')]
            .filter(e => e.getBoundingClientRect().right > w + 0.5 || getComputedStyle(e).overflowX === 'visible'
                         && e.getBoundingClientRect().left + e.scrollWidth > w + 0.5)
            .filter((e, _, all) => !all.some(o => o !== e && e.contains(o)))
            .map(e => `<${e.tagName.toLowerCase()} class="${e.getAttribute('class') ?? ''}">`
                      + e.textContent.trim().slice(0, 50))""",
            width,
        )
        pytest.fail(
            f"horizontal scrolling at {visit.width} width: scrollWidth, body, innerWidth = {scroll}; "
            f"wider than {width} px: {wide[:8]}"
        )
    # AND the map is hidden (phone only) or its text is at least MIN_MAP_TEXT_PX CSS pixels high, line by line
    if page.locator(MAP).is_visible():
        heights = page.eval_on_selector_all(
            MAP_TEXT,
            """ts => ts.flatMap(t => {
            const lines = t.querySelectorAll('tspan').length ? [...t.querySelectorAll('tspan')] : [t];
            return lines.filter(l => l.textContent.trim()).map(l => [l.textContent.trim(),
                                                                     l.getBoundingClientRect().height]);
        })""",
        )
        shown = [(text, h) for text, h in heights if h > 0]
        assert shown, "no text on the map"
        small = [(text, round(h, 1)) for text, h in shown if h < MIN_MAP_TEXT_PX]
        assert not small, f"map text under {MIN_MAP_TEXT_PX} CSS px at {visit.width} width: {small}"
    else:
        assert visit.width == "phone", "the map is hidden at desktop width"
    visit.assert_offline_and_quiet()


def test_without_javascript_every_row_shows(chromium, reports, shots):
    # GIVEN the page opened with JavaScript off
    context, visit = open_index(chromium, reports, "phone", java_script_enabled=False)
    try:
        page = visit.page
        shots(page, "index-phone-sans-js")
        # THEN every territory is listed and shown, with its PDF link
        rows = _rows(page)
        assert sorted(r["slug"] for r in rows) == sorted(_territory_slugs(reports))
        assert all(r["shown"] and not r["hidden"] for r in rows), [r["slug"] for r in rows if not r["shown"]]
        for slug in _territory_slugs(reports):
            assert page.locator(ROW_OF.format(slug=slug) + f' a[href="{slug}.pdf"]').count() == 1, slug
        visit.assert_offline_and_quiet()
    finally:
        context.close()
