"""Every widget of the course, driven in a real browser: JupyterLab 4 in headless Chromium.

For each widget found by `widget_discovery` (public `*_explorer` functions in course_utils, built by
`<name>_demo()` where one exists), a generated notebook builds it; the test runs the notebook in
JupyterLab, moves the widget's first slider (keyboard arrow on the focused handle) or types into its
first text box, and asserts that what the widget draws -- the images and text of its output area, not
the controls, whose readouts move too -- changed.

One JupyterLab server and one notebook serve all widgets (one kernel start). JupyterLab listens on
127.0.0.1 with a random token; its settings turn windowing off (`windowingMode: none`: otherwise
cells outside the viewport are not in the page) and start from an empty workspace (otherwise tabs
of earlier runs are restored). JupyterLab 4 exposes no `window.jupyterapp`: the test uses the menus.

Chromium is Debian's (`apt-get install chromium`), driven through Playwright's Python package with
`executable_path`; Playwright downloads no browser. Skipped, with a message, where Chromium is absent.
"""

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from widget_discovery import discover

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
WIDGETS = discover()
SETUP = ("%matplotlib inline\nimport sys\nimport matplotlib\n"
         "matplotlib.rcParams['figure.dpi'] = 50  # small images: quick to send\nprint(sys.executable)")
# What a widget draws: the outputs inside its Output widgets (plots, printed text) and any Image or HTML
# widget, as text and image data; tracebacks (stderr) are collected apart, so an error never counts as a redraw.
DRAWN_JS = """cell => {
    const outs = [...cell.querySelectorAll(
        '.widget-output .jp-OutputArea-output, .widget-image, .widget-html-content')];
    const isError = o => o.dataset.mimeType === 'application/vnd.jupyter.stderr';
    const content = o => o.innerText + (o.tagName === 'IMG' ? o.src : '')
        + [...o.querySelectorAll('img')].map(i => i.src).join('|');
    return {drawn: outs.filter(o => !isError(o)).map(content).join('\\n'),
            errors: outs.filter(isError).map(o => o.innerText).join('\\n')};
}"""
# The first control a student would move: a slider handle or a text box.
CONTROL = ".noUi-handle[role=slider], .widget-text input, .widget-textarea textarea"
TIMEOUT_MS = 60_000


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_settings(settings_dir):
    """JupyterLab user settings: no windowing (every cell in the page), no news or update pop-ups."""
    files = {
        "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
        "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                            "checkForUpdates": False},
    }
    for name, content in files.items():
        path = settings_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content))


def widget_notebook(widgets):
    """A notebook: one set-up cell, then one cell per widget that builds it."""
    cells = [SETUP] + [f"from {w.module} import {w.builder}\n{w.builder}()" for w in widgets]
    return {"cells": [{"cell_type": "code", "id": f"c{i}", "metadata": {}, "source": s, "outputs": [],
                       "execution_count": None} for i, s in enumerate(cells)],
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
            "nbformat": 4, "nbformat_minor": 5}


class JupyterLab:
    """`python -m jupyterlab` on 127.0.0.1 with a token, in its own folders; stopped on exit."""

    def __init__(self, tmp):
        self.root, settings, workspaces, data = tmp / "root", tmp / "settings", tmp / "workspaces", tmp / "data"
        for d in (self.root, settings, workspaces):
            d.mkdir()
        write_settings(settings)
        # The kernel runs this Python (a kernelspec first on JUPYTER_PATH beats any installed elsewhere).
        spec = data / "kernels" / "python3" / "kernel.json"
        spec.parent.mkdir(parents=True)
        spec.write_text(json.dumps({"argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                                    "display_name": "Python 3", "language": "python"}))
        self.port, self.token = free_port(), secrets.token_hex(16)
        env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(settings), JUPYTERLAB_WORKSPACES_DIR=str(workspaces),
                   JUPYTER_PATH=os.pathsep.join([str(data), *filter(None, [os.environ.get("JUPYTER_PATH")])]))
        root_flag = ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
        self.log = tmp / "jupyterlab.log"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={self.port}",
             f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.root}", *root_flag],
            env=env, stdout=self.log.open("w"), stderr=subprocess.STDOUT)

    def wait_until_up(self, seconds=120):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with {self.process.returncode}:\n{self.log.read_text()[-3000:]}")
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/status?token={self.token}", timeout=2)
                return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"JupyterLab did not answer within {seconds} s:\n{self.log.read_text()[-3000:]}")

    def url(self, notebook):
        return f"http://127.0.0.1:{self.port}/lab/tree/{notebook}?token={self.token}"

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def move_first_control(cell):
    """Move the cell's first slider one step (keyboard) or type into its first text box.
    Returns a description of what was done, or None when the cell has no such control."""
    controls = cell.locator(CONTROL)
    if controls.count() == 0:
        return None
    control = controls.first
    if control.get_attribute("role") == "slider":
        before = control.get_attribute("aria-valuenow")
        at_max = before == control.get_attribute("aria-valuemax")
        control.focus()
        control.press("ArrowLeft" if at_max else "ArrowRight")
        after = wait_for(lambda: (now := control.get_attribute("aria-valuenow")) != before and now, 10)
        return f"slider {before} -> {after}" if after else f"slider stuck at {before} after an arrow key"
    value = control.input_value()
    new = str(float(value) + 1) if control.get_attribute("type") == "number" else value + "a"
    control.fill(new)
    control.press("Enter")
    return f"text box {value!r} -> {new!r}"


def wait_for(predicate, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.2)
    return None


def check_widget(cell, widget):
    """None if the widget redraws when its first control moves, else what went wrong."""
    state = lambda: cell.evaluate(DRAWN_JS)  # noqa: E731
    before = wait_for(lambda: state()["drawn"], 60)
    if before is None:
        stderr = cell.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
        shown = "\n".join(stderr.all_inner_texts())[-1500:] or "(no error shown)"
        return f"{widget.label}: `{widget.builder}()` drew nothing within 60 s:\n{shown}"
    moved = move_first_control(cell)
    if moved is None:
        return f"{widget.label}: no slider or text box found to move"
    if wait_for(lambda: (now := state()["drawn"]) and now != before, 30) is None:
        errors = state()["errors"][-1500:]
        return (f"{widget.label}: moving its first control ({moved}) did not change what it draws within 30 s"
                + (f"; the redraw raised:\n{errors}" if errors else ""))
    return None


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium not found (apt-get install chromium): widgets not tested "
                                             "in a browser")
def test_every_widget_redraws_when_its_first_control_moves(tmp_path):
    from playwright.sync_api import sync_playwright

    assert WIDGETS, "no widget discovered"
    lab = JupyterLab(tmp_path)
    (lab.root / "widgets.ipynb").write_text(json.dumps(widget_notebook(WIDGETS)))
    problems = []
    try:
        lab.wait_until_up()
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(lab.url("widgets.ipynb"))
            page.get_by_text("| Idle").wait_for()  # the kernel is up
            page.click(".lm-MenuBar-itemLabel:text-is('Run')")
            page.click(".lm-Menu-itemLabel:text-is('Run All Cells')")
            cells = page.locator(".jp-Notebook .jp-CodeCell")
            setup_output = cells.first.locator(".jp-OutputArea-output")
            setup_output.wait_for()
            assert setup_output.inner_text().strip() == sys.executable, "the kernel runs another Python"
            for i, widget in enumerate(WIDGETS, start=1):
                problem = check_widget(cells.nth(i), widget)
                if problem:
                    problems.append(problem)
            if problems:
                page.screenshot(path=tmp_path / "failure.png", full_page=True)
            browser.close()
    finally:
        lab.stop()
    assert not problems, "\n".join(problems) + f"\n(screenshot and server log in {tmp_path})"
