"""course_utils.executed: the notebook nbval ran, with outputs and widget state, as a front end would keep it.

The oracle is nbclient, Jupyter's own executor (it records outputs and widget state the way JupyterLab
does): the same small notebook run under nbval with the plugin and by nbclient must give the same outputs
and the same widgets. Synthetic messages test the front-end rules one at a time.
"""

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from test_student_edition import execute as nbclient_execute

from course_utils import executed

NOTEBOOK = [
    "print('one')\nprint('two')",                               # two writes: one stream output
    "import sys\nprint('warn', file=sys.stderr)\n6 * 7",        # stderr, then an execute_result
    "from IPython.display import display, clear_output\ndisplay('gone')\nclear_output()\ndisplay('kept')",
    "import ipywidgets as w\nout = w.Output()\nwith out:\n    print('inside the widget')\n"
    "box = w.VBox([w.IntSlider(value=3, description='T'), out])\nbox",
    "out.clear_output()\nwith out:\n    print('replaced')",
]


def msg(kind, content, parent="cell-1", buffers=None):
    return {"msg_type": kind, "content": content, "parent_header": {"msg_id": parent}, "buffers": buffers or []}


def test_streams_merge_and_clear_output_waits():
    rec = executed.Recorder()
    rec.start_cell("cell-1")
    rec.handle(msg("stream", {"name": "stdout", "text": "a\n"}))
    rec.handle(msg("stream", {"name": "stdout", "text": "b\n"}))
    rec.handle(msg("stream", {"name": "stderr", "text": "c\n"}))
    assert [(o["name"], o["text"]) for o in rec.cells["cell-1"].outputs] == [("stdout", "a\nb\n"), ("stderr", "c\n")]
    rec.handle(msg("clear_output", {"wait": True}))
    assert len(rec.cells["cell-1"].outputs) == 2  # wait=True: cleared only when the next output arrives
    rec.handle(msg("display_data", {"data": {"text/plain": "'x'"}, "metadata": {}}))
    assert [o["output_type"] for o in rec.cells["cell-1"].outputs] == ["display_data"]
    rec.handle(msg("stream", {"name": "stdout", "text": "other cell"}, parent="elsewhere"))
    assert len(rec.cells["cell-1"].outputs) == 1


def test_output_widget_captures_while_its_msg_id_names_the_cell():
    rec = executed.Recorder()
    rec.start_cell("cell-1")
    state = {"_model_name": "OutputModel", "_model_module": "@jupyter-widgets/output",
             "_model_module_version": "1.0.0", "outputs": [], "msg_id": ""}
    rec.handle(msg("comm_open", {"comm_id": "w1", "target_name": "jupyter.widget",
                                 "data": {"state": state, "buffer_paths": []}}))
    rec.handle(msg("comm_msg", {"comm_id": "w1", "data": {"method": "update", "state": {"msg_id": "cell-1"}}}))
    rec.handle(msg("stream", {"name": "stdout", "text": "captured"}))
    rec.handle(msg("comm_msg", {"comm_id": "w1", "data": {"method": "update", "state": {"msg_id": ""}}}))
    rec.handle(msg("stream", {"name": "stdout", "text": "in the cell"}))
    widget = rec.widget_state()["state"]["w1"]
    assert [o["text"] for o in widget["state"]["outputs"]] == ["captured"]
    assert [o["text"] for o in rec.cells["cell-1"].outputs] == ["in the cell"]


def test_binary_buffers_are_kept_as_base64():
    rec = executed.Recorder()
    state = {"_model_name": "ImageModel", "_model_module": "@jupyter-widgets/controls",
             "_model_module_version": "2.0.0", "format": "png"}
    rec.handle(msg("comm_open", {"comm_id": "img", "target_name": "jupyter.widget",
                                 "data": {"state": state, "buffer_paths": [["value"]]}}, buffers=[b"\x89PNG"]))
    entry = rec.widget_state()["state"]["img"]
    assert entry["buffers"] == [{"path": ["value"], "encoding": "base64", "data": "iVBORw=="}]


def comparable(outputs):
    """Outputs without what legitimately differs between two runs (counts, metadata, widget ids)."""
    out = []
    for o in outputs:
        o = {k: v for k, v in o.items() if k not in ("execution_count", "metadata", "transient")}
        if "data" in o:
            o["data"] = {m: v for m, v in o["data"].items() if m != "application/vnd.jupyter.widget-view+json"}
        out.append(o)
    return out


def widget_summary(nb):
    state = nb.metadata["widgets"][executed.WIDGET_STATE_KEY]["state"]
    return sorted((m["model_name"], json.dumps(comparable(m["state"].get("outputs", [])), sort_keys=True))
                  for m in state.values())


def run_with_plugin(path, folder):
    args = ["-p", "no:cacheprovider", "-p", "course_utils.executed", "--executed-dir", str(folder),
            "--nbval-lax", "--nbval-current-env", str(path)]
    return subprocess.run([sys.executable, "-m", "pytest", "-q", *args],
                          cwd=path.parent, capture_output=True, text=True, timeout=300)


def test_a_notebook_run_by_nbval_is_recorded_as_nbclient_records_it(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in NOTEBOOK])
    path = tmp_path / "01_small.ipynb"
    nbformat.write(nb, path)
    result = run_with_plugin(path, tmp_path / "executed")
    assert result.returncode == 0, result.stdout[-2000:]
    ours = nbformat.read(tmp_path / "executed" / path.name, as_version=4)
    oracle = nbclient_execute(path, cwd=tmp_path, timeout=120)
    for number, (mine, theirs) in enumerate(zip(ours.cells, oracle.cells, strict=True), start=1):
        assert comparable(mine.outputs) == comparable(theirs.outputs), f"cell {number}"
    assert widget_summary(ours) == widget_summary(oracle)
    assert ours.metadata["course"]["source_sha256"] == executed.source_digest(path)
    assert ours.metadata["course"]["cells_run"] == len(NOTEBOOK)


def test_a_notebook_with_a_failing_cell_leaves_no_executed_copy(tmp_path):
    folder = tmp_path / "executed"
    folder.mkdir()
    (folder / "02_fails.ipynb").write_text("{}")  # an old copy, which must not survive as if it were current
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_code_cell("1 / 0")])
    path = tmp_path / "02_fails.ipynb"
    nbformat.write(nb, path)
    result = run_with_plugin(path, folder)
    assert result.returncode != 0
    assert not (folder / path.name).exists()


@pytest.mark.parametrize("name", ["02_bptt.ipynb"])
def test_source_digest_changes_with_the_notebook(tmp_path, name):
    src = Path(__file__).resolve().parents[1] / "notebooks" / name
    copy = tmp_path / name
    copy.write_bytes(src.read_bytes())
    before = executed.source_digest(copy)
    copy.write_bytes(src.read_bytes().replace(b"import", b"import ", 1))
    assert executed.source_digest(copy) != before
