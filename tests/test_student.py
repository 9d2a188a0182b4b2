"""The student edition: solutions become NotImplementedError, edits are never overwritten."""

import json

import pytest

from course_utils import student

SOLVED = """import numpy as np

def rnn_step(x, h, W_xh, W_hh, b_h):
    ### BEGIN SOLUTION
    a = x @ W_xh + h @ W_hh + b_h
    return np.tanh(a)
    ### END SOLUTION

check(rnn_step)
"""


def notebook(*sources):
    cells = [{"cell_type": "markdown", "metadata": {}, "source": "# Title"}]
    for s in sources:
        cells.append({"cell_type": "code", "metadata": {}, "source": s, "execution_count": 3,
                      "outputs": [{"output_type": "stream", "name": "stdout", "text": "hi"}]})
    return {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def test_solution_block_becomes_the_fixed_raise():
    out = student.strip_solutions(SOLVED)
    assert "np.tanh" not in out and "BEGIN" not in out and "END SOLUTION" not in out
    assert f"    raise NotImplementedError({student.STUB_MESSAGE!r})\n" in out
    assert out.startswith("import numpy as np") and out.rstrip().endswith("check(rnn_step)")
    compile(out, "student", "exec")  # still valid Python


def test_hint_lines_are_refused_and_unbalanced_markers():
    src = "x = 1\n### BEGIN SOLUTION\ny = 2\n### END SOLUTION\n"
    assert student.strip_solutions(src) == f"x = 1\nraise NotImplementedError({student.STUB_MESSAGE!r})\n"
    hinted = "### BEGIN SOLUTION\n### HINT: y = 2\ny = 2\n### END SOLUTION\n"
    with pytest.raises(ValueError, match="nb, cell 3: '### HINT:' lines are not used any more; put the help"):
        student.strip_solutions(hinted, where="nb, cell 3")
    with pytest.raises(ValueError, match="without a matching '### END SOLUTION'"):
        student.strip_solutions("### BEGIN SOLUTION\nx = 1\n", where="nb, cell 3")
    with pytest.raises(ValueError, match="nb, cell 3: '### END SOLUTION' without"):
        student.strip_solutions("x = 1\n### END SOLUTION\n", where="nb, cell 3")


def test_build_writes_strips_outputs_and_keeps_edits(tmp_path):
    src, dest = tmp_path / "notebooks", tmp_path / "student"
    src.mkdir()
    (src / "01_a.ipynb").write_text(json.dumps(notebook(SOLVED)))
    (src / "02_b.ipynb").write_text(json.dumps(notebook("print(1)")))

    written, kept = student.build(src, dest)
    assert written == ["01_a.ipynb", "02_b.ipynb"] and kept == []
    nb = json.loads((dest / "01_a.ipynb").read_text())
    code = nb["cells"][1]
    assert code["outputs"] == [] and code["execution_count"] is None
    assert "NotImplementedError" in code["source"]
    assert "np.tanh" in (src / "01_a.ipynb").read_text()  # the instructor copy is untouched

    # A rebuild over untouched notebooks rewrites them ...
    assert student.build(src, dest) == (["01_a.ipynb", "02_b.ipynb"], [])
    # ... but a notebook the student edited is kept and named.
    edited = (dest / "01_a.ipynb").read_text().replace("NotImplementedError", "np.tanh")
    (dest / "01_a.ipynb").write_text(edited)
    assert student.build(src, dest) == (["02_b.ipynb"], ["01_a.ipynb"])
    assert (dest / "01_a.ipynb").read_text() == edited
    # A notebook already there that we never wrote is also left alone.
    (dest / "02_b.ipynb").unlink()
    (tmp_path / "student" / student.MANIFEST).write_text("{}")
    (dest / "02_b.ipynb").write_text("my own notes")
    assert student.build(src, dest)[1] == ["01_a.ipynb", "02_b.ipynb"]
    # force overwrites.
    assert student.build(src, dest, force=True) == (["01_a.ipynb", "02_b.ipynb"], [])
    assert "NotImplementedError" in (dest / "01_a.ipynb").read_text()


def test_build_rejects_missing_source(tmp_path):
    with pytest.raises(ValueError, match="src_dir must be a folder"):
        student.build(tmp_path / "nope", tmp_path / "out")


def test_course_notebooks_have_exercises_and_build(tmp_path):
    """Every chapter notebook has at least three exercises, each followed by a checker call."""
    from pathlib import Path

    src = Path(__file__).resolve().parents[1] / "notebooks"
    written, kept = student.build(src, tmp_path)
    assert written and not kept
    for name in written:
        cells = json.loads((tmp_path / name).read_text())["cells"]
        code = [c["source"] for c in cells if c["cell_type"] == "code"]
        exercise_cells = [i for i, s in enumerate(code) if "raise NotImplementedError(" in s]
        assert len(exercise_cells) >= 3, f"{name}: {len(exercise_cells)} exercises"
        for i in exercise_cells:
            assert "exercises.check_" in code[i + 1], f"{name}: exercise cell {i} is not followed by a checker"
            compile(code[i], name, "exec")
