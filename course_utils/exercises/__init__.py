"""Checkers for the notebooks' exercises.

Each checker calls the student's function on several seeded cases, compares the result with the
course's reference, and answers like a patient teaching assistant: which case failed, what was
expected, and -- when the wrong answer matches a classic mistake -- a hint naming that mistake.
A failure raises `ExerciseFailed`, which Jupyter shows as the message alone, without a traceback
into this module. A pass prints one line and returns True.

The engine lives in `engine` (`check_outputs`, `check_function`, `check_number`, `check_gradient_dict`,
`call_on_copy`, `close`); each chapter's checkers in `ch01`, `ch02`, ... are a reference, seeded cases and
a table of `Mistake`s handed to it. Notebooks call them from here, e.g. `exercises.check_rnn_step(rnn_step)`.

What a checker compares against (one policy for the course):

- Chapters 01-05 check against the package's own numpy layers (`rnn`, `lstm`, `gru`, `conv1d`,
  `gradients`) wherever one computes the answer; a formula no layer holds (a forecast baseline, a
  parameter count, a product of Jacobians) is written out in the checker. Those layers are the course's
  reference implementations, proven equal to PyTorch and to finite differences by their own tests, so
  grading against them adds no second copy that could drift.
- Chapters 06-09 check against references written out in the checker module (a few lines each). Their
  exercises re-derive the layer the chapter teaches (word2vec's negative sampling, attention, the stream
  batcher, bits per character), so grading against that same code would let a slip in it pass a wrong
  answer; the checkers' tests compare these references with torch instead.
"""

from course_utils.exercises.ch01 import check_iterative_forecast, check_naive_forecast, check_rnn_layer, check_rnn_step
from course_utils.exercises.ch02 import (
    check_bptt,
    check_clip_by_norm,
    check_numerical_gradient,
    check_rnn_step_backward,
)
from course_utils.exercises.ch03 import (
    check_gradient_reach,
    check_jacobian_to_end,
    check_scalar_gradient,
    check_step_jacobian,
)
from course_utils.exercises.ch04 import check_gru_step, check_lstm_step, check_parameter_count, check_set_forget_bias
from course_utils.exercises.ch05 import check_causal_conv, check_conv_matrix, check_output_length, check_receptive_field
from course_utils.exercises.ch06 import (
    check_nearest_neighbours,
    check_negative_sampling,
    check_skipgram_pairs,
    check_sparse_sgd_step,
)
from course_utils.exercises.ch07 import (
    check_additive_context,
    check_decoder_step,
    check_dot_product_attention,
    check_masked_softmax,
)
from course_utils.exercises.ch08 import (
    check_bits_per_char,
    check_stream_batches,
    check_temperature_probs,
    check_top_p_filter,
)
from course_utils.exercises.ch09 import (
    check_combine,
    check_linear_attention_recurrent,
    check_mingru_step,
    check_scan_sweep,
)
from course_utils.exercises.engine import (
    Case,
    ExerciseFailed,
    Mistake,
    call_on_copy,
    check_function,
    check_gradient_dict,
    check_number,
    check_outputs,
    close,
)

__all__ = [
    "Case", "ExerciseFailed", "Mistake", "call_on_copy", "check_function", "check_gradient_dict", "check_number",
    "check_outputs", "close",
    "check_rnn_step", "check_rnn_layer", "check_naive_forecast", "check_iterative_forecast",
    "check_rnn_step_backward", "check_numerical_gradient", "check_bptt", "check_clip_by_norm",
    "check_scalar_gradient", "check_step_jacobian", "check_jacobian_to_end", "check_gradient_reach",
    "check_lstm_step", "check_gru_step", "check_set_forget_bias", "check_parameter_count",
    "check_conv_matrix", "check_output_length", "check_causal_conv", "check_receptive_field",
    "check_skipgram_pairs", "check_negative_sampling", "check_nearest_neighbours", "check_sparse_sgd_step",
    "check_masked_softmax", "check_additive_context", "check_dot_product_attention", "check_decoder_step",
    "check_stream_batches", "check_temperature_probs", "check_top_p_filter", "check_bits_per_char",
    "check_combine", "check_scan_sweep", "check_mingru_step", "check_linear_attention_recurrent",
]
