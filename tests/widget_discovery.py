"""Find every widget the course offers, so tests cover widgets added later without edits.

A widget is a public function named `*_explorer` in any `course_utils` module. It is built by
`<name>_demo()` when the module defines one (a small, even untrained model), else by `<name>()`.
"""

import importlib
import inspect
import pkgutil
from typing import NamedTuple

import course_utils


class Widget(NamedTuple):
    module: str  # e.g. "course_utils.widgets"
    name: str  # e.g. "neuron_explorer"
    builder: str  # the function that builds it without arguments: name or name + "_demo"

    @property
    def label(self):
        return f"{self.module}.{self.name}"

    def build(self):
        return getattr(importlib.import_module(self.module), self.builder)()


def course_modules():
    """Every module of the course_utils package (imported), except `__main__` entry points."""
    names = [m.name for m in pkgutil.walk_packages(course_utils.__path__, "course_utils.")]
    return [importlib.import_module(n) for n in sorted(names) if not n.endswith("__main__")]


def discover():
    """Every `*_explorer` function defined in a course_utils module, sorted by module and name."""
    found = []
    for module in course_modules():
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("_") or not name.endswith("_explorer") or fn.__module__ != module.__name__:
                continue  # private, not a widget, or imported from another module (counted there)
            demo = getattr(module, name + "_demo", None)
            found.append(Widget(module.__name__, name, name + "_demo" if callable(demo) else name))
    return found
