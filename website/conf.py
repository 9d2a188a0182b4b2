"""Sphinx configuration of the course website (`make site`; sources staged by course_utils.website).

Everything the pages load is served from the site's own folder: MathJax, the widget manager and RequireJS
come from npm packages (node_modules/), copied into _static/ by the staging step. Notebooks are never executed
here: they arrive executed from the run that tests them (course_utils.executed).
"""

import os

from myst_nb.core.render import NbElementRenderer

project = "Recurrent neural networks, hands on"
author = "The course's authors"
copyright = "the course's authors; text and figures CC BY 4.0, code MIT"  # noqa: A001 (Sphinx's name)

extensions = ["myst_nb"]
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
nb_execution_mode = "off"                 # executed once, by the test run
nb_ipywidgets_js = {"require.js": {}, "embed-amd.js": {}}  # local copies (staged into _static/)
mathjax_path = "mathjax/tex-chtml-full.js"
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 3
suppress_warnings = ["mystnb.unknown_mime_type"]

html_theme = "sphinx_book_theme"
html_title = project
html_static_path = ["_static"]
html_extra_path = ["_extra"]               # the decks (Marp HTML) and the images they show
html_css_files = ["course.css"]
html_favicon = "_static/favicon.png"  # drawn by the staging step
html_js_files = [("course.js", {"defer": "defer", "priority": 900})]
html_context = {"default_mode": "light"}
html_theme_options = {
    "repository_url": os.environ.get("COURSE_REPOSITORY_URL", ""),
    "use_download_button": True,
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "home_page_in_toc": True,
}
html_last_updated_fmt = None
html_copy_source = False
html_show_sourcelink = False
html_use_index = False  # no index entries (no autodoc, no index directives): the general index would be an empty page


# myst-nb passes only width and height from an output's metadata to the image it renders; the course's plots
# carry their alt text there too (course_utils.plotting.describe), so pass that on as well.
_render_image = NbElementRenderer.render_image


def _render_image_with_alt(self, data):
    rendered = _render_image(self, data)
    alt = data.output_metadata.get(data.mime_type, {}).get("alt")
    if alt and rendered:
        rendered[0]["alt"] = str(alt)
    return rendered


NbElementRenderer.render_image = _render_image_with_alt
