"""The student edition as students meet it: every student notebook runs top to bottom.

`make student` replaces each solution by `raise NotImplementedError(...)`. A student who skips an
exercise must still get the rest of the chapter, so in the student edition the only cells allowed
to fail are the exercise checker cells (cells calling `exercises.check_...`), and each of them must
fail with the checker's own verdict: ExerciseFailed, "<name>: not implemented yet". Any other error
-- a later cell that uses the student's unfinished function, a checker that crashes -- and any
checker that passes (a solution that leaked into the edition) breaks the rule.

Notebooks are found by globbing notebooks/*.ipynb, one test each, so `pytest -n 2` runs two at once
and chapters added later are covered without editing this file.
"""

import re
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
CHECKER_CALL = re.compile(r"\bexercises\.check_\w+\s*\(")
VERDICT = "not implemented yet"


def is_checker_cell(source):
    return bool(CHECKER_CALL.search(source))


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
    # The instructor version of the same notebook breaks it differently: its checker passes.
    executed = execute(src / "09_broken.ipynb", cwd=tmp_path, timeout=120)
    assert any("cell 3" in p and "checker passed" in p for p in rule_violations(executed, "instructor"))
