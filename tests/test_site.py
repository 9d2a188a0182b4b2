"""The website (`make site`, build/site/) in a real browser: every page reachable from the entry page.

The site is served on 127.0.0.1 by a thread of this process and visited with headless Chromium (Debian's,
through Playwright, as tests/test_widgets_in_browser.py does). Every page reachable from index.html by links:
- loads without console errors or uncaught exceptions;
- makes no request outside 127.0.0.1 (such requests are refused and reported);
- every asset it requests and every internal link on it answers 200;
- every <img> has loaded (natural width > 0) and has non-empty alt text;
- where its source has math, MathJax has rendered it (mjx-container elements, as many as math elements);
- axe-core (npm) finds no serious or critical accessibility violation.
Chapter pages also show their outputs (printed text and plots) and draw every widget the notebook displayed.
The entry page's theme button switches to dark mode, and the search page finds a word.

Skipped where the site has not been built, unless COURSE_SITE_REQUIRED=1 (make test sets it after `make site`).
"""

import functools
import http.server
import os
import shutil
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections import deque
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "build" / "site"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SKIP_PREFIXES = ("/_static/", "/_images/", "/_sources/")  # assets: checked by status, not visited as pages

# Math: Sphinx marks math with these classes; MathJax replaces or fills each with an mjx-container.
MATH_JS = """() => ({source: document.querySelectorAll('span.math, div.math').length,
                    rendered: document.querySelectorAll('mjx-container').length})"""
IMAGES_JS = """() => [...document.images].map(i => ({src: i.currentSrc || i.src,
                                                    alt: (i.getAttribute('alt') || '').trim(),
                                                    loaded: i.complete && i.naturalWidth > 0}))"""
LINKS_JS = "() => [...document.querySelectorAll('a[href]')].map(a => a.href)"
# The widget manager draws each view next to its <script type=...widget-view+json> tag, in a .widget-subarea.
WIDGETS_JS = """() => ({
    views: document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]').length,
    drawn: [...document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]')]
        .filter(s => s.parentElement.querySelector('.widget-subarea > .jupyter-widgets')).length})"""


def required():
    return os.environ.get("COURSE_SITE_REQUIRED") == "1"


def skip_or_fail(reason):
    if required():
        pytest.fail(reason)
    pytest.skip(reason)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves build/site/ without logging every request to stderr."""

    def log_message(self, *args):
        pass


class QuietServer(http.server.ThreadingHTTPServer):
    """A browser that leaves a page mid-download resets its connection: not an error of the site."""

    daemon_threads = True

    def handle_error(self, request, client_address):
        pass


@pytest.fixture(scope="module")
def server():
    if not (SITE / "index.html").exists():
        skip_or_fail("build/site/index.html is missing: run `make site`")
    handler = functools.partial(QuietHandler, directory=str(SITE))
    httpd = QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        skip_or_fail("chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


def status(url):
    """HTTP status of a GET on the local server (a missing file is 404, not an exception)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def is_page(url, origin):
    parsed = urllib.parse.urlparse(url)
    if f"{parsed.scheme}://{parsed.netloc}" != origin or parsed.path.startswith(SKIP_PREFIXES):
        return False
    return parsed.path.endswith((".html", "/"))


class Visit:
    """What one page did in the browser: console errors, outside requests, failed assets, and page facts."""

    def __init__(self, context, url):
        self.errors, self.outside, self.failed = [], [], []
        self.page = context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("response", lambda r: r.status >= 400 and self.failed.append(f"{r.status} {r.url}"))
        self.page.on("requestfailed", lambda r: r.url not in self.outside and self.failed.append(f"failed {r.url}"))
        self.page.goto(url, wait_until="networkidle")
        # Lazy images load when scrolled into view: bring every one in before judging it.
        self.page.evaluate("() => document.querySelectorAll('img').forEach(i => { i.loading = 'eager'; })")
        self.page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
        self.page.wait_for_load_state("networkidle")


def refuse_outside(context, outside_log):
    """Abort (and log) every request that is not to 127.0.0.1."""
    def handler(route):
        url = route.request.url
        host = urllib.parse.urlparse(url).hostname
        if url.startswith(("data:", "blob:", "about:")) or host == "127.0.0.1":
            route.continue_()
        else:
            outside_log.append(url)
            route.abort()
    context.route("**/*", handler)


def wait_for_math(page):
    """MathJax typesets after load: wait (up to 20 s) until every math element has its container."""
    page.wait_for_function(f"() => {{ const m = ({MATH_JS})(); return m.rendered >= m.source; }}", timeout=20_000)


def wait_for_widgets(page):
    """The widget manager draws after the page has loaded: wait (up to 20 s) until every view is drawn."""
    page.wait_for_function(f"() => {{ const w = ({WIDGETS_JS})(); return w.drawn >= w.views; }}", timeout=20_000)


def axe_violations(page):
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [f"{v['id']} ({v['impact']}): {v['help']} -- e.g. {v['nodes'][0]['target']}"
            for v in result if v["impact"] in ("serious", "critical")]


@pytest.fixture(scope="module")
def crawl(server, browser):
    """Visit every page reachable from index.html; return {url: facts} and the problems found."""
    context = browser.new_context()
    outside = []
    refuse_outside(context, outside)
    problems, facts, links_seen = [], {}, set()
    queue, seen = deque([f"{server}/index.html"]), {f"{server}/index.html"}
    while queue:
        url = queue.popleft()
        visit = Visit(context, url)
        page = visit.page
        name = urllib.parse.urlparse(url).path
        math = page.evaluate(MATH_JS)
        if math["source"]:
            try:
                wait_for_math(page)
            except Exception:  # noqa: BLE001 (reported below with the counts)
                pass
            math = page.evaluate(MATH_JS)
        if page.evaluate(WIDGETS_JS)["views"]:
            try:
                wait_for_widgets(page)
            except Exception:  # noqa: BLE001 (the chapter test reports the counts)
                pass
            page.wait_for_load_state("networkidle")  # the plots the widgets show
        images = page.evaluate(IMAGES_JS)
        facts[name] = {"math": math, "images": images, "widgets": page.evaluate(WIDGETS_JS),
                       "outputs": page.evaluate("() => document.querySelectorAll('.cell_output').length"),
                       "output_images": page.evaluate("() => document.querySelectorAll('.cell_output img').length")}
        problems += [f"{name}: console error: {e}" for e in visit.errors]
        problems += [f"{name}: asset {f}" for f in visit.failed]
        problems += [f"{name}: image not loaded: {i['src']}" for i in images if not i["loaded"]]
        problems += [f"{name}: image without alt text: {i['src'][:80]}" for i in images if not i["alt"]]
        if math["rendered"] < math["source"]:
            problems.append(f"{name}: {math['source']} math elements but {math['rendered']} rendered by MathJax")
        problems += [f"{name}: axe: {v}" for v in axe_violations(page)]
        for link in page.evaluate(LINKS_JS):
            link = link.split("#")[0]
            if not link.startswith(server) or link in links_seen:
                continue
            links_seen.add(link)
            if status(link) != 200:
                problems.append(f"{name}: link {link} answers {status(link)}")
            elif is_page(link, server) and link not in seen:
                seen.add(link)
                queue.append(link)
        page.close()
    problems += [f"request outside 127.0.0.1: {u}" for u in sorted(set(outside))]
    yield {"facts": facts, "problems": problems, "context": context, "server": server}
    context.close()


def test_every_page_is_clean(crawl):
    assert crawl["problems"] == [], "\n".join(crawl["problems"][:40])


def test_every_chapter_page_is_reached_and_shows_its_outputs(crawl):
    chapters = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    pages = crawl["facts"]
    for name in chapters:
        page = f"/chapters/{Path(name).stem}.html"
        assert page in pages, f"{page} is not reachable from the entry page"
        facts = pages[page]
        assert facts["outputs"] >= 5, f"{page}: only {facts['outputs']} cell outputs shown"
        assert facts["output_images"] >= 1, f"{page}: no plot among the outputs"
        assert facts["widgets"]["drawn"] >= facts["widgets"]["views"], (
            f"{page}: {facts['widgets']['views']} widgets displayed, {facts['widgets']['drawn']} drawn")
    assert sum(p["math"]["rendered"] for p in pages.values()) > 0, "no math rendered anywhere"


def test_every_deck_is_reached(crawl):
    decks = sorted(p.stem for p in (ROOT / "slides").glob("[0-9][0-9]_*.md"))
    missing = [d for d in decks if f"/slides/{d}.html" not in crawl["facts"]]
    assert not missing, f"decks not linked from the site: {missing}"


def test_dark_mode_switches(crawl):
    page = crawl["context"].new_page()
    page.goto(f"{crawl['server']}/index.html", wait_until="networkidle")
    before = page.evaluate("() => document.documentElement.dataset.theme")
    page.locator(".theme-switch-button").first.click()  # opens the colour-mode menu
    page.locator('.theme-change-button[data-mode="dark"]').first.click()
    after = page.evaluate("() => document.documentElement.dataset.theme")
    background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    page.close()
    assert after == "dark", f"theme {before!r} -> {after!r}: dark mode did not switch on"
    assert background not in ("rgb(255, 255, 255)", "rgba(0, 0, 0, 0)"), f"dark mode background is {background}"


def test_search_finds_a_word(crawl):
    page = crawl["context"].new_page()
    page.goto(f"{crawl['server']}/search.html?q=gradient", wait_until="networkidle")
    page.wait_for_selector("#search-results li", timeout=20_000)
    hits = page.locator("#search-results li").count()
    page.close()
    assert hits >= 3, f"searching 'gradient' found {hits} pages"
