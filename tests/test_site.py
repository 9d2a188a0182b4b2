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

The pages are found before the browser starts, by following the links of the built HTML from index.html (the
same links the browser then checks), so that each page is a test of its own and `pytest -n 2` shares them out.
Skipped where the site has not been built, unless COURSE_SITE_REQUIRED=1 (make test sets it after `make site`).
"""

import functools
import html.parser
import http.server
import json
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


class Links(html.parser.HTMLParser):
    """The href of every <a> in a page."""

    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


def reachable_pages(site=SITE):
    """Paths ('/index.html', '/chapters/...') of every page reachable from index.html by links, in BFS order."""
    if not (site / "index.html").exists():
        return []
    origin = "http://site"
    seen, queue, pages = {"/index.html"}, deque(["/index.html"]), []
    while queue:
        path = queue.popleft()
        pages.append(path)
        parser = Links()
        parser.feed((site / path.lstrip("/")).read_text(errors="replace"))
        for href in parser.hrefs:
            url = urllib.parse.urljoin(origin + path, href).split("#")[0]
            target = urllib.parse.urlparse(url).path
            if (is_page(url, origin) and target not in seen and (site / target.lstrip("/")).is_file()):
                seen.add(target)
                queue.append(target)
    return pages


# The search page is reached through the search box (a form), not a link: visit it too.
PAGES = reachable_pages() + (["/search.html"] if (SITE / "search.html").exists() else [])


@pytest.fixture(scope="module")
def context(server, browser):
    ctx = browser.new_context()
    outside = []
    refuse_outside(ctx, outside)
    ctx.outside = outside
    yield ctx
    ctx.close()


def inspect_page(context, server, path):
    """Visit one page; return (problems, facts)."""
    context.outside.clear()
    url = server + path
    visit = Visit(context, url)
    page = visit.page
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
        except Exception:  # noqa: BLE001 (reported below with the counts)
            pass
        page.wait_for_load_state("networkidle")  # the plots the widgets show
    images = page.evaluate(IMAGES_JS)
    facts = {"math": math, "images": images, "widgets": page.evaluate(WIDGETS_JS),
             "outputs": page.evaluate("() => document.querySelectorAll('.cell_output').length"),
             "output_images": page.evaluate("() => document.querySelectorAll('.cell_output img').length")}
    problems = [f"console error: {e}" for e in visit.errors]
    problems += [f"asset {f}" for f in visit.failed]
    problems += [f"image not loaded: {i['src'][:80]}" for i in images if not i["loaded"]]
    problems += [f"image without alt text: {i['src'][:80]}" for i in images if not i["alt"]]
    if math["rendered"] < math["source"]:
        problems.append(f"{math['source']} math elements but {math['rendered']} rendered by MathJax")
    problems += [f"axe: {v}" for v in axe_violations(page)]
    for link in sorted({link.split("#")[0] for link in page.evaluate(LINKS_JS)}):
        if link.startswith(server) and (code := status(link)) != 200:
            problems.append(f"link {link} answers {code}")
    problems += [f"request outside 127.0.0.1: {u}" for u in sorted(set(context.outside))]
    page.close()
    return problems, facts


def executed_plots(path):
    """How many plots (image outputs of code cells) the executed notebook behind a chapter page holds."""
    executed = ROOT / "build" / "executed" / (Path(path).stem + ".ipynb")
    if not executed.exists():
        return 0  # a site built from executed notebooks kept elsewhere: nothing to compare with
    cells = json.loads(executed.read_text())["cells"]
    return sum(1 for c in cells for o in c.get("outputs", []) if "image/png" in o.get("data", {}))


def test_the_site_has_pages():
    if not PAGES:
        skip_or_fail("build/site/index.html is missing: run `make site`")
    chapters = [f"/chapters/{p.stem}.html" for p in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))]
    decks = [f"/slides/{p.stem}.html" for p in sorted((ROOT / "slides").glob("[0-9][0-9]_*.md"))]
    missing = [p for p in chapters + decks if p not in PAGES]
    assert not missing, f"not reachable from index.html: {missing}"


@pytest.mark.parametrize("path", PAGES or ["/index.html"])
def test_page_is_clean(context, server, path):
    problems, facts = inspect_page(context, server, path)
    if path.startswith("/chapters/"):
        if facts["outputs"] < 5:
            problems.append(f"only {facts['outputs']} cell outputs shown")
        plots = executed_plots(path)
        if facts["output_images"] < plots:
            problems.append(f"{facts['output_images']} plots shown, the executed notebook has {plots}")
        if facts["widgets"]["drawn"] < facts["widgets"]["views"]:
            problems.append(f"{facts['widgets']['views']} widgets displayed, {facts['widgets']['drawn']} drawn")
        if facts["math"]["rendered"] == 0:
            problems.append("a chapter without rendered math")
    assert problems == [], f"{path}:\n" + "\n".join(problems[:40])


def test_dark_mode_switches(context, server):
    page = context.new_page()
    page.goto(f"{server}/index.html", wait_until="networkidle")
    before = page.evaluate("() => document.documentElement.dataset.theme")
    page.locator(".theme-switch-button").first.click()  # opens the colour-mode menu
    page.locator('.theme-change-button[data-mode="dark"]').first.click()
    after = page.evaluate("() => document.documentElement.dataset.theme")
    background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    page.close()
    assert after == "dark", f"theme {before!r} -> {after!r}: dark mode did not switch on"
    assert background not in ("rgb(255, 255, 255)", "rgba(0, 0, 0, 0)"), f"dark mode background is {background}"


def test_search_finds_a_word(context, server):
    page = context.new_page()
    page.goto(f"{server}/search.html?q=gradient", wait_until="networkidle")
    page.wait_for_selector("#search-results li", timeout=20_000)
    hits = page.locator("#search-results li").count()
    page.close()
    assert hits >= 3, f"searching 'gradient' found {hits} pages"
