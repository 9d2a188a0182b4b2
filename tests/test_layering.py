"""The package's layering, read from the import graph with `ast`: every `import` and `from ... import` in every
file of course_utils, including imports inside functions. A violation is named as file:line.

- layers/, nlp/ and data/ are numpy code: they never import torch, matplotlib, ipywidgets or tqdm;
- layers/ imports nothing of course_utils but layers/ and _checks; nlp/ only layers/, _checks and itself;
  data/ only _checks and itself;
- models/ never imports widgets/, exercises/ or figures/; figures/ never widgets/ or exercises/;
  exercises/ never models/, widgets/ or figures/;
- nothing outside widgets/ imports course_utils.widgets.
"""

import ast
from pathlib import Path

import pytest

import course_utils

ROOT = Path(course_utils.__file__).parent
HEAVY = ("torch", "matplotlib", "ipywidgets", "tqdm")
NUMPY_ONLY = ("layers", "nlp", "data")
ALLOWED = {  # subpackage -> the only parts of course_utils it may import ("" is course_utils itself)
    "layers": {"layers", "_checks"},
    "nlp": {"nlp", "layers", "_checks"},
    "data": {"data", "_checks"},
}
FORBIDDEN = {  # subpackage -> parts of course_utils it must not import
    "models": {"widgets", "exercises", "figures"},
    "figures": {"widgets", "exercises"},
    "exercises": {"models", "widgets", "figures"},
}

def imports(root):
    """(file relative to root, line, imported dotted name) for every import in every .py file under root.

    `from a.b import c` gives "a.b.c" (c may be a module or a name in a.b: both say where the import reaches);
    relative imports are resolved against the file's own package.
    """
    found = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        package = ["course_utils", *path.relative_to(root).parent.parts]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.Import):
                found += [(rel, node.lineno, alias.name) for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parent = package[: len(package) - node.level + 1]
                    base = ".".join(parent + ([base] if base else []))
                found += [(rel, node.lineno, f"{base}.{alias.name}" if base else alias.name) for alias in node.names]
    return found


def _part(name):
    """Which part of course_utils a dotted name reaches: "layers", "_checks", ... ("" for the package itself)."""
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else ""


def violations(root):
    """'file:line imports name (rule)' for every import that breaks a rule above."""
    found = []
    for rel, line, name in imports(root):
        where = rel.split("/")[0] if "/" in rel else ""  # the subpackage of the importing file
        top = name.split(".")[0]
        rule = None
        if where in NUMPY_ONLY and top in HEAVY:
            rule = f"{where}/ is numpy only"
        elif top == "course_utils":
            part = _part(name)
            if part == "widgets" and where != "widgets":
                rule = "only widgets/ imports course_utils.widgets"
            elif where in ALLOWED and part not in ALLOWED[where]:
                rule = f"{where}/ may import only {', '.join(sorted(ALLOWED[where]))} of course_utils"
            elif part in FORBIDDEN.get(where, ()):
                rule = f"{where}/ must not import {part}/"
        if rule:
            found.append((rel, name, f"{rel}:{line} imports {name} ({rule})"))
    return found


def test_the_import_graph_follows_the_layering():
    found = [text for _, _, text in violations(ROOT)]
    assert not found, "\n".join(found)


PLANTED = {
    "layers/bad.py": "import torch\nfrom course_utils import seed\n",
    "layers/ok.py": "from course_utils._checks import positive_int\nfrom course_utils.layers import rnn\n",
    "nlp/bad.py": "def f():\n    from tqdm.auto import tqdm\n    from course_utils.data import series\n",
    "data/bad.py": "from course_utils.layers import rnn\nfrom . import series\n",
    "models/bad.py": "from course_utils.figures import ch01\nfrom course_utils import data, exercises\n",
    "figures/bad.py": "import course_utils.exercises.ch01\n",
    "exercises/bad.py": "from ..models import training\nfrom course_utils.widgets import ch01\n",
    "seed.py": "def f():\n    import course_utils.widgets\n",
    "widgets/ok.py": "from course_utils.widgets import ch01\nimport torch\n",
}


@pytest.mark.parametrize("bad", [None, *PLANTED])
def test_a_planted_violation_is_found(tmp_path, bad):
    """Each planted file breaks the rules exactly where expected (and the two ok files do not)."""
    for rel, source in PLANTED.items():
        if bad is None or rel == bad:
            (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / rel).write_text(source, encoding="utf-8")
    found = sorted(text.split(" (")[0] for _, _, text in violations(tmp_path))
    expected = {
        "layers/bad.py": ["layers/bad.py:1 imports torch", "layers/bad.py:2 imports course_utils.seed"],
        "nlp/bad.py": ["nlp/bad.py:2 imports tqdm.auto.tqdm", "nlp/bad.py:3 imports course_utils.data.series"],
        "data/bad.py": ["data/bad.py:1 imports course_utils.layers.rnn"],
        "models/bad.py": ["models/bad.py:1 imports course_utils.figures.ch01",
                          "models/bad.py:2 imports course_utils.exercises"],
        "figures/bad.py": ["figures/bad.py:1 imports course_utils.exercises.ch01"],
        "exercises/bad.py": ["exercises/bad.py:1 imports course_utils.models.training",
                             "exercises/bad.py:2 imports course_utils.widgets.ch01"],
        "seed.py": ["seed.py:2 imports course_utils.widgets"],
    }
    if bad is None:
        assert found == sorted(sum(expected.values(), []))
    else:
        assert found == expected.get(bad, [])
