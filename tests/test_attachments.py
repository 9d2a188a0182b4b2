"""Notebooks carry their figures as markdown cell attachments, byte for byte the files of images/.

A notebook opened alone (downloaded, released by nbgrader, on a hosted service) has no ../images/ folder
beside it; `course_utils.figures.attach` embeds each figure in its cell. Here: every attachment equals the
current file in images/ (so a redrawn figure cannot drift from the notebooks), no markdown links
../images/ any more, every embedded figure has alt text that describes it, the tool converts a new chapter
written with ../images/ links, and nbstripout and the student edition keep the attachments.
"""

import base64
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from course_utils import student
from course_utils.figures import attach

ROOT = Path(__file__).resolve().parents[1]
IMAGES = ROOT / "images"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
ATTACHMENT_REF = re.compile(r"!\[(?P<alt>[^\]]*)\]\(attachment:(?P<name>[^)\s]+)")


def cells(path):
    return json.loads(path.read_text())["cells"]


def source(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_attachment_is_the_current_file_in_images(path):
    found = 0
    for number, cell in enumerate(cells(path), 1):
        for name, bundle in cell.get("attachments", {}).items():
            assert list(bundle) == ["image/png"], f"{path.name}, cell {number}: {name} is not one PNG"
            assert (IMAGES / name).is_file(), f"{path.name}, cell {number}: {name} is not in images/"
            assert base64.b64decode(bundle["image/png"]) == (IMAGES / name).read_bytes(), (
                f"{path.name}, cell {number}: {name} differs from images/{name}; run `make figures`")
            found += 1
    assert found, f"{path.name} embeds no figure"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_markdown_shows_attachments_with_alt_text_and_no_images_links(path):
    for number, cell in enumerate(cells(path), 1):
        if cell["cell_type"] != "markdown":
            continue
        text = source(cell)
        where = f"{path.name}, cell {number}"
        assert "../images/" not in text, f"{where} still links ../images/; run `make figures`"
        refs = ATTACHMENT_REF.findall(text)
        assert {name for _, name in refs} == set(cell.get("attachments", {})), f"{where}: references and attachments"
        for alt, name in refs:
            attach.check_alt(alt, name, where=where)


def test_attaching_the_committed_notebooks_changes_nothing(tmp_path):
    for path in NOTEBOOKS:
        shutil.copy(path, tmp_path / path.name)
    assert attach.sync(tmp_path, IMAGES) == []
    assert all((tmp_path / p.name).read_bytes() == p.read_bytes() for p in NOTEBOOKS)


def new_chapter(tmp_path, *markdown):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(m) for m in markdown]
                                  + [nbformat.v4.new_code_cell("x = 1")])
    (tmp_path / "notebooks").mkdir(exist_ok=True)
    path = tmp_path / "notebooks" / "09_new.ipynb"
    nbformat.write(nb, path)
    return path


def test_a_new_chapter_with_images_links_is_converted(tmp_path):
    images = tmp_path / "images"
    images.mkdir()
    (images / "09_a.png").write_bytes(b"\x89PNG first")
    (images / "09_b.png").write_bytes(b"\x89PNG second")
    path = new_chapter(tmp_path, "# 09\n\n![A bar chart of the loss at every step](../images/09_a.png)\n\ntext",
                       'Two: <img src="../images/09_b.png" alt="An arrow from the encoder to the decoder" width=400>'
                       '\n![The same chart again, a second time](../images/09_a.png "title")')
    subprocess.run([sys.executable, "-m", "course_utils.figures.attach", str(path.parent), "--images", str(images)],
                   check=True, capture_output=True, cwd=ROOT)
    first, second, code = nbformat.read(path, as_version=4).cells
    assert first.source == "# 09\n\n![A bar chart of the loss at every step](attachment:09_a.png)\n\ntext"
    assert 'src="attachment:09_b.png"' in second.source and '(attachment:09_a.png "title")' in second.source
    assert base64.b64decode(first.attachments["09_a.png"]["image/png"]) == b"\x89PNG first"
    assert sorted(second.attachments) == ["09_a.png", "09_b.png"] and "attachments" not in code
    (images / "09_a.png").write_bytes(b"\x89PNG redrawn")  # make figures redraws: the notebook follows
    assert attach.sync(path.parent, images) == [path]
    assert base64.b64decode(nbformat.read(path, as_version=4).cells[0].attachments["09_a.png"]["image/png"]) == (
        b"\x89PNG redrawn")


@pytest.mark.parametrize("markdown, message", [
    ("![](../images/09_a.png)", "needs alt text"),
    ("![09_a](../images/09_a.png)", "needs alt text"),
    ("![See 09_a.png for the picture here](../images/09_a.png)", "needs alt text"),
    ("![A long and descriptive alt text here](../images/09_missing.png)", r"\['09_missing.png'\] not found"),
    ('<img src="../images/09_a.png">', "needs alt text"),
    ("[the figure](../images/09_a.png)", "a ../images/ link that is not an image"),
])
def test_bad_figures_get_a_clear_error(tmp_path, markdown, message):
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "09_a.png").write_bytes(b"\x89PNG")
    path = new_chapter(tmp_path, markdown)
    with pytest.raises(ValueError, match=f"09_new.ipynb, cell 1: .*{message}"):
        attach.sync(path.parent, tmp_path / "images")


def test_nbstripout_keeps_the_attachments(tmp_path):
    copy = tmp_path / NOTEBOOKS[0].name
    shutil.copy(NOTEBOOKS[0], copy)
    nb = json.loads(copy.read_text())
    nb["cells"][next(i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code")]["outputs"] = [
        {"output_type": "stream", "name": "stdout", "text": ["something to strip\n"]}]
    copy.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
    nbstripout = Path(sys.executable).with_name("nbstripout")
    subprocess.run([str(nbstripout), "--keep-id", str(copy)], check=True)
    assert copy.read_bytes() == NOTEBOOKS[0].read_bytes()  # the output went, the attachments stayed


def test_the_student_edition_shows_the_figures():
    instructor = json.loads(NOTEBOOKS[1].read_text())
    edition = student.student_notebook(instructor, name=NOTEBOOKS[1].name)
    shown = [c for c in edition["cells"] if c.get("attachments")]
    assert shown and [c["attachments"] for c in shown] == [c["attachments"] for c in instructor["cells"]
                                                           if c.get("attachments")]
    assert all("](attachment:" in source(c) for c in shown)
