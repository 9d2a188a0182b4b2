"""The course as an nbgrader class: the converter's marks on every chapter, and nbgrader run end to end.

The end-to-end test plays a whole assignment round in a temporary folder with nbgrader's own command
line, on the fastest chapter (02_bptt runs in about 7 s; the others take 40-120 s): generate, release to
an exchange, three students fetch and submit -- one solves every exercise (with a noisy but correct
answer: a Python warning and a tqdm bar on stderr), one hands the release in as it is, one solves the
first and the last exercise -- then collect, autograde and feedback. The scores come from nbgrader's
gradebook and must be full, zero and exactly the points of the solved exercises; the feedback HTML shows
them; `nbgrader validate`, the students' self-check, passes the solved notebook and names the one
failing cell of the partly solved one. The release must match the student edition (`make student`)
cell for cell.
"""

import importlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from course_utils import classroom, student

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
FAST = "02_bptt"  # the fastest chapter, measured: 7 s top to bottom (chapters 01 and 03-05: 60-120 s)


def read(path):
    return json.loads(Path(path).read_text())


def text(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def marks(nb):
    return [(i, c["cell_type"], c["metadata"].get("nbgrader")) for i, c in enumerate(nb["cells"])]


# ---------------------------------------------------------------- the converter, on every chapter


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_chapter_becomes_an_assignment(path):
    instructor = read(path)
    nb, images = classroom.assignment_notebook(instructor, name=path.name)
    exercises = student.exercises(instructor, name=path.name)
    solutions = [i for i, _, m in marks(nb) if m and m["solution"]]
    graded = [(i, m) for i, _, m in marks(nb) if m and m["grade"]]
    assert [i + 1 for i in solutions] == [ex.cell for ex in exercises]
    assert len(graded) == len(exercises)
    for s, (g, meta) in zip(solutions, graded):
        code_between = [c for c in nb["cells"][s + 1:g] if c["cell_type"] == "code"]
        assert not code_between and classroom.CHECKER_CALL.search(text(nb["cells"][g]))
        assert meta["locked"] and meta["points"] == classroom.POINTS_PER_EXERCISE and not meta["solution"]
    ids = [m["grade_id"] for _, _, m in marks(nb) if m]
    assert len(ids) == len(set(ids)), "grade_ids must be unique"
    assert {m["schema_version"] for _, _, m in marks(nb) if m} == {classroom.SCHEMA_VERSION}
    assert all(m["locked"] for _, kind, m in marks(nb) if kind == "markdown")  # prose and help are restored
    assert all(not c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code")
    assert "../images/" not in json.dumps(nb) and not images  # the figures are attachments, carried over as they are
    assert [c.get("attachments") for c in nb["cells"]] == [c.get("attachments") for c in instructor["cells"]]
    assert any(c.get("attachments") for c in nb["cells"])


def test_the_converted_chapters_hold_the_help_and_the_setup_guard(tmp_path):
    names = classroom.write_course(ROOT / "notebooks", tmp_path, chapters=[FAST])
    nb = read(tmp_path / "source" / FAST / f"{FAST}.ipynb")
    setup = next(c for c in nb["cells"] if c["cell_type"] == "code")
    assert names == [FAST] and text(setup).startswith(classroom.CLASSROOM_SETUP)
    assert setup["metadata"]["nbgrader"]["locked"]
    helps = [c for c in nb["cells"] if student.help_steps(text(c))]
    assert len(helps) == len(student.exercises(read(ROOT / "notebooks" / f"{FAST}.ipynb")))
    assert not re.findall(r"images/([\w.-]+)", json.dumps(nb)) and not (tmp_path / "source" / FAST / "images").exists()
    assert sum(len(c.get("attachments", {})) for c in nb["cells"]) == 3  # chapter 02's three figures, inside it
    released = (tmp_path / "source" / FAST / "nbgrader_config.py").read_text()  # for `nbgrader validate` there
    assert f"c.Execute.timeout = {classroom.CELL_TIMEOUT}" in released
    compile(released, "nbgrader_config.py", "exec")
    config = (tmp_path / "nbgrader_config.py").read_text()
    assert f"c.Execute.timeout = {classroom.CELL_TIMEOUT}" in config and "TQDM_DISABLE" in config
    compile(config, "nbgrader_config.py", "exec")


EXERCISE = "def f(x):\n    ### BEGIN SOLUTION\n    return x + 1\n    ### END SOLUTION\n"


def tiny(*sources):
    cells = [nbformat.v4.new_markdown_cell(s[3:]) if s.startswith("md:") else nbformat.v4.new_code_cell(s)
             for s in sources]
    return json.loads(nbformat.writes(nbformat.v4.new_notebook(cells=cells)))


def test_bad_notebooks_get_a_clear_error():
    with pytest.raises(ValueError, match="must be followed by a code cell calling exercises.check_"):
        classroom.assignment_notebook(tiny("import numpy", EXERCISE, "md:help", "print(f(1))"))
    with pytest.raises(ValueError, match="found no code cell"):
        classroom.assignment_notebook(tiny("import numpy", EXERCISE))
    with pytest.raises(ValueError, match="must define a function"):
        classroom.assignment_notebook(tiny("import numpy", "### BEGIN SOLUTION\nx = 1\n### END SOLUTION",
                                           "exercises.check_x(x)"))
    with pytest.raises(ValueError, match="cell 4: grade_id 'f' is used twice"):
        classroom.assignment_notebook(tiny("import numpy", EXERCISE, "exercises.check_f(f)",
                                           EXERCISE, "exercises.check_f(f)"))
    with pytest.raises(ValueError, match="without a matching"):
        classroom.assignment_notebook(tiny("import numpy", "def f(x):\n    ### BEGIN SOLUTION\n    return x",
                                           "exercises.check_f(f)"))
    with pytest.raises(ValueError, match="needs points > 0, got 0"):
        classroom.nbgrader_metadata("check_f", grade=True, points=0)
    with pytest.raises(ValueError, match="chapters must be notebook stems"):
        classroom.write_course(ROOT / "notebooks", "/nonexistent", chapters=["2_bptt"])


def test_a_rebuild_keeps_the_class_state(tmp_path):
    classroom.write_course(ROOT / "notebooks", tmp_path, chapters=[FAST])
    state = [tmp_path / "release" / FAST / "x.ipynb", tmp_path / "submitted" / "alice" / FAST / "x.ipynb",
             tmp_path / "gradebook.db"]
    for path in state:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("class state")
    stale = tmp_path / "source" / FAST / "images" / "old.png"
    stale.parent.mkdir()  # from a build of the days when figures were linked, not attached
    stale.write_text("a figure the chapter no longer shows")
    classroom.write_course(ROOT / "notebooks", tmp_path, chapters=[FAST])
    assert all(path.read_text() == "class state" for path in state) and not stale.exists()


def nbgrader_module(name):
    """`nbgrader.NAME`; a failure, not a skip, where nbgrader is missing (make test installs it)."""
    try:
        return importlib.import_module(f"nbgrader.{name}")
    except ImportError:
        pytest.fail("nbgrader is not installed: pip install -r requirements-classroom.txt (make test does)")


def test_stderr_noise_pattern_drops_progress_and_warnings_only():
    ignore = nbgrader_module("preprocessors").IgnorePattern(pattern=classroom.STDERR_NOISE)
    noise = ["[W1203 07:01:02.345678 NNPACK.cpp:62] Could not initialize NNPACK! Reason: Unsupported hardware.\n",
             "100%|##########| 3/3 [00:00<00:00, 9000.00it/s]\n", "<stdin>:3: UserWarning: deprecated\n"]
    kept = ["oops, something went to stderr\n"]
    cell = nbformat.v4.new_code_cell("f()", outputs=[nbformat.v4.new_output("stream", name="stderr", text=t)
                                                     for t in noise + kept])
    cell, _ = ignore.preprocess_cell(cell, {}, 0)
    assert [o["text"] for o in cell.outputs] == kept


# ---------------------------------------------------------------- nbgrader end to end


# Runs nbgrader's apps one after the other in one process: each command line start costs ~2 s of imports.
DRIVER = """
import json, os, sys, time
from nbgrader.apps import NbGraderApp

for cwd, argv in json.loads(sys.argv[1]):
    os.makedirs(cwd, exist_ok=True)
    os.chdir(cwd)
    start, code = time.perf_counter(), 0
    try:
        NbGraderApp.launch_instance(argv=argv)
    except SystemExit as exit:
        code = exit.code or 0
    for app in [NbGraderApp] + [sub[0] for sub in NbGraderApp.subcommands.values()]:
        app.clear_instance()  # the next command gets fresh apps, with the config of its own folder
    print(f"\\n#### nbgrader {argv[0]}: exit {code}, {time.perf_counter() - start:.1f} s", flush=True)
    if code:
        sys.exit(code)
"""
STEP = re.compile(r"^#### nbgrader (\S+): exit (\d+), ([\d.]+) s$", re.M)


def nbgrader(*steps):
    """Run nbgrader commands, each `(folder, arg, ...)`, with this Python; the output of each, in order.

    This Python's bin/ goes first on PATH: nbgrader runs `alembic` and the notebooks' python3 kernel from it.
    """
    env = dict(os.environ, PYTHONUNBUFFERED="1",
               PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    argv = json.dumps([[str(cwd), [str(a) for a in args]] for cwd, *args in steps])
    run = subprocess.run([sys.executable, "-c", DRIVER, argv], env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, timeout=900)
    parts = STEP.split(run.stdout)  # output, name, exit, seconds, output, name, ...
    outputs = parts[0:-1:4]
    print(", ".join(f"{name} {seconds} s" for name, seconds in zip(parts[1::4], parts[3::4])))
    assert run.returncode == 0 and len(outputs) == len(steps) and "| ERROR]" not in run.stdout, (
        f"nbgrader failed:\n{run.stdout[-3000:]}")
    return outputs


def solve(path, instructor, grade_ids, *, noisy=False):
    """Put the instructor's solution into the exercise cells `grade_ids` of the notebook at `path`."""
    nb = read(path)
    solutions = {ex.cell - 1 for ex in student.exercises(instructor)}
    answers = {classroom.DEFINITION.search(text(instructor["cells"][i]))[1]: text(instructor["cells"][i])
               for i in solutions}
    for cell in nb["cells"]:
        name = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if name in grade_ids:
            cell["source"] = answers[name]
            if noisy:  # right answer, but it warns and draws a progress bar on stderr each time it is called
                cell["source"] += (f"\n\n_{name} = {name}\n\n\ndef {name}(*args):\n    import sys\n"
                                   "    import warnings\n"
                                   "    from tqdm import tqdm\n    warnings.warn('a warning from a right answer')\n"
                                   "    for _ in tqdm(range(3), file=sys.stderr):\n        pass\n"
                                   f"    return _{name}(*args)\n")
    Path(path).write_text(json.dumps(nb, indent=1))


def test_nbgrader_grades_solved_blank_and_partly_solved_submissions(tmp_path):
    gradebook = nbgrader_module("api")
    course, exchange = tmp_path / "course", tmp_path / "exchange"
    to_exchange = [f"--Exchange.root={exchange}", f"--course={classroom.COURSE_ID}"]
    instructor = read(ROOT / "notebooks" / f"{FAST}.ipynb")
    exercises = [classroom.DEFINITION.search(ex.given)[1] for ex in student.exercises(instructor)]
    assert len(exercises) == 4
    classroom.write_course(ROOT / "notebooks", course, chapters=[FAST])
    nbgrader((course, "generate_assignment", FAST, "--force"), (course, "release_assignment", FAST, "--force",
                                                                   *to_exchange),
             (tmp_path / "fetched", "fetch_assignment", FAST, *to_exchange))  # what every student gets

    release = read(course / "release" / FAST / f"{FAST}.ipynb")
    edition = student.student_notebook(instructor)
    assert [c["cell_type"] for c in release["cells"]] == [c["cell_type"] for c in edition["cells"]]
    for number, (got, want_cell) in enumerate(zip(release["cells"], edition["cells"]), start=1):
        assert got.get("attachments") == want_cell.get("attachments"), f"release cell {number} lost its figure"
        want = classroom.rewrite_image_links(text(want_cell)).rstrip("\n")
        if got["metadata"].get("nbgrader", {}).get("grade_id") == "setup":
            want = classroom.CLASSROOM_SETUP + "\n" + want
        assert text(got).rstrip("\n") == want, f"release cell {number} differs from the student edition's"
    assert all((course / "release" / FAST / link).is_file()
               for link in re.findall(r"images/[\w.-]+", json.dumps(release)))

    graded = [(m["grade_id"], m["solution"]) for _, _, m in marks(release) if m and (m["grade"] or m["solution"])]
    checker_of = {ex: check for (ex, solution), (check, _) in zip(graded[::2], graded[1::2]) if solution}
    assert sorted(checker_of) == sorted(exercises)

    partly = [ex for ex in exercises if ex != "bptt"]  # every exercise but one
    submissions = {"solved": exercises, "blank": [], "partial": partly}
    for name, solved in submissions.items():
        shutil.copytree(tmp_path / "fetched", tmp_path / name)
        solve(tmp_path / name / FAST / f"{FAST}.ipynb", instructor, solved, noisy=name == "solved")
    *_, validated, failed = nbgrader(
        *[(tmp_path / name, "submit", FAST, f"--student={name}", *to_exchange) for name in submissions],
        (course, "collect", FAST, *to_exchange), (course, "autograde", FAST), (course, "generate_feedback", FAST),
        (tmp_path / "solved" / FAST, "validate", f"{FAST}.ipynb"),  # as a student would, in the folder fetched
        (tmp_path / "partial" / FAST, "validate", f"{FAST}.ipynb"))

    with gradebook.Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        scores = {name: gb.find_submission(FAST, name).score for name in submissions}
        per_cell = {name: {ex: gb.find_grade(checker_of[ex], FAST, FAST, name).score for ex in exercises}
                    for name in submissions}
        max_score = gb.find_assignment(FAST).max_score
    print(f"\nautograde {FAST}: {scores} of {max_score}")
    points = classroom.POINTS_PER_EXERCISE
    assert max_score == 4 * points
    assert scores == {"solved": 4 * points, "blank": 0, "partial": 3 * points}
    assert per_cell["partial"] == {ex: points if ex in partly else 0 for ex in exercises}
    for name, score in scores.items():
        html = (course / "feedback" / name / FAST / f"{FAST}.html").read_text()
        assert f"{FAST} (Score: {float(score)} / {float(max_score)})" in html

    assert "Success! Your notebook passes all the tests." in validated
    assert "VALIDATION FAILED ON 1 CELL(S)" in failed and "bptt: not implemented yet" in failed
