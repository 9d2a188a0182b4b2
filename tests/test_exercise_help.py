"""Progressive help: nothing a student reads before asking for help gives the solution away.

Every chapter (found by globbing notebooks/*.ipynb) has at least MIN_EXERCISES exercises, and every exercise
must have, in the markdown cell right below it, a collapsed "Nudge" and then a collapsed "Recipe" `<details>`
block; and what the student reads first -- the stub's message and the code in the prompt above -- may show
at most MAX_EXPOSURE of the solution's own tokens (`student.exposure`). Before this rule the stubs carried
the old `### HINT:` lines, which showed 46-100 % of the solution's tokens in 23 of 25 exercises.
"""

from pathlib import Path

import nbformat
import pytest

from course_utils import student

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
MAX_EXPOSURE = 0.35
MIN_EXERCISES = 4

EXERCISES = [ex for path in NOTEBOOKS for ex in student.exercises(nbformat.read(path, as_version=4), name=path.name)]
IDS = [f"{ex.notebook[:2]}-cell{ex.cell}" for ex in EXERCISES]

SOLVED = student.Exercise(
    "x.ipynb", 3, solution="    return np.tanh(x_t @ W_xh + h_prev @ W_hh + b_h)\n",
    given="def rnn_step(x_t, h_prev, W_xh, W_hh, b_h):\n", prompt="Implement `rnn_step`: `x_t` `(N, D)`.", help="")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_chapter_has_exercises(path):
    found = student.exercises(nbformat.read(path, as_version=4), name=path.name)
    assert len(found) >= MIN_EXERCISES, f"{path.name}: {len(found)} exercises"


@pytest.mark.parametrize("ex", EXERCISES, ids=IDS)
def test_help_comes_below_in_steps_the_student_opens(ex):
    steps = student.help_steps(ex.help)
    assert [title for title, _ in steps] == list(student.HELP_STEPS), (
        f"{ex.notebook}, cell {ex.cell}: the markdown cell below the exercise must hold <details> blocks "
        f"{student.HELP_STEPS}, found {steps}")
    assert all(collapsed for _, collapsed in steps), f"{ex.notebook}, cell {ex.cell}: a help block is open"


@pytest.mark.parametrize("ex", EXERCISES, ids=IDS)
def test_stub_and_prompt_do_not_give_the_solution_away(ex):
    share = student.exposure(ex)
    assert share <= MAX_EXPOSURE, (f"{ex.notebook}, cell {ex.cell}: the stub and prompt show {share:.0%} of the "
                                   "solution's tokens; move the code into the Recipe")


def test_exposure_flags_a_stub_whose_message_is_the_solution():
    assert student.exposure(SOLVED) == 0.0  # the prompt names the arguments: nothing of the body
    assert student.exposure(SOLVED, stub_message="return np.tanh(x_t @ W_xh + h_prev @ W_hh + b_h)") == 1.0
    assert student.exposure(SOLVED, stub_message="np.tanh of the two products") == 0.5  # np, tanh of np tanh @ +
    in_prompt = SOLVED._replace(prompt="Compute `np.tanh(x_t @ W_xh + h_prev @ W_hh + b_h)`.")
    assert student.exposure(in_prompt) == 1.0
    shapes_only = SOLVED._replace(prompt="`x_t` `(N, D)`, `W_xh` `(D, H)`; return `np` `(N, H)`")
    assert student.exposure(shapes_only) == 0.0  # names and shapes are not code


def test_help_steps_reads_titles_and_open_blocks():
    text = "<details><summary>Nudge</summary>\n\na\n</details>\n<details open><summary> Recipe </summary>b</details>"
    assert student.help_steps(text) == [("Nudge", True), ("Recipe", False)]
    assert student.help_steps("no help here") == []


def test_exercises_split_solution_given_prompt_and_help():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("### Exercise 1\n\nWrite `f`."),
        nbformat.v4.new_code_cell("def f(x):\n    ### BEGIN SOLUTION\n    return x + 1\n    ### END SOLUTION\n"),
        nbformat.v4.new_markdown_cell("<details><summary>Nudge</summary>add</details>"),
        nbformat.v4.new_code_cell("check(f)"),
    ])
    (ex,) = student.exercises(nb, name="n.ipynb")
    assert ex == student.Exercise("n.ipynb", 2, "    return x + 1\n", "def f(x):\n", "### Exercise 1\n\nWrite `f`.",
                                  "<details><summary>Nudge</summary>add</details>")
