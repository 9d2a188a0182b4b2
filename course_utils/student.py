"""Build the student edition of the notebooks: `python -m course_utils.student notebooks student`.

In the instructor notebooks each exercise's solution sits between two marker lines (nbgrader's
convention); an optional `### HINT: ...` line inside the block becomes the student's hint:

    def rnn_step(x_t, h_prev, W_xh, W_hh, b_h):
        ### BEGIN SOLUTION
        ### HINT: one line: tanh of the two products plus the bias
        return np.tanh(x_t @ W_xh + h_prev @ W_hh + b_h)
        ### END SOLUTION

The student edition replaces the whole block with `raise NotImplementedError("<hint>")` at the
same indentation and drops every output. Student work is never lost: a manifest remembers the
hash of every notebook written, and a rebuild skips (and names) any notebook whose contents no
longer match it -- the student edited it -- unless `force=True`.
"""

import argparse
import hashlib
import json
from pathlib import Path

BEGIN, END, HINT = "### BEGIN SOLUTION", "### END SOLUTION", "### HINT:"
DEFAULT_HINT = "write your solution here"
MANIFEST = ".generated.json"


def strip_solutions(source, *, where="cell"):
    """Replace every solution block in a code cell's source (a str) by a NotImplementedError line."""
    out, block = [], None
    for line in source.splitlines(keepends=True):
        stripped = line.strip()
        if stripped.startswith(BEGIN):
            if block is not None:
                raise ValueError(f"{where}: '{BEGIN}' inside another solution block")
            block = {"indent": line[: len(line) - len(line.lstrip())], "hint": DEFAULT_HINT}
        elif stripped.startswith(END):
            if block is None:
                raise ValueError(f"{where}: '{END}' without a matching '{BEGIN}'")
            out.append(f"{block['indent']}raise NotImplementedError({block['hint']!r})\n")
            block = None
        elif block is not None:
            if stripped.startswith(HINT):
                block["hint"] = stripped[len(HINT):].strip()
        else:
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
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        cell["source"] = strip_solutions(source, where=f"{name}, cell {number}")
        cell["outputs"], cell["execution_count"] = [], None
    return nb


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
