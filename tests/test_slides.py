"""Every deck renders with the pinned marp-cli: to HTML always, to PDF where Chromium is installed."""

import re
import shutil
import subprocess
import zlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MARP = ROOT / "node_modules" / ".bin" / "marp"
DECKS = sorted((ROOT / "slides").glob("*.md"))


def slide_count(deck):
    """Slides in a Marp deck: the '---' separators after the front matter, plus one."""
    body = deck.read_text().split("\n---\n", 1)[1]  # drop the front matter
    return 1 + sum(1 for line in body.splitlines() if line.strip() == "---")


def pdf_page_count(pdf):
    """Pages in a PDF: the /Count of its root /Pages node (Chromium stores it in a compressed stream)."""
    texts = [pdf]
    for m in re.finditer(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        try:
            texts.append(zlib.decompress(m.group(1)))
        except zlib.error:
            pass
    nodes = [d for t in texts for d in re.findall(rb"<<[^<>]*/Type\s*/Pages\b[^<>]*>>", t)]
    return max((int(c) for d in nodes for c in re.findall(rb"/Count\s+(\d+)", d)), default=0)


def marp(*args):
    if not MARP.exists():
        pytest.fail("marp-cli is not installed: run `npm ci` (make test does it for you)")
    return subprocess.run([str(MARP), *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("deck", DECKS, ids=lambda p: p.name)
def test_deck_renders_to_html(deck, tmp_path):
    out = tmp_path / f"{deck.stem}.html"
    result = marp("--html", "--allow-local-files", str(deck), "-o", str(out))
    assert result.returncode == 0, result.stderr
    html = out.read_text()
    n = slide_count(deck)
    assert len(re.findall(r"<section\b", html)) >= n, f"{deck.name}: expected {n} slides in the HTML"
    assert "MathJax" in html or "mjx" in html, f"{deck.name}: math should render with MathJax (math: mathjax)"


@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium not installed (apt-get install chromium)")
@pytest.mark.parametrize("deck", DECKS, ids=lambda p: p.name)
def test_deck_renders_to_pdf(deck, tmp_path):
    out = tmp_path / f"{deck.stem}.pdf"
    result = marp("--pdf", "--allow-local-files", str(deck), "-o", str(out))
    assert result.returncode == 0, result.stderr
    pdf = out.read_bytes()
    assert pdf.startswith(b"%PDF")
    pages = pdf_page_count(pdf)
    assert pages == slide_count(deck), f"{deck.name}: {pages} PDF pages for {slide_count(deck)} slides"
