"""Embed the course's figures in the notebooks as markdown cell attachments, from `images/`.

A notebook that links `../images/NAME.png` loses its figures once it leaves the repository: downloaded
alone, in an nbgrader release folder, on a hosted service. `attach` rewrites each such link in a markdown
cell, `![alt](../images/NAME.png)` or `<img src="../images/NAME.png" alt="...">`, to `attachment:NAME.png`
and stores the PNG in the cell's `attachments` field (base64, as Jupyter does for a pasted image). It also
refreshes the attachments a cell already has from the files in `images/`, which stays the one source of
truth: after `make figures` redraws a figure, running this again (make figures does) puts the new bytes in
the notebooks, and `tests/test_attachments.py` fails if a notebook's copy differs from the file.

    python -m course_utils.figures.attach notebooks            # images from images/ (default)
    python -m course_utils.figures --attach notebooks           # redraw every figure, then attach

Every embedded image needs alt text that says what it shows (at least MIN_ALT_WORDS words, not a file
name): a reader who cannot see the figure gets that sentence instead.
"""

import argparse
import base64
import re
from pathlib import Path

import nbformat

MIN_ALT_WORDS = 5
# ![alt](../images/NAME.png "title") or ![alt](attachment:NAME.png): the course's markdown figures
MARKDOWN_IMAGE = re.compile(r"!\[(?P<alt>[^\]]*)\]\(\s*(?P<where>\.\./images/|attachment:)(?P<name>[\w.-]+)"
                            r"(?P<title>\s+\"[^\"]*\")?\s*\)")
HTML_IMAGE = re.compile(r"<img\b[^>]*>", re.I)
HTML_SRC = re.compile(r"""\bsrc\s*=\s*["'](?P<where>\.\./images/|attachment:)(?P<name>[\w.-]+)["']""", re.I)
HTML_ALT = re.compile(r"""\balt\s*=\s*["'](?P<alt>[^"']*)["']""", re.I)


def check_alt(alt, name, *, where):
    """ValueError unless `alt` describes the figure: MIN_ALT_WORDS words or more, not the file's name."""
    text = " ".join(alt.split())
    stem = Path(name).stem
    if len(text.split()) < MIN_ALT_WORDS or stem in text or re.search(r"\.(png|jpe?g|svg)\b", text, re.I):
        raise ValueError(f"{where}: {name} needs alt text that says what the figure shows "
                         f"(at least {MIN_ALT_WORDS} words, not a file name), got {alt!r}")


def encoded(path):
    """The base64 text of a file, as a notebook attachment stores it."""
    return base64.b64encode(Path(path).read_bytes()).decode("ascii")


def attach_cell(cell, images_dir, *, where="cell"):
    """Point the cell's figures at attachments and fill `attachments` from images_dir; return the cell.

    `cell` is a markdown cell (a dict or NotebookNode with a str or list source). Attachments the cell no
    longer references are dropped; a figure missing from images_dir, alt text that does not describe, or a
    `../images/` link in any other form (a plain link) is a ValueError naming `where`.
    """
    source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
    names = []

    def markdown(match):
        check_alt(match["alt"], match["name"], where=where)
        names.append(match["name"])
        return f"![{match['alt']}](attachment:{match['name']}{match['title'] or ''})"

    def html(match):
        tag = match[0]
        src = HTML_SRC.search(tag)
        if not src:
            return tag
        alt = HTML_ALT.search(tag)
        check_alt(alt["alt"] if alt else "", src["name"], where=where)
        names.append(src["name"])
        return tag[:src.start()] + f'src="attachment:{src["name"]}"' + tag[src.end():]

    source = HTML_IMAGE.sub(html, MARKDOWN_IMAGE.sub(markdown, source))
    if "../images/" in source:
        line = next(line for line in source.splitlines() if "../images/" in line)
        raise ValueError(f"{where}: a ../images/ link that is not an image, {line.strip()[:80]!r}; "
                         "write figures as ![alt](../images/NAME.png)")
    missing = sorted({n for n in names if not (Path(images_dir) / n).is_file()})
    if missing:
        raise ValueError(f"{where}: {missing} not found in {images_dir}, where every figure comes from")
    cell["source"] = source
    if names:
        cell["attachments"] = {n: {"image/png": encoded(Path(images_dir) / n)} for n in sorted(set(names))}
    else:
        cell.pop("attachments", None)
    return cell


def attach(nb, images_dir, *, name="notebook"):
    """Every markdown cell of the notebook `nb` through `attach_cell` (in place); returns nb."""
    for number, cell in enumerate(nb["cells"], start=1):
        if cell["cell_type"] == "markdown":
            attach_cell(cell, images_dir, where=f"{name}, cell {number}")
    return nb


def sync(notebook_dir, images_dir="images"):
    """Attach the figures of images_dir in every notebook of notebook_dir; return the paths that changed."""
    paths = sorted(Path(notebook_dir).glob("*.ipynb"))
    if not paths:
        raise ValueError(f"notebook_dir must hold notebooks, found no *.ipynb in {notebook_dir}")
    changed = []
    for path in paths:
        before = path.read_text(encoding="utf-8")
        nb = attach(nbformat.reads(before, as_version=4), images_dir, name=path.name)
        after = nbformat.writes(nb)
        after += "" if after.endswith("\n") else "\n"  # as nbformat.write ends a file
        if after != before:
            path.write_text(after, encoding="utf-8")
            changed.append(path)
    return changed


def main(argv=None):
    """Command line: `python -m course_utils.figures.attach NOTEBOOK_DIR [--images images]`."""
    parser = argparse.ArgumentParser(description="Embed images/ figures in the notebooks as cell attachments.")
    parser.add_argument("notebooks", help="folder of notebooks to update in place")
    parser.add_argument("--images", default="images", help="folder of the figures (default: images)")
    args = parser.parse_args(argv)
    for path in sync(args.notebooks, args.images):
        print(f"attached figures in {path}")


if __name__ == "__main__":
    main()
