"""Keep what nbval executes: each notebook written out with its outputs and widget state.

The website shows every chapter with its plots and tables. Executing the notebooks a second time for it
would double the longest step of `make test`, so this pytest plugin listens to the kernel messages that nbval
already receives while it tests the notebooks and writes each notebook, outputs filled in, to a folder:

    pytest -p course_utils.executed --executed-dir build/executed --nbval-lax --nbval-current-env notebooks/

What it records, the way a Jupyter front end would:
- each code cell's outputs (streams merged, `clear_output` honoured);
- the widgets' state (`comm_open` / `comm_msg` updates, binary buffers as base64) in the notebook metadata, so
  a static page can draw every widget in the state it was left in;
- what an Output widget captured (outputs sent while its `msg_id` names the running cell go to the widget);
- alt text for every plot (course_utils.alt_text, registered in the kernels' IPython start-up);
- run time and the SHA-256 of the source notebook in `metadata["course"]`, which `course_utils.website` uses as
  the cache key: an executed copy whose source has changed since is stale.

Only the messages are read: nbval's own checks are unchanged.
"""

import base64
import hashlib
import os
import time
from pathlib import Path

import nbformat
import pytest

OUTPUT_TYPES = {"stream", "display_data", "execute_result", "error"}
WIDGET_STATE_KEY = "application/vnd.jupyter.widget-state+json"


def source_digest(path):
    """SHA-256 of a notebook file's bytes: the key that says whether an executed copy is current."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _output_from(msg):
    """An nbformat output from an iopub message (stream, display_data, execute_result or error)."""
    kind, content = msg["msg_type"], msg["content"]
    if kind == "stream":
        return nbformat.v4.new_output("stream", name=content["name"], text=content["text"])
    if kind == "error":
        return nbformat.v4.new_output("error", ename=content["ename"], evalue=content["evalue"],
                                      traceback=content["traceback"])
    out = nbformat.v4.new_output(kind, data=content["data"], metadata=content.get("metadata", {}))
    if kind == "execute_result":
        out.execution_count = content.get("execution_count")
    return out


class OutputList:
    """The outputs of one cell or one Output widget, with the front end's rules for streams and clearing."""

    def __init__(self, outputs=None):
        self.outputs = outputs if outputs is not None else []
        self.clear_on_next = False

    def add(self, output):
        """Show one more output (after a pending clear_output(wait=True), in place of what was there)."""
        if self.clear_on_next:
            self.outputs.clear()
            self.clear_on_next = False
        last = self.outputs[-1] if self.outputs else None
        if (output["output_type"] == "stream" and last is not None and last["output_type"] == "stream"
                and last["name"] == output["name"]):
            last["text"] += output["text"]  # a front end shows consecutive writes to one stream as one block
        else:
            self.outputs.append(output)

    def clear(self, wait):
        """clear_output: now, or (wait=True) when the next output arrives."""
        if wait:
            self.clear_on_next = True  # clear_output(wait=True): keep showing until something replaces it
        else:
            self.outputs.clear()
            self.clear_on_next = False


class Recorder:
    """Rebuilds one notebook's outputs and widget state from the kernel's iopub messages."""

    def __init__(self):
        self.cells = {}          # execute-request msg_id -> OutputList of that cell
        self.widgets = {}        # comm_id -> widget model (model_name, module, version, state, buffers)
        self.widget_outputs = {}  # comm_id of an Output widget -> OutputList (its "outputs" state)
        self.capturing = {}      # execute-request msg_id -> comm_id of the Output widget capturing it
        self.started = time.perf_counter()

    def start_cell(self, msg_id):
        """A cell was sent to the kernel as execute request `msg_id`: its outputs start empty."""
        self.cells[msg_id] = OutputList()

    def _target(self, parent_id):
        """Where an output sent on behalf of `parent_id` is shown: a capturing Output widget, else its cell."""
        comm_id = self.capturing.get(parent_id)
        if comm_id is not None:
            return self.widget_outputs[comm_id]
        return self.cells.get(parent_id)

    def _update_widget(self, comm_id, data, buffers):
        model = self.widgets[comm_id]
        model["state"].update(data.get("state", {}))
        for path, buf in zip(data.get("buffer_paths", []), buffers or [], strict=False):
            model["buffers"] = [b for b in model["buffers"] if b["path"] != path]
            model["buffers"].append({"path": path, "encoding": "base64",
                                     "data": base64.b64encode(bytes(buf)).decode("ascii")})
        if model["model_name"] == "OutputModel" and "msg_id" in data.get("state", {}):
            for parent, owner in list(self.capturing.items()):
                if owner == comm_id:
                    del self.capturing[parent]
            if data["state"]["msg_id"]:
                self.capturing[data["state"]["msg_id"]] = comm_id
        if model["model_name"] == "OutputModel" and "outputs" in data.get("state", {}):
            self.widget_outputs[comm_id] = OutputList(list(data["state"]["outputs"]))

    def handle(self, msg):
        """Take one iopub message into account."""
        kind, content = msg["msg_type"], msg["content"]
        parent_id = msg.get("parent_header", {}).get("msg_id")
        if kind == "comm_open" and content.get("target_name") == "jupyter.widget":
            state = content["data"]["state"]
            self.widgets[content["comm_id"]] = {
                "model_name": state.get("_model_name"), "model_module": state.get("_model_module"),
                "model_module_version": state.get("_model_module_version"), "state": {}, "buffers": []}
            self.widget_outputs[content["comm_id"]] = OutputList()
            self._update_widget(content["comm_id"], content["data"], msg.get("buffers"))
        elif kind == "comm_msg" and content.get("comm_id") in self.widgets:
            if content["data"].get("method") == "update":
                self._update_widget(content["comm_id"], content["data"], msg.get("buffers"))
        elif kind in OUTPUT_TYPES:
            target = self._target(parent_id)
            if target is not None:
                target.add(_output_from(msg))
        elif kind == "clear_output":
            target = self._target(parent_id)
            if target is not None:
                target.clear(content.get("wait", False))

    def widget_state(self):
        """The notebook-metadata form of every widget model seen (Output widgets with what they captured)."""
        state = {}
        for comm_id, model in self.widgets.items():
            entry = {k: model[k] for k in ("model_name", "model_module", "model_module_version")}
            entry["state"] = dict(model["state"])
            if model["model_name"] == "OutputModel":
                entry["state"]["outputs"] = self.widget_outputs[comm_id].outputs
                entry["state"]["msg_id"] = ""
            if model["buffers"]:
                entry["buffers"] = model["buffers"]
            state[comm_id] = entry
        return {"version_major": 2, "version_minor": 0, "state": state}


def write_executed(source, cells_outputs, recorder, folder):
    """Write `source` (a notebook path) with each code cell's outputs, keyed by cell id, into `folder`."""
    nb = nbformat.read(source, as_version=4)
    count = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        outputs = cells_outputs.get(cell.get("id"))
        if outputs is None:
            continue  # a cell nbval skipped, or never reached because an earlier one failed
        count += 1
        cell.execution_count = count
        cell.outputs = outputs
        for out in outputs:
            if out["output_type"] == "execute_result":
                out["execution_count"] = count
    nb.metadata["widgets"] = {WIDGET_STATE_KEY: recorder.widget_state()}
    nb.metadata["course"] = {"source_sha256": source_digest(source),
                             "run_seconds": round(time.perf_counter() - recorder.started, 1),
                             "cells_run": count}
    Path(folder).mkdir(parents=True, exist_ok=True)
    target = Path(folder) / Path(source).name
    nbformat.write(nb, target)
    return target


def pytest_addoption(parser):
    """`--executed-dir DIR`: where to write the executed notebooks (off when not given)."""
    parser.addoption("--executed-dir", default=None,
                     help="write each notebook nbval executes, with outputs and widget state, into DIR")


STARTUP = "import course_utils.alt_text\ncourse_utils.alt_text.register()\n"


def pytest_configure(config):
    """With --executed-dir, kernels start with an IPython profile that gives every plot its alt text."""
    folder = config.getoption("executed_dir", default=None)
    if not folder:
        return
    ipython_dir = Path(folder).resolve() / ".ipython"
    startup = ipython_dir / "profile_default" / "startup"
    startup.mkdir(parents=True, exist_ok=True)
    (startup / "00-course-alt-text.py").write_text(STARTUP)
    os.environ["IPYTHONDIR"] = str(ipython_dir)  # inherited by the kernels nbval starts


def _is_cell(item):
    return type(item).__name__ == "IPyNbCell"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    """Once nbval has started a notebook's kernel, listen to what it sends and to what nbval asks it."""
    yield
    folder = item.config.getoption("executed_dir")
    notebook = item.parent
    if not folder or not _is_cell(item) or hasattr(notebook, "course_recorder"):
        return
    recorder = notebook.course_recorder = Recorder()
    notebook.course_outputs = {}
    receive, kernel = notebook.get_kernel_message, notebook.kernel
    execute = kernel.execute_cell_input

    def get_kernel_message(*args, **kwargs):
        msg = receive(*args, **kwargs)
        if kwargs.get("stream", "iopub") == "iopub":
            recorder.handle(msg)
        return msg

    def execute_cell_input(*args, **kwargs):
        msg_id = execute(*args, **kwargs)
        recorder.start_cell(msg_id)
        notebook.course_running = msg_id
        return msg_id

    notebook.get_kernel_message = get_kernel_message
    kernel.execute_cell_input = execute_cell_input


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A notebook with a failing cell is not written: its old copy, if any, is removed, so it counts as stale."""
    outcome = yield
    if outcome.get_result().failed and hasattr(item.parent, "course_recorder"):
        item.parent.course_failed = True


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After each cell keep its outputs; after a notebook's last cell write the executed notebook."""
    notebook = item.parent
    recorder = getattr(notebook, "course_recorder", None)
    if recorder is not None and _is_cell(item):
        running = getattr(notebook, "course_running", None)
        if running in recorder.cells:
            notebook.course_outputs[item.cell.get("id")] = recorder.cells[running].outputs
        folder = Path(item.config.getoption("executed_dir"))
        if (nextitem is None or nextitem.parent is not notebook) and getattr(notebook, "course_failed", False):
            (folder / Path(str(notebook.fspath)).name).unlink(missing_ok=True)
        elif nextitem is None or nextitem.parent is not notebook:
            write_executed(Path(str(notebook.fspath)), notebook.course_outputs, recorder, folder)
    yield
