"""Every widget the course offers is found and builds without a browser (the browser test relies on both)."""

import ipywidgets
import pytest
from widget_discovery import discover

WIDGETS = discover()
CONTROLS = (ipywidgets.widgets.widget_int._Int, ipywidgets.widgets.widget_float._Float,
            ipywidgets.Text, ipywidgets.Textarea)


def first_control(widget):
    """The first slider or text box in the widget tree (depth first), as the browser test moves it."""
    if isinstance(widget, CONTROLS):
        return widget
    for child in getattr(widget, "children", ()):
        found = first_control(child)
        if found is not None:
            return found
    return None


def test_the_course_widgets_are_discovered():
    labels = {w.label for w in WIDGETS}
    expected = {"ch01": "neuron_explorer", "ch02": "truncation_explorer", "ch03": "gradient_explorer",
                "ch04": "gate_explorer", "ch05": "receptive_field_explorer", "ch06": "neighbours_explorer",
                "ch07": "date_attention_explorer", "ch08": "text_generation_explorer"}
    assert {f"course_utils.widgets.{ch}.{name}" for ch, name in expected.items()} <= labels


@pytest.mark.parametrize("widget", WIDGETS, ids=lambda w: w.label)
def test_every_widget_builds_and_has_a_control_to_move(widget):
    built = widget.build()
    assert isinstance(built, ipywidgets.Widget), f"{widget.builder}() returned {type(built).__name__}, not a widget"
    assert first_control(built) is not None, f"{widget.label}: no slider or text box to move"
