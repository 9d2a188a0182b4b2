"""course_utils.website (staging the Sphinx sources) and course_utils.alt_text (words for every plot)."""

import json
import shutil
from pathlib import Path

import nbformat
import pytest
from matplotlib.figure import Figure

from course_utils import alt_text, executed, website

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def executed_copy(src, folder, digest=None):
    """An 'executed' copy of `src` in `folder` with the metadata the recorder writes."""
    nb = nbformat.read(src, as_version=4)
    nb.metadata["course"] = {"source_sha256": digest or executed.source_digest(src), "run_seconds": 12.3}
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / src.name)


def test_stale_names_missing_and_changed_copies(tmp_path):
    a, b, c = CHAPTERS[:3]
    executed_copy(a, tmp_path)
    executed_copy(b, tmp_path, digest="0" * 64)  # ran from other content
    assert website.stale([a, b, c], tmp_path) == [b, c]


def test_the_readme_course_map_has_every_chapter():
    teaches = website.readme_course_map(ROOT / "README.md")
    assert sorted(teaches) == [p.name[:2] for p in CHAPTERS]
    assert all(len(t) > 40 for t in teaches.values()), teaches


def test_chapter_links_are_templates_until_a_repository_is_named():
    line = website.chapter_links("02_bptt.ipynb")
    assert '<a href="../slides/02_bptt.html">' in line and "`https://mybinder.org/v2/gh/OWNER/REPOSITORY" in line
    line = website.chapter_links("02_bptt.ipynb", repo="someone/rnn-course")
    assert "(https://mybinder.org/v2/gh/someone/rnn-course/main?labpath=notebooks%2F02_bptt.ipynb)" in line
    assert "https://YOUR-HUB/hub/user-redirect/git-pull?repo=https%3A%2F%2Fgithub.com%2FOWNER" in line


def test_stage_refuses_stale_copies_and_writes_every_page(tmp_path):
    chapters = CHAPTERS[:2]
    with pytest.raises(FileNotFoundError, match="no current executed copy"):
        website.stage(chapters, tmp_path / "executed", tmp_path / "src", slides_html=tmp_path)
    for src in chapters:
        executed_copy(src, tmp_path / "executed")
    slides = tmp_path / "slides"
    slides.mkdir()
    (slides / "01_recurrent_neuron.html").write_text("<html></html>")
    node = tmp_path / "node_modules"
    for source in website.NODE_ASSETS:
        target = node / source
        target.parent.mkdir(parents=True, exist_ok=True)
        (target.mkdir() if "." not in target.name else target.write_text("// asset"))
    (node / website.WIDGET_FONTS / "font.woff2").write_bytes(b"font")
    names = website.stage(chapters, tmp_path / "executed", tmp_path / "src", slides_html=slides, node_modules=node,
                          decks=tmp_path)  # no deck sources here: the stand-in HTML is not paired with a deck
    out = tmp_path / "src"
    assert names == [p.name for p in chapters]
    index = (out / "index.md").read_text()
    assert "{{" not in index and "| 01 | [" in index and "12 s" in index
    assert (out / "conf.py").exists() and (out / "_extra" / "slides" / "01_recurrent_neuron.html").exists()
    assert (out / "_extra" / "chapters" / website.WIDGET_FONTS / "font.woff2").exists()
    page = nbformat.read(out / "chapters" / chapters[0].name, as_version=4)
    assert "deck</a>" in page.cells[1].source  # the links line sits right under the title cell
    shutil.rmtree(node)
    with pytest.raises(FileNotFoundError, match="npm ci"):
        website.stage(chapters, tmp_path / "executed", tmp_path / "src", slides_html=slides, node_modules=node)


def test_plots_inside_widgets_get_an_html_form_with_their_alt_text():
    png = {"output_type": "display_data", "data": {"image/png": "iVBORw==", "text/plain": "<Figure>"},
           "metadata": {"image/png": {"alt": 'Figure: "a < b": 2 lines'}}}
    bare = {"output_type": "display_data", "data": {"image/png": "iVBORw=="}, "metadata": {}}
    nb = nbformat.v4.new_notebook()
    nb.metadata["widgets"] = {executed.WIDGET_STATE_KEY: {"state": {
        "w": {"model_name": "OutputModel", "state": {"outputs": [png, bare]}}}}}
    outputs = website.widget_images_with_alt(nb).metadata["widgets"][executed.WIDGET_STATE_KEY]["state"]["w"]
    first, second = outputs["state"]["outputs"]
    html = '<img src="data:image/png;base64,iVBORw==" alt="Figure: &quot;a &lt; b&quot;: 2 lines">'
    assert first["data"]["text/html"] == html
    assert "text/html" not in second["data"]  # no alt text known: left for the site test to report


def test_describe_reads_titles_labels_and_legend():
    fig = Figure()
    ax = fig.add_subplot()
    ax.plot([0, 1], [1, 0], label="train")
    ax.plot([0, 1], [2, 1], label="validation")
    ax.set(title="Loss per epoch", xlabel="epoch $t$", ylabel="loss")
    ax.legend()
    assert alt_text.describe(fig) == 'Figure: "Loss per epoch": 2 lines (train, validation) of loss against epoch t'
    fig.suptitle("Training")
    fig.add_subplot(2, 1, 2).imshow([[0, 1], [1, 0]])
    text = alt_text.describe(fig)
    assert text.startswith('Figure "Training": panel 1 of 2') and "1 colour-mapped image" in text


def test_set_alt_wins_and_checks_its_input():
    fig = Figure()
    fig.add_subplot().plot([1, 2])
    assert alt_text.set_alt(fig, "  A rising line.  ") is fig
    assert alt_text.describe(fig) == "A rising line."
    with pytest.raises(ValueError, match="non-empty string"):
        alt_text.set_alt(fig, " ")
    with pytest.raises(TypeError, match="matplotlib Figure"):
        alt_text.set_alt("fig", "text")


def test_the_png_formatter_sends_alt_text_in_the_output_metadata():
    """Through IPython's own display machinery, as in a kernel: the PNG's metadata carries the description."""
    from IPython.core.interactiveshell import InteractiveShell
    from matplotlib_inline.backend_inline import configure_inline_support

    shell = InteractiveShell.instance()
    try:
        configure_inline_support(shell, "inline")  # what `%matplotlib inline` installs
        alt_text.register(shell)
        fig = Figure()
        fig.add_subplot().set_title("A title")
        data, meta = shell.display_formatter.format(fig)
        assert "image/png" in data
        assert meta["image/png"]["alt"] == alt_text.describe(fig) == 'Figure: "A title": no data marks'
        assert json.dumps(meta)  # plain JSON: it is written into the notebook
    finally:
        InteractiveShell.clear_instance()


def test_every_formula_of_every_deck_gets_its_tex_as_its_name(tmp_path):
    """Pairs formulas and math images one to one on the real decks (rendered by marp), by count and by order."""
    marp = ROOT / "node_modules" / ".bin" / "marp"
    if not marp.exists():
        pytest.skip("marp-cli is not installed (npm ci)")
    import subprocess

    deck = ROOT / "slides" / "02_bptt.md"
    out = tmp_path / "02_bptt.html"
    subprocess.run([str(marp), "--html", str(deck), "-o", str(out)], cwd=ROOT, check=True, capture_output=True)
    labelled = website.label_slide_math(out.read_text(), deck.read_text())
    names = website.re.findall(r'<mjx-container[^>]*>\s*<svg\b[^>]*aria-label="([^"]*)"', labelled)
    tex = website.deck_math(deck.read_text())
    assert len(names) == len(tex) > 10
    assert names[0] == website.html.escape(tex[0], quote=True) and "W_{xh}" in "".join(names)
    with pytest.raises(ValueError, match="cannot pair them"):
        website.label_slide_math(out.read_text(), deck.read_text() + "\n$x$\n")


def test_deck_math_skips_code_and_comments():
    md = "---\nmarp: true\n---\n\n$a_t$ and `$not$` and\n```\n$also not$\n```\n<!-- $nor this$ -->\n$$\nh = 1\n$$\n"
    assert website.deck_math(md) == ["a_t", "h = 1"]


def test_attachments_become_files_that_the_cell_points_to(tmp_path):
    cell = nbformat.v4.new_markdown_cell("A figure:\n\n![An unrolled RNN](attachment:rnn.png)\n")
    cell.attachments = {"rnn.png": {"image/png": "iVBORw0KGgo="}}
    nb = nbformat.v4.new_notebook(cells=[cell, nbformat.v4.new_markdown_cell("no images")])
    assert website.attachments_to_files(nb, tmp_path / "attachments", prefix="02_bptt-") == 1
    assert (tmp_path / "attachments" / "02_bptt-rnn.png").read_bytes() == b"\x89PNG\r\n\x1a\n"
    assert "![An unrolled RNN](attachments/02_bptt-rnn.png)" in nb.cells[0].source and "attachments" not in nb.cells[0]
    cell.attachments = {"x.txt": {"text/plain": "hello"}}
    with pytest.raises(ValueError, match="holds no image"):
        website.attachments_to_files(nb, tmp_path, prefix="")
