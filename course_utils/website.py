"""The course as a static website: stage the Sphinx sources from the executed notebooks, decks and README.

`make site` runs `python -m course_utils.website stage` and then Sphinx (configuration in website/conf.py):

    build/executed/NN_topic.ipynb   notebooks executed by the test run (course_utils.executed), the cache
    build/site-src/                 what Sphinx reads: index.md, chapters/*.ipynb, _static/, _extra/
    build/site/                     the website (entry page index.html)

Staging writes
- `index.md`: the landing page, from website/index.md with the course map filled in: one row per chapter with
  what it teaches (from the README's course map, so the two cannot disagree), its measured run time (from the
  executed notebook's metadata), its page and its deck;
- one page per chapter: the executed notebook, with a line of links under its title (the deck, Binder, and a
  JupyterHub link template an instructor fills in);
- `_extra/slides/NN_topic.html` (Marp, rendered by the Makefile; each formula named by its TeX for screen
  readers) and `_extra/images/` beside them;
- `conf.py` from website/; `_static/`: website/_static plus MathJax, RequireJS and the widget manager,
  copied from node_modules/.

`stale(notebooks, executed)` names the notebooks whose executed copy is missing or older than the notebook
(SHA-256 of the file, recorded when it ran): `make site` re-runs only those.
"""

import argparse
import base64
import html
import json
import re
import shutil
import sys
from pathlib import Path

import nbformat

from course_utils import hub
from course_utils.executed import WIDGET_STATE_KEY, source_digest

ROOT = Path(__file__).resolve().parents[1]
BINDER = "https://mybinder.org/v2/gh/{repo}/{branch}?labpath=notebooks%2F{name}"
# The class's nbgitpuller link (course_utils.hub makes it), with the hub and the repository left for the instructor.
HUB_TEMPLATE = hub.puller_link("https://github.com/OWNER/REPOSITORY.git", hub.BRANCH, "https://YOUR-HUB")
NODE_ASSETS = {  # what the pages load, from npm packages: (source in node_modules, destination in _static)
    "mathjax-full/es5": "mathjax",
    "requirejs/require.js": "require.js",
    "@jupyter-widgets/html-manager/dist/embed-amd.js": "embed-amd.js",
}
# Font Awesome, which the widget manager's CSS asks for relative to the page (its asset-path setting comes too
# late for its own CSS): every page with widgets is in chapters/, so the fonts go to chapters/<this path>.
WIDGET_FONTS = "@jupyter-widgets/html-manager/dist"


def is_current(executed_nb, source):
    """Whether an executed notebook (nbformat node or dict) was run from the current content of `source`."""
    return executed_nb.get("metadata", {}).get("course", {}).get("source_sha256") == source_digest(source)


def stale(notebooks, executed):
    """The notebooks (paths) whose executed copy in `executed` is missing or was run from other content."""
    out = []
    for path in notebooks:
        copy = Path(executed) / Path(path).name
        if not copy.exists() or not is_current(json.loads(copy.read_text()), path):
            out.append(path)
    return out


def widget_images_with_alt(nb):
    """Give the plots inside widgets their alt text: the widget manager ignores an image's output metadata.

    Each PNG captured by an Output widget that has alt text in its metadata also gets an HTML form,
    `<img src="data:..." alt="...">`, which the widget manager prefers to the bare PNG and draws as it is.
    """
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE_KEY, {}).get("state", {})
    for model in state.values():
        for out in model.get("state", {}).get("outputs", []) if model.get("model_name") == "OutputModel" else []:
            png, alt = out.get("data", {}).get("image/png"), out.get("metadata", {}).get("image/png", {}).get("alt")
            if png and alt and "text/html" not in out["data"]:
                out["data"]["text/html"] = f'<img src="data:image/png;base64,{png.strip()}" alt="{html.escape(alt)}">'
    return nb


def attachments_to_files(nb, folder, prefix):
    """Write each markdown cell's attachments (`![alt](attachment:NAME)`) to `folder` and point the cell at the
    file: myst-nb does not read cell attachments. Returns the number of images written."""
    written = 0
    for cell in nb.cells:
        for name, bundle in (cell.get("attachments") or {}).items() if cell.cell_type == "markdown" else ():
            mime = next((m for m in bundle if m.startswith("image/")), None)
            if mime is None:
                raise ValueError(f"attachment {name!r} holds no image (mime types {sorted(bundle)})")
            data = bundle[mime]
            Path(folder).mkdir(parents=True, exist_ok=True)
            target = Path(folder) / f"{prefix}{name}"
            payload = data.encode() if mime == "image/svg+xml" else base64.b64decode(data)
            target.write_bytes(payload)
            cell.source = cell.source.replace(f"(attachment:{name})", f"({Path(folder).name}/{target.name})")
            written += 1
        if cell.cell_type == "markdown":
            cell.pop("attachments", None)
    return written


def readme_course_map(readme):
    """{"01": "what it teaches", ...} from the README's course-map table (its last-but-one column)."""
    rows = {}
    for line in Path(readme).read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 6 and re.fullmatch(r"\d\d", cells[0]):
            rows[cells[0]] = cells[-2]
    return rows


def notebook_title(nb):
    """The first level-1 heading of a notebook's first markdown cell, without the '#'."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    raise ValueError("notebook has no '# title' heading in a markdown cell")


def chapter_links(name, repo=None, branch="main"):
    """The markdown line under a chapter's title: its deck, Binder, and the JupyterHub link template.

    repo: the course's GitHub "owner/name" for the Binder link; without it the Binder link is a template too.
    """
    stem = Path(name).stem
    binder = BINDER.format(repo=repo or "OWNER/REPOSITORY", branch=branch, name=name)
    binder = f"[on Binder]({binder})" if repo else f"on Binder: `{binder}` (fill in the repository)"
    # Raw HTML link: the decks are not Sphinx documents, so a markdown link to one would be a missing reference.
    return (f'**Slides:** <a href="../slides/{stem}.html">{stem} deck</a> · **Run it:** {binder} · '
            f"on your class's JupyterHub: `{HUB_TEMPLATE}` (fill in the hub and the repository, or print the link "
            f"with `python -m course_utils.hub link`; see *Running a class* in the README)")


MATH_SVG = re.compile(r'(<mjx-container[^>]*>\s*<svg\b)(?![^>]*aria-label)')


def deck_math(markdown):
    """The TeX of every formula of a Marp deck, in order: $...$ and $$...$$ outside code and comments."""
    body = markdown.split("\n---\n", 1)[1] if markdown.startswith("---") else markdown  # no front matter
    body = re.sub(r"```.*?```", "", body, flags=re.S)
    body = re.sub(r"<!--.*?-->", "", body, flags=re.S)
    body = re.sub(r"`[^`\n]*`", "", body)
    return [" ".join((display or inline).split())
            for display, inline in re.findall(r"\$\$(.+?)\$\$|\$([^$\n]+?)\$", body, flags=re.S)]


def label_slide_math(html_text, markdown):
    """Give each formula of a rendered deck an accessible name, its TeX source (Marp draws math as SVG images
    without one). The formulas and the SVGs must pair up one to one, in order."""
    tex = deck_math(markdown)
    found = len(MATH_SVG.findall(html_text))
    if found != len(tex):
        raise ValueError(f"the deck has {len(tex)} formulas but its HTML has {found} math images: cannot pair them")
    labels = iter(tex)
    return MATH_SVG.sub(lambda m: f'{m.group(1)} aria-label="{html.escape(next(labels), quote=True)}"', html_text)


def draw_favicon(path):
    """The site's icon (browsers ask for one): a recurrent loop, h feeding back into h, drawn here."""
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyArrowPatch

    from course_utils.palette import BLUE

    fig = Figure(figsize=(0.5, 0.5), dpi=64)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    ax.set(xlim=(0, 1), ylim=(0, 1))
    ax.add_patch(FancyArrowPatch((0.72, 0.62), (0.28, 0.62), connectionstyle="arc3,rad=1.2",
                                 arrowstyle="-|>", mutation_scale=8, lw=2.2, color=BLUE))
    ax.text(0.5, 0.3, "h", ha="center", va="center", fontsize=15, weight="bold", color=BLUE)
    fig.savefig(path, transparent=True)


def stage(sources, executed, out, *, slides_html, readme=ROOT / "README.md", site_dir=ROOT / "website",
          node_modules=ROOT / "node_modules", decks=ROOT / "slides", repo=None):
    """Write the Sphinx source folder `out` (see the module docstring); return the chapter names staged.

    sources: the chapter notebooks (paths); each must have a current executed copy in `executed`.
    """
    executed, out = Path(executed), Path(out)
    if not sources:
        raise ValueError("sources must name at least one notebook, got none")
    # Each executed copy is read once: checked for freshness here, then staged below.
    loaded, missing = {}, []
    for source in sorted(sources, key=lambda p: Path(p).name):
        copy = executed / Path(source).name
        nb = nbformat.read(copy, as_version=4) if copy.exists() else None
        if nb is None or not is_current(nb, source):
            missing.append(source)
        loaded[copy] = nb
    if missing:
        raise FileNotFoundError(f"no current executed copy in {executed} of: {' '.join(map(str, missing))} "
                                "(run `make site`, which executes them)")
    if out.exists():
        shutil.rmtree(out)
    (out / "chapters").mkdir(parents=True)
    teaches = readme_course_map(readme)
    rows = []
    for path, nb in loaded.items():
        nb = widget_images_with_alt(nb)
        attachments_to_files(nb, out / "chapters" / "attachments", prefix=f"{path.stem}-")
        number, title = path.name[:2], notebook_title(nb)
        first_md = next(i for i, c in enumerate(nb.cells) if c.cell_type == "markdown")
        nb.cells.insert(first_md + 1, nbformat.v4.new_markdown_cell(chapter_links(path.name, repo)))
        nbformat.write(nb, out / "chapters" / path.name)
        seconds = nb.metadata.get("course", {}).get("run_seconds")
        run = f"{seconds:.0f} s" if seconds is not None else "not measured"
        rows.append(f"| {number} | [{title}](chapters/{path.stem}.ipynb) | {teaches.get(number, '')} | {run} "
                    f'| <a href="slides/{path.stem}.html">deck</a> |')
    table = "\n".join(["| # | chapter | what it teaches | run time* | slides |",
                       "|---|---|---|---|---|", *rows])
    index = (Path(site_dir) / "index.md").read_text().replace("{{course_map}}", table)
    toctree = "\n".join(f"chapters/{p.stem}" for p in loaded)
    index = index.replace("{{chapters}}", toctree)
    (out / "index.md").write_text(index)
    shutil.copy(Path(site_dir) / "conf.py", out / "conf.py")
    shutil.copytree(Path(site_dir) / "_static", out / "_static")
    draw_favicon(out / "_static" / "favicon.png")
    for source, dest in NODE_ASSETS.items():
        src = Path(node_modules) / source
        if not src.exists():
            raise FileNotFoundError(f"{src} is missing: run `npm ci` (make site does it)")
        (shutil.copytree if src.is_dir() else shutil.copy)(src, out / "_static" / dest)
    extra = out / "_extra"
    fonts = extra / "chapters" / WIDGET_FONTS
    fonts.mkdir(parents=True)
    for font in (Path(node_modules) / WIDGET_FONTS).glob("*"):
        if font.suffix in (".woff2", ".woff", ".ttf", ".eot", ".svg"):
            shutil.copy(font, fonts / font.name)
    shutil.copytree(slides_html, extra / "slides")
    for deck in sorted((extra / "slides").glob("*.html")):
        source = Path(decks) / f"{deck.stem}.md"
        if source.exists():
            deck.write_text(label_slide_math(deck.read_text(), source.read_text()))
    shutil.copytree(ROOT / "images", extra / "images")
    shutil.copytree(ROOT / "images", out / "images")  # for a notebook that still links ../images/
    return [p.name for p in loaded]


def main(argv=None):
    """Command line: `stale NOTEBOOK... --executed DIR` prints stale ones; `stage` writes the Sphinx sources."""
    parser = argparse.ArgumentParser(prog="python -m course_utils.website", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_stale = sub.add_parser("stale", help="print the notebooks whose executed copy is missing or out of date")
    p_stale.add_argument("notebooks", nargs="+")
    p_stale.add_argument("--executed", required=True)
    p_stage = sub.add_parser("stage", help="write the Sphinx sources")
    p_stage.add_argument("notebooks", nargs="+")
    p_stage.add_argument("--executed", required=True)
    p_stage.add_argument("--slides", required=True, help="folder of the decks rendered to HTML")
    p_stage.add_argument("--out", required=True)
    p_stage.add_argument("--repo", default=None, help="GitHub owner/name for the Binder links (else a template)")
    args = parser.parse_args(argv)
    if args.command == "stale":
        print(" ".join(str(p) for p in stale(args.notebooks, args.executed)))
    else:
        names = stage(args.notebooks, args.executed, args.out, slides_html=args.slides, repo=args.repo)
        print(f"staged {len(names)} chapters into {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
