"""The course as an nbgrader class: `python -m course_utils.classroom notebooks build/classroom` (`make assignments`).

Writes an nbgrader course directory from the instructor notebooks, one assignment per chapter named after
the notebook's stem:

    build/classroom/nbgrader_config.py
    build/classroom/source/02_bptt/02_bptt.ipynb      the instructor notebook with nbgrader's cell metadata
    build/classroom/source/02_bptt/images/*.png       figures the notebook still links as ../images/ (none: the
                                                      course's figures travel inside it as cell attachments)
    build/classroom/source/02_bptt/nbgrader_config.py  the cell timeout, for `nbgrader validate` in that folder

`nbgrader generate_assignment 02_bptt` then writes `release/02_bptt/`, where each solution has become the
student edition's stub (`course_utils.student.STUB_MESSAGE`). No metadata is edited by hand: the converter
reads the exercise format of `course_utils.student` and marks

- each exercise cell (the code cell holding `### BEGIN SOLUTION`) as a solution cell, `grade_id` = the
  function it defines;
- the first code cell after it, which must call `exercises.check_<name>(...)`, as an autograded test cell
  worth POINTS_PER_EXERCISE, locked (nbgrader restores its source before grading, so editing a checker
  cannot pass it);
- the setup cell (the first code cell: imports, seeds) and every markdown cell (prose, prompts, the Nudge
  and Recipe help) as read-only, restored the same way. The other code cells -- demos, experiments,
  sliders -- stay editable: students are meant to change them.

nbgrader scores a test cell as failed when anything arrives on stderr (`nbgrader.utils.determine_grade`),
and `nbgrader validate` reports such a cell as failing too. So the setup cell, in the source copy only,
starts with CLASSROOM_SETUP (tqdm disabled before it is imported, Python warnings ignored), the config
sets the same for every kernel it starts, and autograding strips stderr outputs that match STDERR_NOISE
(what torch's C++ side prints directly to stderr, such as `[W ... NNPACK.cpp ...]`, cannot be filtered
inside Python).

Rebuilding rewrites only `nbgrader_config.py` and `source/<assignment>/` of the chapters given: release,
submitted, autograded, feedback and the gradebook -- the class's state -- are never touched.
"""

import argparse
import copy
import json
import re
import shutil
from pathlib import Path

from course_utils import student

SCHEMA_VERSION = 3  # nbgrader 0.9's cell metadata schema
POINTS_PER_EXERCISE = 1  # a checker passes or fails as a whole: one point per exercise, the same for every exercise
CELL_TIMEOUT = 300  # seconds per cell; the slowest cell measured took 127 s (chapter 05, 2 cores, load 4-6)
COURSE_ID = "rnn-course"
CHECKER_CALL = student.CHECKER_CALL
DEFINITION = re.compile(r"^def (\w+)\s*\(", re.M)
IMAGE_LINK = re.compile(r"\.\./images/([\w.-]+)")
# stderr outputs autograding drops: Python warnings, torch's C++ warnings ("[W1203 ...]"), progress bars ("40%|").
STDERR_NOISE = r"(?m)Warning\b|^\[W|\d+%\|"
CLASSROOM_SETUP = """\
# classroom: nbgrader fails a graded cell that writes to stderr, so no progress bars and no warnings
import os
import warnings

os.environ["TQDM_DISABLE"] = "1"  # read when tqdm is imported, below
warnings.simplefilter("ignore")
"""

CONFIG = '''\
"""nbgrader configuration of the course, written by `python -m course_utils.classroom` (make assignments).

Edit course_utils/classroom.py and rebuild rather than this file.
"""

import os

c = get_config()  # noqa: F821 (nbgrader provides it)

c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.course_id = {course_id!r}

# The student edition's stub, so the release reads like `make student`'s notebooks.
c.ClearSolutions.code_stub = {{"python": {stub!r}}}

# nbgrader's default, 30 s, is shorter than several training cells (the slowest measured: 127 s on 2 busy cores).
c.Execute.timeout = {timeout}

# A graded cell with any stderr output scores 0: no progress bars, no Python warnings in the kernels nbgrader
# starts (they inherit this environment), and what torch prints to stderr from C++ is dropped before grading.
os.environ["TQDM_DISABLE"] = "1"
os.environ["PYTHONWARNINGS"] = "ignore"
c.IgnorePattern.pattern = {noise!r}
'''

# Released with each assignment, so that `nbgrader validate` run in the assignment's folder -- a student's
# self-check, away from the course directory -- allows the same cell time and keeps stderr quiet too.
STUDENT_CONFIG = '''\
"""nbgrader settings for `nbgrader validate` in this folder (written by course_utils.classroom)."""

import os

c = get_config()  # noqa: F821 (nbgrader provides it)
c.Execute.timeout = {timeout}
os.environ["TQDM_DISABLE"] = "1"
os.environ["PYTHONWARNINGS"] = "ignore"
'''


def nbgrader_metadata(grade_id, *, solution=False, grade=False, locked=False, points=None):
    """The `nbgrader` cell metadata dict (schema 3) for one cell."""
    if not re.fullmatch(r"[A-Za-z0-9_-]+", grade_id):
        raise ValueError(f"grade_id must use only letters, digits, '_' and '-', got {grade_id!r}")
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": SCHEMA_VERSION,
            "solution": solution}
    if grade:
        if points is None or points <= 0:
            raise ValueError(f"{grade_id}: a graded cell needs points > 0, got {points!r}")
        meta["points"] = points
    return meta


def rewrite_image_links(text):
    """Markdown or code with `../images/NAME` links pointing at `images/NAME` (the copy beside the notebook)."""
    return IMAGE_LINK.sub(r"images/\1", text)


def assignment_notebook(nb, *, name="notebook"):
    """The source notebook of one assignment: (notebook dict, sorted image file names it shows).

    `nb` is an instructor notebook dict; the copy has no outputs, nbgrader metadata on its exercise,
    checker, setup and markdown cells, CLASSROOM_SETUP at the top of its setup cell, and image links
    rewritten to `images/`.
    """
    nb = copy.deepcopy(nb)
    cells = nb["cells"]
    code = [i for i, cell in enumerate(cells) if cell["cell_type"] == "code"]
    if not code:
        raise ValueError(f"{name}: expected a notebook with a setup code cell, found no code cell")
    exercises = [i for i in code if student.BEGIN in student.cell_source(cells[i])]
    if not exercises:
        raise ValueError(f"{name}: expected at least one exercise ('{student.BEGIN}'), found none")
    if exercises[0] == code[0]:
        raise ValueError(f"{name}: the first code cell (imports, seeds) must not be an exercise")
    images, ids = set(), set()

    def mark(i, grade_id, **flags):
        if grade_id in ids:
            raise ValueError(f"{name}, cell {i + 1}: grade_id {grade_id!r} is used twice")
        ids.add(grade_id)
        cells[i].setdefault("metadata", {})["nbgrader"] = nbgrader_metadata(grade_id, **flags)

    for i in exercises:
        source = student.cell_source(cells[i])
        student.strip_solutions(source, where=f"{name}, cell {i + 1}")  # the markers pair up (or ValueError)
        defined = DEFINITION.search(source)
        if not defined:
            raise ValueError(f"{name}, cell {i + 1}: an exercise cell must define a function (def name(...):)")
        later = [j for j in code if j > i]
        checker = CHECKER_CALL.search(student.cell_source(cells[later[0]])) if later else None
        if not checker:
            found = repr(student.cell_source(cells[later[0]])[:60]) if later else "no code cell"
            raise ValueError(f"{name}, cell {i + 1}: the exercise {defined[1]!r} must be followed by a code cell "
                             f"calling exercises.check_<name>(...), found {found}")
        mark(i, defined[1], solution=True)
        mark(later[0], checker[1], grade=True, locked=True, points=POINTS_PER_EXERCISE)
    setup = cells[code[0]]
    setup["source"] = CLASSROOM_SETUP + "\n" + student.cell_source(setup)
    mark(code[0], "setup", locked=True)
    for i, cell in enumerate(cells):
        text = student.cell_source(cell)
        images.update(IMAGE_LINK.findall(text))
        cell["source"] = rewrite_image_links(text)
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
        elif cell["cell_type"] == "markdown":
            mark(i, f"text-{i + 1:03d}", locked=True)
    return nb, sorted(images)


def write_course(src_dir, dest, *, chapters=None, images_dir=None):
    """Write the nbgrader course directory `dest` from the notebooks `src_dir/*.ipynb`; return the assignment names.

    `chapters` (stems such as "02_bptt") limits it to those notebooks; `images_dir` defaults to
    `src_dir/../images`, where the notebooks' `../images/...` links point. A notebook that is not in the
    exercise format is left out, and after the others are written a ValueError names each one and why.
    """
    src_dir, dest = Path(src_dir), Path(dest)
    images_dir = Path(images_dir) if images_dir else src_dir.parent / "images"
    paths = sorted(src_dir.glob("*.ipynb"))
    if not paths:
        raise ValueError(f"src_dir must be a folder of notebooks, found no *.ipynb in {src_dir}")
    if chapters is not None:
        unknown = sorted(set(chapters) - {p.stem for p in paths})
        if unknown:
            raise ValueError(f"chapters must be notebook stems of {src_dir} ({', '.join(p.stem for p in paths)}), "
                             f"got {unknown}")
        paths = [p for p in paths if p.stem in set(chapters)]
    names, problems = [], []
    for path in paths:
        try:
            nb, images = assignment_notebook(json.loads(path.read_text()), name=path.name)
        except ValueError as err:
            problems.append(str(err))  # convert the others, then say what is wrong with each of these
            continue
        missing = [image for image in images if not (images_dir / image).is_file()]
        if missing:
            problems.append(f"{path.name} shows images missing from {images_dir}: {missing}")
            continue
        folder = dest / "source" / path.stem
        if folder.exists():
            shutil.rmtree(folder)  # a build product: no stale figure or notebook survives a rebuild
        (folder / "images" if images else folder).mkdir(parents=True)
        for image in images:
            shutil.copy2(images_dir / image, folder / "images" / image)
        (folder / path.name).write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
        (folder / "nbgrader_config.py").write_text(STUDENT_CONFIG.format(timeout=CELL_TIMEOUT))
        names.append(path.stem)
    (dest / "nbgrader_config.py").write_text(CONFIG.format(
        course_id=COURSE_ID, stub=f"raise NotImplementedError({student.STUB_MESSAGE!r})",
        timeout=CELL_TIMEOUT, noise=STDERR_NOISE))
    if problems:
        raise ValueError(f"wrote {len(names)} assignment(s) ({', '.join(names) or 'none'}); "
                         f"{len(problems)} notebook(s) are not in the exercise format:\n" + "\n".join(problems))
    return names


def main(argv=None):
    """Command line: `python -m course_utils.classroom SRC DEST [--chapters 02_bptt ...]`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("src", help="folder of instructor notebooks")
    parser.add_argument("dest", help="the nbgrader course directory to write")
    parser.add_argument("--chapters", nargs="+", help="notebook stems to convert (default: all)")
    args = parser.parse_args(argv)
    try:
        names = write_course(args.src, args.dest, chapters=args.chapters)
    except ValueError as err:
        raise SystemExit(f"error: {err}") from None
    for name in names:
        print(f"wrote   {Path(args.dest) / 'source' / name / (name + '.ipynb')}")
    print(f"wrote   {Path(args.dest) / 'nbgrader_config.py'}")


if __name__ == "__main__":
    main()
