"""Build the student edition of the notebooks: `python -m course_utils.student notebooks student`.

In the instructor notebooks each exercise's solution sits between two marker lines (nbgrader's
convention):

    def rnn_step(x_t, h_prev, W_xh, W_hh, b_h):
        ### BEGIN SOLUTION
        return np.tanh(x_t @ W_xh + h_prev @ W_hh + b_h)
        ### END SOLUTION

The student edition replaces the whole block with one fixed `raise NotImplementedError(...)` line
at the same indentation and drops every output. The stub says only that the code is missing: help
comes in steps the student opens on purpose, in the markdown cell right below the exercise -- a
collapsed `<details>` block "Nudge", then one "Recipe" -- and, after a wrong answer, in the
checker's diagnosing hints. `exposure` measures how much of a solution the visible text gives
away (tests/test_exercise_help.py holds every exercise to it).

`edition_problems` checks, without running anything, that a student who skips an exercise still gets
the rest of the chapter: no later cell reads what an unsolved exercise leaves unfinished.

Student work is never lost: a manifest remembers the hash of every notebook written, and a rebuild
skips (and names) any notebook whose contents no longer match it -- the student edited it -- unless
`force=True`.
"""

import argparse
import ast
import hashlib
import json
import keyword
import re
import symtable
from pathlib import Path
from typing import NamedTuple

BEGIN, END, HINT = "### BEGIN SOLUTION", "### END SOLUTION", "### HINT:"
STUB_MESSAGE = "write your code here (stuck? open the Nudge, then the Recipe, below this cell)"
HELP_STEPS = ("Nudge", "Recipe")
MANIFEST = ".generated.json"
CHECKER_CALL = re.compile(r"\bexercises\.(check_\w+)\s*\(")  # a cell or statement that runs an exercise's checker


def strip_solutions(source, *, where="cell"):
    """Replace every solution block in a code cell's source (a str) by a NotImplementedError line."""
    out, block = [], None
    for line in source.splitlines(keepends=True):
        stripped = line.strip()
        if stripped.startswith(BEGIN):
            if block is not None:
                raise ValueError(f"{where}: '{BEGIN}' inside another solution block")
            block = line[: len(line) - len(line.lstrip())]  # the indentation of the stub
        elif stripped.startswith(END):
            if block is None:
                raise ValueError(f"{where}: '{END}' without a matching '{BEGIN}'")
            out.append(f"{block}raise NotImplementedError({STUB_MESSAGE!r})\n")
            block = None
        elif stripped.startswith(HINT):
            # A hint in the stub is read before the student tries: help goes below the exercise instead.
            raise ValueError(f"{where}: '{HINT}' lines are not used any more; put the help in a markdown cell "
                             f"below the exercise, as collapsed <details> blocks {' and '.join(HELP_STEPS)}")
        elif block is None:
            out.append(line)
    if block is not None:
        raise ValueError(f"{where}: '{BEGIN}' without a matching '{END}'")
    return "".join(out)


def student_notebook(nb, *, name="notebook"):
    """A copy of a notebook dict with solutions replaced and all outputs removed."""
    nb = json.loads(json.dumps(nb))  # deep copy
    for number, cell in enumerate(nb["cells"], start=1):
        if cell["cell_type"] != "code":
            continue
        cell["source"] = strip_solutions(cell_source(cell), where=f"{name}, cell {number}")
        cell["outputs"], cell["execution_count"] = [], None
    return nb


class Exercise(NamedTuple):
    """One solution block of an instructor notebook, with what a student sees around it."""

    notebook: str
    cell: int  # 1-based number of the exercise's code cell
    solution: str  # the code between the markers
    given: str  # the cell's code outside the markers: the signature and lines the student gets
    prompt: str  # the markdown cells right above the exercise
    help: str  # the markdown cell right below it ("" when the next cell is code)


def cell_source(cell):
    """A notebook cell's source as one str (nbformat stores a str or a list of lines)."""
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def exercises(nb, *, name="notebook"):
    """Every exercise of an instructor notebook dict, in order, as `Exercise` tuples."""
    cells, found = nb["cells"], []
    for i, cell in enumerate(cells):
        source = cell_source(cell)
        if cell["cell_type"] != "code" or BEGIN not in source:
            continue
        solution, given, inside = [], [], False
        for line in source.splitlines(keepends=True):
            stripped = line.strip()
            if stripped.startswith(BEGIN) or stripped.startswith(END):
                inside = stripped.startswith(BEGIN)
            else:
                (solution if inside else given).append(line)
        above = []
        for j in range(i - 1, -1, -1):
            if cells[j]["cell_type"] != "markdown":
                break
            above.insert(0, cell_source(cells[j]))
        below = cells[i + 1] if i + 1 < len(cells) and cells[i + 1]["cell_type"] == "markdown" else None
        found.append(Exercise(name, i + 1, "".join(solution), "".join(given), "\n\n".join(above),
                              cell_source(below) if below else ""))
    return found


def _python_statements(source, where):
    """The top-level statements of a code cell's source as Python text, IPython magics made calls."""
    from IPython.core.inputtransformer2 import TransformerManager  # IPython comes with Jupyter

    code = TransformerManager().transform_cell(source)
    try:
        return [ast.unparse(node) for node in ast.parse(code).body]
    except SyntaxError as err:
        raise ValueError(f"{where}: not valid Python ({err.msg}, line {err.lineno})") from None


def _global_names(statement):
    """(read, bound): the global names one statement reads (in any function or class it defines, too) and binds."""
    top = symtable.symtable(statement, "<cell>", "exec")
    read = {s.get_name() for s in top.get_symbols() if s.is_referenced()}
    bound = {s.get_name() for s in top.get_symbols() if s.is_assigned() or s.is_imported()}
    scopes = list(top.get_children())
    while scopes:
        scope = scopes.pop()
        scopes.extend(scope.get_children())
        for s in scope.get_symbols():
            if s.is_global() and s.is_referenced():
                read.add(s.get_name())
            if s.is_declared_global() and s.is_assigned():
                bound.add(s.get_name())
    # An IPython magic gets its code as a string (`%time y = f(x)`): read every word of it, to be safe.
    for node in ast.walk(ast.parse(statement)):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("run_line_magic", "run_cell_magic")):
            for arg in node.args[1:]:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    read.update(re.findall(r"[A-Za-z_]\w*", arg.value))
    return read, bound


def _stub_first(statement):
    """Whether a statement is a function whose body (after any docstring) starts with the stub's raise."""
    node = ast.parse(statement).body[0]
    if not isinstance(node, ast.FunctionDef):
        return False
    body = node.body[1:] if ast.get_docstring(node) is not None else node.body
    first = body[0] if body else None
    return (isinstance(first, ast.Raise) and isinstance(first.exc, ast.Call)
            and getattr(first.exc.func, "id", None) == "NotImplementedError")


def edition_problems(nb, *, name="notebook"):
    """Every way the student edition of an instructor notebook dict would break for a student who skips.

    A student who skips an exercise must still get the rest of the chapter. So in the student edition
    - an exercise cell is one function (or several) that raises the stub first: nothing outside the
      solution markers computes an answer, so its checker can only report "not implemented yet";
    - the names an exercise cell binds, and those a checker cell would bind after its checker call (the
      call raises the checker's verdict there), are *unfinished* until an ordinary cell binds them
      again, and no ordinary cell -- nor a checker cell before its call -- reads one, at top level or
      inside a function or class it defines: that cell would fail, or silently use the stub.
    Returns one line per problem, naming the cell, the name and the cell that left it unfinished. Names
    are read by Python's own scoping (symtable); a name one statement both reads and binds (a loop
    variable) counts as bound.
    """
    unfinished, problems = {}, []  # name -> number of the cell that leaves it unfinished
    for number, cell in enumerate(nb["cells"], start=1):
        source = cell_source(cell)
        if cell["cell_type"] != "code" or not source.strip():
            continue
        where = f"{name}, cell {number}"
        exercise, stopped = BEGIN in source, False
        if exercise:
            stubbed = _python_statements(strip_solutions(source, where=where), where)
            if not all(_stub_first(statement) for statement in stubbed):
                problems.append(f"{where}: in the student edition an exercise cell must be functions that raise "
                                "the stub first (is code outside the ### BEGIN/END SOLUTION markers?)")
        for statement in _python_statements(source, where):
            read, bound = _global_names(statement)
            if exercise or stopped or CHECKER_CALL.search(statement):
                unfinished.update(dict.fromkeys(bound, number))
                stopped = stopped or not exercise
                continue
            for used in sorted((read - bound) & unfinished.keys()):
                first_line = statement.splitlines()[0][:70]
                problems.append(f"{where} ({first_line!r}) uses {used!r}, which cell {unfinished[used]} leaves "
                                "unsolved in the student edition (use the package's reference function here)")
            for rebound in bound:
                unfinished.pop(rebound, None)
    return problems


DETAILS = re.compile(r"<details(?P<attrs>[^>]*)>\s*<summary>(?P<title>.*?)</summary>", re.S)
TOKEN = re.compile(r"[A-Za-z_]\w*|\d+(?:\.\d+)?(?:e-?\d+)?|\*\*|//|[-+*/@%<>]=?|==|!=")
CODE_SPAN = re.compile(r"```.*?```|`[^`\n]+`", re.S)
EXPRESSION = re.compile(r"[-+*/@%=<>]|\w\(|\w\.\w")  # a span that computes, not one that names or gives a shape


def help_steps(markdown):
    """The `<details>` blocks of a markdown text as (title, opens_collapsed) pairs, in order."""
    return [(m["title"].strip(), "open" not in m["attrs"]) for m in DETAILS.finditer(markdown)]


def code_tokens(code):
    """The distinct names, numbers and operators of Python code (comments dropped), minus keywords."""
    code = re.sub(r"#[^\n]*", "", code)
    return {t for t in TOKEN.findall(code) if not keyword.iskeyword(t)}


def exposure(exercise, stub_message=STUB_MESSAGE):
    """Share (0..1) of the solution's own tokens that a student reads before opening any help.

    The solution's tokens are its names, numbers and operators, less those of the code the student is
    given anyway (the signature). What the student reads first is the stub's message and the code in
    the prompt that computes something (inline `code` and fenced blocks with an operator, a call or an
    attribute; names and shapes such as `(N, T, H)` only name things, and the prose and its maths state
    the task, not the code).
    """
    own = code_tokens(exercise.solution) - code_tokens(exercise.given)
    if not own:
        return 0.0
    spans = [span for span in CODE_SPAN.findall(exercise.prompt) if EXPRESSION.search(span)]
    seen = code_tokens(stub_message) | code_tokens(" ".join(spans))
    return len(own & seen) / len(own)


def _digest(text):
    return hashlib.sha256(text.encode()).hexdigest()


def build(src_dir, dest_dir, *, force=False):
    """Write the student edition of every `src_dir/*.ipynb` into `dest_dir`.

    Returns (written, kept): notebook names written, and names skipped because they were edited.
    """
    src_dir, dest_dir = Path(src_dir), Path(dest_dir)
    if not src_dir.is_dir():
        raise ValueError(f"src_dir must be a folder of notebooks, got {src_dir}")
    dest_dir.mkdir(parents=True, exist_ok=True)
    manifest_path = dest_dir / MANIFEST
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    written, kept = [], []
    for src in sorted(src_dir.glob("*.ipynb")):
        nb = student_notebook(json.loads(src.read_text()), name=src.name)
        text = json.dumps(nb, indent=1, ensure_ascii=False) + "\n"
        dest = dest_dir / src.name
        if dest.exists() and not force and _digest(dest.read_text()) != manifest.get(src.name):
            kept.append(src.name)  # the student changed it (or we never wrote it): hands off
            continue
        dest.write_text(text)
        manifest[src.name] = _digest(text)
        written.append(src.name)
    manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return written, kept


def main(argv=None):
    """Command line: `python -m course_utils.student SRC DEST`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("src", help="folder of instructor notebooks")
    parser.add_argument("dest", help="folder for the student edition")
    parser.add_argument("--force", action="store_true", help="overwrite notebooks even if they were edited")
    args = parser.parse_args(argv)
    written, kept = build(args.src, args.dest, force=args.force)
    for name in written:
        print(f"wrote   {Path(args.dest) / name}")
    for name in kept:
        print(f"kept    {Path(args.dest) / name}: it was edited since it was generated (FORCE=1 to overwrite)")


if __name__ == "__main__":
    main()
