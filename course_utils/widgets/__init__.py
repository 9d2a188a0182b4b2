"""Interactive explorers, one module per chapter (like `exercises/` and `figures/`).

Each widget is a thin ipywidgets front-end over pure functions, so its logic is tested without a browser.
A widget is a public `*_explorer` function; `*_explorer_demo()` builds it without arguments where it needs
a model (tests/widget_discovery.py finds them all). Everything public is re-exported here, so a notebook
writes `widgets.neuron_explorer()`. Only notebooks import this package.

ch01 neuron_explorer · ch02 truncation_explorer · ch03 gradient_explorer · ch04 gate_explorer ·
ch05 receptive_field_explorer · ch06 neighbours_explorer · ch07 date_attention_explorer ·
ch08 text_generation_explorer · ch09 scan_explorer
"""

from course_utils.widgets.ch01 import SIGNALS, input_signal, neuron_explorer, neuron_response, pulse_memory
from course_utils.widgets.ch02 import truncation_explorer, truncation_reach
from course_utils.widgets.ch03 import gradient_explorer, gradient_norm_curve
from course_utils.widgets.ch04 import EVENTS, gate_explorer, gate_response, gate_signal, memory_steps
from course_utils.widgets.ch05 import DILATION_SCHEDULES, dilation_schedule, receptive_field_explorer
from course_utils.widgets.ch06 import analogy_html, neighbours_explorer, neighbours_explorer_demo, neighbours_html
from course_utils.widgets.ch07 import date_attention_explorer, date_attention_explorer_demo, demo_model
from course_utils.widgets.ch08 import (
    DEMO_CHARS,
    activation_html,
    generation_view,
    sample_html,
    text_generation_explorer,
    text_generation_explorer_demo,
)
from course_utils.widgets.ch09 import scan_explorer, scan_view
