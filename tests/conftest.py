"""Shared test set-up."""

import pytest
import torch


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Tiny models train fastest on one thread; two threads fight the other test worker for the 2 cores."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


# The longest tests (a whole student notebook, the browser, the hub and nbgrader rounds) and the slowest modules
# (figures, slide renders) start first: under `pytest -n 2 --dist loadscope` each module goes whole to one worker,
# in this order, so the two workers then finish together instead of one waiting for the other's last module.
SLOW_FIRST = ("test_student_edition.py::test_student_notebook", "test_widgets_in_browser.py",
              "test_hub.py::test_two_students", "test_classroom.py::test_nbgrader_grades", "test_figures.py",
              "test_slides.py")


def pytest_collection_modifyitems(items):
    items.sort(key=lambda item: not any(s in item.nodeid for s in SLOW_FIRST))  # stable: order kept otherwise
