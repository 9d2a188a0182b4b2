"""The student edition as students meet it: a student who skips an exercise still gets the whole chapter.

`make student` replaces each solution by `raise NotImplementedError(...)`. In the student edition the
only cells allowed to fail are the exercise checker cells (cells calling `exercises.check_...`), and
each of them must fail with the checker's own verdict: ExerciseFailed, "<name>: not implemented yet".
Any other error -- a later cell that uses the student's unfinished function, a checker that crashes --
and any checker that passes (a solution that leaked into the edition) breaks the rule.

Two checks hold every chapter to it:
- statically, on every notebook (`student.edition_problems`): no cell reads a name an unsolved
  exercise leaves unfinished, and every exercise raises its stub first; with test_checkers.py (each
  checker, given a stub, reports "not implemented yet" and leaves the global random state alone),
  that is what running the edition checks, in well under a second instead of minutes;
- by running: the fastest chapter's student edition top to bottom in a real kernel, and a planted
  broken notebook that both checks must catch. `make student-test` runs every chapter's student edition
  (about 14 CPU minutes): do it before handing out a new edition.

Notebooks are found by globbing notebooks/*.ipynb, so chapters added later are covered without editing
this file.
"""

import json
import os
import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from nbclient import NotebookClient

from course_utils import student

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
FAST = "02_bptt.ipynb"  # the fastest chapter: about 13 s top to bottom (the others 50-180 s)
# make student-test: every chapter's student edition is run, not only the fastest one
RUN_ALL = os.environ.get("COURSE_STUDENT_ALL") == "1"
VERDICT = "not implemented yet"


def is_checker_cell(source):
    return bool(student.CHECKER_CALL.search(source))


def rule_violations(nb, name):
    """Every way an executed student notebook (nbformat dict) breaks the rule, one line each."""
    problems = []
    for number, cell in enumerate(nb["cells"], start=1):
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        first_line = source.strip().splitlines()[0] if source.strip() else ""
        where = f"{name}, cell {number} ({first_line[:70]!r})"
        errors = [o for o in cell.get("outputs", []) if o["output_type"] == "error"]
        if is_checker_cell(source):
            if not errors:
                problems.append(f"{where}: the checker passed in the student edition (is the solution between the "
                                "### BEGIN/END SOLUTION markers?)")
            elif errors[0]["ename"] != "ExerciseFailed" or VERDICT not in errors[0]["evalue"]:
                problems.append(f"{where}: the checker cell must fail only with ExerciseFailed '... {VERDICT}', "
                                f"got {errors[0]['ename']}: {errors[0]['evalue'][:300]}")
        elif errors:
            problems.append(f"{where}: raised {errors[0]['ename']}: {errors[0]['evalue'][:300]} "
                            "(only exercise checker cells may fail; use the package's reference function here)")
    return problems


class ThisPython(KernelSpecManager):
    """Kernels run this interpreter (like nbval's --nbval-current-env), whatever kernelspecs are installed."""

    def get_kernel_spec(self, kernel_name):
        return KernelSpec(argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                          display_name="this Python", language="python")


def execute(path, cwd, timeout=600):
    """Run a notebook file top to bottom in a fresh kernel of this Python, going on past errors."""
    nb = nbformat.read(path, as_version=4)
    km = KernelManager(kernel_name="python3", kernel_spec_manager=ThisPython())
    try:
        client = NotebookClient(nb, km=km, timeout=timeout, allow_errors=True,
                                resources={"metadata": {"path": str(cwd)}})
        client.execute()
    finally:
        if km.has_kernel:  # nbclient shuts down only the kernels it started itself, not one handed to it
            km.shutdown_kernel(now=True)
    return nb


@pytest.fixture(scope="session")
def student_edition(tmp_path_factory):
    dest = tmp_path_factory.mktemp("student")
    written, kept = student.build(ROOT / "notebooks", dest)
    assert written and not kept
    return dest


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks/*.ipynb found"


@pytest.mark.parametrize("name", [p.name for p in NOTEBOOKS])
def test_no_cell_needs_an_unsolved_exercise(name):
    nb = json.loads((ROOT / "notebooks" / name).read_text())
    assert any(student.BEGIN in student.cell_source(c) for c in nb["cells"]), f"{name}: no exercise found"
    problems = student.edition_problems(nb, name=name)
    assert not problems, "the student edition breaks the rule:\n" + "\n".join(problems)


@pytest.mark.parametrize("name", [p.name for p in NOTEBOOKS if RUN_ALL or p.name == FAST])
def test_student_notebook_runs_except_unsolved_checkers(student_edition, name):
    nb = execute(student_edition / name, cwd=student_edition)
    checkers = [c for c in nb["cells"] if c["cell_type"] == "code" and is_checker_cell("".join(c["source"]))]
    assert checkers, f"{name}: no exercise checker cell found"
    problems = rule_violations(nb, name)
    assert not problems, "the student edition breaks the rule:\n" + "\n".join(problems)


# ---------------------------------------------------------------- the rule itself can fail

def code_cell(source, *errors):
    return {"cell_type": "code", "source": source, "metadata": {},
            "outputs": [{"output_type": "error", "ename": e, "evalue": v, "traceback": []} for e, v in errors]}


def test_rule_accepts_unsolved_checkers_and_names_every_other_failure():
    verdict = ("ExerciseFailed", "rnn_step: not implemented yet.\nReplace the ...")
    nb = {"cells": [
        {"cell_type": "markdown", "source": "# t", "metadata": {}},
        code_cell("import numpy as np"),
        code_cell("exercises.check_rnn_step(rnn_step);", verdict),
        code_cell("exercises.check_rnn_layer(rnn_layer)", ("NameError", "name 'rnn_layer' is not defined")),
        code_cell("y = rnn_step(x, h)", ("NotImplementedError", "one line: np.tanh")),
        code_cell("exercises.check_bptt(bptt)"),
        code_cell("exercises.check_clip_by_norm(f)", ("ExerciseFailed", "clip: case 1 of 3: not quite")),
    ]}
    problems = rule_violations(nb, "01_x.ipynb")
    assert len(problems) == 4, problems
    assert problems[0].startswith("01_x.ipynb, cell 4 ('exercises.check_rnn_layer(rnn_layer)')")
    assert "NameError" in problems[0]
    assert "cell 5" in problems[1] and "NotImplementedError" in problems[1]
    assert "cell 6" in problems[2] and "checker passed" in problems[2]
    assert "cell 7" in problems[3] and "not quite" in problems[3]
    assert rule_violations({"cells": nb["cells"][:3]}, "ok") == []


BROKEN = [  # an instructor notebook whose student edition breaks the rule twice
    "import sys\nimport numpy as np\nfrom course_utils import exercises\nprint(sys.executable)",
    "def rnn_step(x_t, h_prev, W_xh, W_hh, b_h):\n    ### BEGIN SOLUTION\n"
    "    return np.tanh(x_t @ W_xh + h_prev @ W_hh + b_h)\n    ### END SOLUTION",
    "exercises.check_rnn_step(rnn_step);",
    "h = rnn_step(np.ones((1, 2)), np.zeros((1, 3)), np.ones((2, 3)), np.eye(3), np.zeros(3))",  # uses the exercise
    "exercises.check_rnn_layer(rnn_layer)",  # a checker cell that fails with something else (NameError)
    "print('the rest of the chapter')",
]


def test_a_broken_student_edition_fails_in_a_real_kernel(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in BROKEN])
    nbformat.write(nb, src / "09_broken.ipynb")
    student.build(src, tmp_path / "student")
    executed = execute(tmp_path / "student" / "09_broken.ipynb", cwd=tmp_path, timeout=120)
    assert executed.cells[0].outputs[0]["text"].strip() == sys.executable  # the kernel runs this Python
    problems = rule_violations(executed, "09_broken.ipynb")
    assert len(problems) == 2, problems
    assert "cell 4" in problems[0] and "NotImplementedError: write your code here" in problems[0]
    assert "cell 5" in problems[1] and "must fail only with ExerciseFailed" in problems[1]
    # The static rule finds the same use of the unsolved exercise without running anything (cell 5's
    # NameError is the instructor notebook's own bug, which nbval reports).
    static = student.edition_problems(nbformat.read(src / "09_broken.ipynb", as_version=4), name="09_broken")
    assert len(static) == 1 and static[0].startswith("09_broken, cell 4 (") and "'rnn_step'" in static[0]
    # The instructor version of the same notebook breaks it differently: its checker passes.
    executed = execute(src / "09_broken.ipynb", cwd=tmp_path, timeout=120)
    assert any("cell 3" in p and "checker passed" in p for p in rule_violations(executed, "instructor"))


# ---------------------------------------------------------------- the static rule, case by case

EXERCISE = "def rnn_step(x, h):\n    ### BEGIN SOLUTION\n    return x + h\n    ### END SOLUTION"


def static_problems(*sources):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    return student.edition_problems(nb, name="nb")


@pytest.mark.parametrize("later", [
    "y = rnn_step(1, 2)",                                   # at top level
    "def forecast(x):\n    return rnn_step(x, 0)",          # inside a function defined later
    "class Model:\n    step = rnn_step",                    # inside a class body
    "ys = [rnn_step(x, 0) for x in range(3)]",              # inside a comprehension
    "%time y = rnn_step(1, 2)",                             # inside an IPython magic's code
    "import numpy as np\nprint(np.pi)\nz = rnn_step",      # after statements that are fine
])
def test_the_static_rule_finds_a_use_of_an_unsolved_exercise(later):
    problems = static_problems("import math", EXERCISE, "exercises.check_rnn_step(rnn_step)", later)
    assert len(problems) == 1, problems
    assert problems[0].startswith("nb, cell 4 (") and "'rnn_step', which cell 2 leaves unsolved" in problems[0]


@pytest.mark.parametrize("later", [
    "from course_utils.layers import rnn as ref\ny = ref.rnn_step(1, 2)",  # the package's function
    "rnn_step = lambda x, h: x\ny = rnn_step(1, 2)",                       # rebound first in the same cell
    "def f(rnn_step):\n    return rnn_step(1, 2)",                         # a parameter, not the global
    "for rnn_step in [max]:\n    print(rnn_step(1, 2))",                   # a loop variable
    "print('rnn_step(1, 2) in a string')",
])
def test_the_static_rule_accepts_what_does_not_read_the_exercise(later):
    assert static_problems(EXERCISE, "exercises.check_rnn_step(rnn_step)", later) == []


def test_the_static_rule_follows_rebinding_and_checker_cells():
    # a name bound after a checker call is never bound in the student edition (the call raises there)...
    after_checker = static_problems(EXERCISE, "before = 1\nexercises.check_rnn_step(rnn_step)\nafter = 2",
                                    "print(before)", "print(after)")
    assert len(after_checker) == 1 and "cell 4" in after_checker[0] and "'after', which cell 2" in after_checker[0]
    # ...a checker cell may not use an unsolved name before its own call either...
    early = static_problems(EXERCISE, "h = rnn_step(1, 2)\nexercises.check_rnn_step(rnn_step)")
    assert len(early) == 1 and "cell 2" in early[0]
    # ...and an ordinary cell that binds the name again makes it usable after it.
    assert static_problems(EXERCISE, "from operator import add as rnn_step", "y = rnn_step(1, 2)") == []


def test_the_static_rule_wants_the_stub_first():
    leaked = "def rnn_step(x, h):\n    y = x + h\n    if y:\n        return y\n    ### BEGIN SOLUTION\n" \
             "    return y\n    ### END SOLUTION"
    problems = static_problems(leaked, "exercises.check_rnn_step(rnn_step)")
    assert len(problems) == 1 and problems[0].startswith("nb, cell 1: in the student edition an exercise cell")
    with_docstring = ('def rnn_step(x, h):\n    """One step."""\n'
                      "    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION")
    assert static_problems(with_docstring) == []
    with pytest.raises(ValueError, match="nb, cell 1: not valid Python"):
        static_problems("def broken(:\n    pass")
