"""Consistency of the repository: pins in sync, notebooks stripped, every referenced image present."""

import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
DECKS = sorted((ROOT / "slides").glob("*.md"))
# Markdown images ![alt](path "title"), HTML <img src="path">, and Marp backgrounds ![bg](path).
IMAGE_REF = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)|<img[^>]+src=[\"']([^\"']+)[\"']")


def requirement_pins(lines):
    return sorted(l.strip() for l in lines if l.strip() and not l.strip().startswith(("#", "-")))


def test_environment_yml_matches_requirements():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    reqs = requirement_pins((ROOT / "requirements.txt").read_text().splitlines())
    assert requirement_pins(pip_section) == reqs, "environment.yml and requirements.txt pin different versions"
    assert "torch==2.13.0" in reqs
    assert all("==" in r for r in reqs), f"unpinned requirement in {reqs}"
    assert any(str(d).startswith("python=") for d in env["dependencies"])


NPM_TOOLS = json.loads((ROOT / "package.json").read_text())["devDependencies"]


@pytest.mark.parametrize("name", sorted(NPM_TOOLS))
def test_every_npm_tool_is_pinned_exactly_and_locked(name):
    """marp-cli (slides), configurable-http-proxy (make hub), and the website's MathJax, RequireJS, widget manager
    and axe-core: each an exact version in package.json, and the same one in package-lock.json."""
    version = NPM_TOOLS[name]
    assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"pin {name} exactly, got {version!r}"
    lock = json.loads((ROOT / "package-lock.json").read_text())
    assert lock["packages"][f"node_modules/{name}"]["version"] == version


def test_the_course_tools_are_npm_tools():
    assert {"@marp-team/marp-cli", "configurable-http-proxy"} <= set(NPM_TOOLS)


def test_there_is_something_to_check():
    assert NOTEBOOKS and DECKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_has_no_stored_outputs(path):
    nb = json.loads(path.read_text())
    dirty = [i for i, c in enumerate(nb["cells"], 1)
             if c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count"))]
    assert not dirty, f"{path.name}: cells {dirty} have stored outputs; run `make strip`"
    assert "widgets" not in nb.get("metadata", {}), f"{path.name}: stored widget state; run `make strip`"


def referenced_images(path):
    """(reference, attachment names of its cell) for every image a notebook's markdown or a deck shows."""
    if path.suffix == ".ipynb":
        cells = [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "markdown"]
        return [(a or b, set(c.get("attachments", {})))
                for c in cells for a, b in IMAGE_REF.findall("".join(c["source"]))]
    return [(a or b, set()) for a, b in IMAGE_REF.findall(path.read_text())]


@pytest.mark.parametrize("path", NOTEBOOKS + DECKS, ids=lambda p: p.name)
def test_referenced_images_exist_and_are_local(path):
    refs = referenced_images(path)
    remote = [r for r, _ in refs if re.match(r"[a-z]+://", r)]
    assert not remote, f"{path.name} loads images from the network: {remote}"
    # a notebook shows its figures from its own cells' attachments (tests/test_attachments.py checks their
    # bytes against images/); a deck links ../images/
    def found(ref, attached):
        if ref.startswith("attachment:"):
            return ref.removeprefix("attachment:") in attached
        return (path.parent / ref).resolve().is_file()

    missing = [r for r, attached in refs if not found(r, attached)]
    assert not missing, f"{path.name} references missing images: {missing}"
    if path.suffix == ".ipynb":
        linked = [r for r, _ in refs if not r.startswith("attachment:")]
        assert not linked, f"{path.name} links images instead of attaching them ({linked}); run `make figures`"


def test_image_ref_pattern_finds_references():
    text = '![a](../images/x.png) ![bg right:40%](../images/y.png "t") <img src="../images/z.png" width=3>'
    assert [a or b for a, b in IMAGE_REF.findall(text)] == ["../images/x.png", "../images/y.png", "../images/z.png"]
    assert IMAGE_REF.findall("![a figure](attachment:x.png)") == [("attachment:x.png", "")]


def test_version_is_one_number_with_a_changelog_entry():
    import course_utils

    pyproject = (ROOT / "pyproject.toml").read_text()
    version = re.search(r'^version = "([^"]+)"', pyproject, re.M).group(1)
    assert course_utils.__version__ == version, f"__init__ says {course_utils.__version__}, pyproject {version}"
    assert f"## {version}" in (ROOT / "CHANGELOG.md").read_text(), f"CHANGELOG.md has no '## {version}' entry"


def test_licences_are_named_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    for name in ("LICENSE", "LICENSE-CONTENT.md"):
        assert (ROOT / name).is_file(), f"{name} is missing"
        assert name in readme, f"README.md does not name {name}"
