"""Every deck renders with the pinned marp-cli: to HTML always, to PDF where Chromium is installed.

Every slide carries a presenter note (what to say, what to show live, how long), the HTML's presenter view and
the PDF's annotations carry those notes, and every image has a description for its alt text.
"""

import json
import re
import shutil
import subprocess
import zlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MARP = ROOT / "node_modules" / ".bin" / "marp"
DECKS = sorted((ROOT / "slides").glob("*.md"))
NOTEBOOKS = ROOT / "notebooks"

# Marp directives (local, spot `_` ones and global): a comment made of these only is a directive, not a note.
DIRECTIVES = {"backgroundColor", "backgroundImage", "backgroundPosition", "backgroundRepeat", "backgroundSize",
              "class", "color", "footer", "header", "paginate", "theme", "style", "headingDivider", "size",
              "math", "marp", "title", "transition", "lang"}
DURATION = re.compile(r"~\s*(\d+(?:\.\d+)?)\s*min\b")
NOTEBOOK_REF = re.compile(r"notebooks/(\d\d_\w+\.ipynb)")
SECTION_REF = re.compile(r'(?:section|heading) "([^"]+)"')
CELL_REF = re.compile(r"cell `([^`]+)`")
MIN_NOTE_WORDS = 20
LECTURE_MINUTES = (30, 80)  # chapter 09, the last, is the shortest lecture (14 slides, 32 min)
# What must not be left in an alt text: Marp's size and filter keywords (`w:900`, `h:400`, `sepia:50%`), which
# Marp strips from it anyway, the old centring keyword `center` (now CSS: an image alone in its paragraph) and `bg`.
IMAGE_KEYWORDS = re.compile(r"^(?:\w+(?:-\w+)*:\S+|center|bg)$")
MIN_ALT_WORDS = 4


def slides(deck):
    """The Markdown of each slide: the front matter dropped, split at the '---' separators."""
    body = deck.read_text().split("\n---\n", 1)[1]  # drop the front matter
    return re.split(r"^---[ \t]*$", body, flags=re.M)


def slide_count(deck):
    """Slides in a Marp deck: the '---' separators after the front matter, plus one."""
    return len(slides(deck))


def is_directive(comment):
    """True for a Marp directive comment such as `_class: lead`: every line is `key: value` with a directive key."""
    lines = [line.strip() for line in comment.strip().splitlines() if line.strip()]
    return bool(lines) and all(re.match(r"_?(\w+)\s*:", line) and re.match(r"_?(\w+)", line)[1] in DIRECTIVES
                               for line in lines)


def notes(slide):
    """The presenter notes of one slide: its HTML comments that are not directives."""
    return [c.strip() for c in re.findall(r"<!--(.*?)-->", slide, re.S) if not is_directive(c)]


def minutes(note):
    """The duration a note names ("~2 min"), or None."""
    m = DURATION.search(note)
    return float(m[1]) if m else None


def chapter_notebook(deck):
    """The notebook of a deck's chapter: notebooks/NN_*.ipynb with the deck's number."""
    found = sorted(NOTEBOOKS.glob(deck.name[:3] + "*.ipynb"))
    return found[0] if found else None


def notebook_outline(path):
    """(headings, first lines of code cells) of a notebook: what a note may point at."""
    cells = json.loads(path.read_text())["cells"]
    headings, first_lines = set(), set()
    for cell in cells:
        src = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            headings |= {line.lstrip("#").strip() for line in src.splitlines() if line.startswith("#")}
        elif src.strip():
            first_lines.add(src.strip().splitlines()[0].strip())
    return headings, first_lines


def pdf_texts(pdf):
    """The PDF's bytes and every zlib stream in it, decompressed (Chromium and pdf-lib compress objects)."""
    texts = [pdf]
    for m in re.finditer(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        try:
            texts.append(zlib.decompress(m.group(1)))
        except zlib.error:
            pass
    return texts


def pdf_page_count(pdf):
    """Pages in a PDF: the /Count of its root /Pages node (Chromium stores it in a compressed stream)."""
    nodes = [d for t in pdf_texts(pdf) for d in re.findall(rb"<<[^<>]*/Type\s*/Pages\b[^<>]*>>", t)]
    return max((int(c) for d in nodes for c in re.findall(rb"/Count\s+(\d+)", d)), default=0)


def pdf_notes(pdf):
    """The text of every note annotation (/Subtype /Text, UTF-16 hex /Contents) that marp --pdf-notes adds."""
    found = []
    for t in pdf_texts(pdf):
        # a dictionary << ... >> whose values may include hex strings <FEFF...>, but no nested dictionary
        for annot in re.findall(rb"<<(?:[^<>]|<[0-9A-Fa-f]*>)*/Subtype\s*/Text\b(?:[^<>]|<[0-9A-Fa-f]*>)*>>", t):
            m = re.search(rb"/Contents\s*<([0-9A-Fa-f]*)>", annot)
            if m:
                found.append(bytes.fromhex(m[1].decode()).decode("utf-16"))
    return found


def marp(*args):
    if not MARP.exists():
        pytest.fail("marp-cli is not installed: run `npm ci` (make test does it for you)")
    return subprocess.run([str(MARP), *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def html_of(tmp_path_factory):
    """deck -> its HTML from `marp --html` (bespoke template), rendered once per deck for all the tests below."""
    cache = {}

    def render(deck):
        if deck not in cache:
            out = tmp_path_factory.mktemp("html") / f"{deck.stem}.html"
            result = marp("--html", "--allow-local-files", str(deck), "-o", str(out))
            assert result.returncode == 0, result.stderr
            cache[deck] = out.read_text()
        return cache[deck]

    return render


@pytest.mark.parametrize("deck", DECKS, ids=lambda p: p.name)
def test_deck_renders_to_html(deck, html_of):
    html = html_of(deck)
    n = slide_count(deck)
    assert len(re.findall(r"<section\b", html)) >= n, f"{deck.name}: expected {n} slides in the HTML"
    assert "MathJax" in html or "mjx" in html, f"{deck.name}: math should render with MathJax (math: mathjax)"


@pytest.mark.parametrize("deck", DECKS, ids=lambda p: p.name)
def test_every_slide_has_a_timed_presenter_note(deck):
    total = 0.0
    for i, slide in enumerate(slides(deck), 1):
        found = notes(slide)
        assert len(found) == 1, f"{deck.name} slide {i}: expected one presenter note <!-- ... -->, got {len(found)}"
        note = found[0]
        words = len(note.split())
        assert words >= MIN_NOTE_WORDS, f"{deck.name} slide {i}: note has {words} words, expected {MIN_NOTE_WORDS}+"
        assert minutes(note), f"{deck.name} slide {i}: the note names no duration such as '~2 min': {note[:60]!r}"
        total += minutes(note)
    low, high = LECTURE_MINUTES
    assert low <= total <= high, f"{deck.name}: notes add up to {total:g} min, expected a lecture of {low}-{high}"


@pytest.mark.parametrize("deck", DECKS, ids=lambda p: p.name)
def test_notes_point_at_existing_notebooks_sections_and_cells(deck):
    for i, slide in enumerate(slides(deck), 1):
        for note in notes(slide):
            named = NOTEBOOK_REF.findall(note)
            for name in named:
                assert (NOTEBOOKS / name).exists(), f"{deck.name} slide {i}: notebooks/{name} does not exist"
            sections, cells = SECTION_REF.findall(note), CELL_REF.findall(note)
            if not (sections or cells):
                continue
            path = NOTEBOOKS / named[0] if named else chapter_notebook(deck)
            assert path is not None, f"{deck.name} slide {i}: a section or cell is named but no notebook"
            headings, first_lines = notebook_outline(path)
            for s in sections:
                assert s in headings, f"{deck.name} slide {i}: {path.name} has no heading {s!r}"
            for c in cells:
                assert any(line.startswith(c) for line in first_lines), \
                    f"{deck.name} slide {i}: {path.name} has no code cell starting {c!r}"


@pytest.mark.parametrize("deck", DECKS, ids=lambda p: p.name)
def test_html_presenter_view_carries_the_notes(deck, html_of):
    # The bespoke template puts slide i's notes in <div class="bespoke-marp-note" data-index="i">, which its
    # presenter view (key P, or ?view=presenter) shows beside the current and next slides.
    html = html_of(deck)
    found = dict(re.findall(r'<div class="bespoke-marp-note" data-index="(\d+)"[^>]*>(.*?)</div>', html, re.S))
    n = slide_count(deck)
    missing = [i + 1 for i in range(n) if str(i) not in found or not minutes(found[str(i)])]
    assert not missing, f"{deck.name}: slides {missing} have no timed note in the HTML's presenter view"


@pytest.mark.parametrize("deck", DECKS, ids=lambda p: p.name)
def test_every_image_has_descriptive_alt_text_and_is_centred(deck, html_of):
    imgs = [tag for tag in re.findall(r"<img\b[^>]*>", html_of(deck)) if "data-marp-twemoji" not in tag]
    assert len(imgs) == len(re.findall(r"!\[", deck.read_text())), f"{deck.name}: an image did not render"
    html = html_of(deck)
    for tag in imgs:
        src = re.search(r'src="([^"]*)"', tag)[1]
        # the decks' CSS centres `p > img:only-child`: an image must stand alone in its paragraph
        assert f"<p>{tag}</p>" in html, f"{deck.name}: {src} is not alone in its paragraph, so it is not centred"
        alt = re.search(r'alt="([^"]*)"', tag)
        words = alt[1].split() if alt else []
        keywords = [w for w in words if IMAGE_KEYWORDS.match(w)]
        assert not keywords, f"{deck.name}: {src} keeps Marp keywords {keywords} in its alt text"
        assert len(words) >= MIN_ALT_WORDS, f"{deck.name}: {src} needs a description as alt text, got {words}"


@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium not installed (apt-get install chromium)")
@pytest.mark.parametrize("deck", DECKS, ids=lambda p: p.name)
def test_deck_renders_to_pdf_with_notes(deck, tmp_path):
    out = tmp_path / f"{deck.stem}.pdf"
    result = marp("--pdf", "--pdf-notes", "--allow-local-files", str(deck), "-o", str(out))
    assert result.returncode == 0, result.stderr
    pdf = out.read_bytes()
    assert pdf.startswith(b"%PDF")
    pages = pdf_page_count(pdf)
    assert pages == slide_count(deck), f"{deck.name}: {pages} PDF pages for {slide_count(deck)} slides"
    annotations = pdf_notes(pdf)
    assert len(annotations) == pages, f"{deck.name}: {len(annotations)} note annotations for {pages} pages"
    assert all(minutes(a) for a in annotations), f"{deck.name}: a PDF note lost its duration"
