"""What every checker does, whatever its chapter: report "not implemented" and accept a correct solution.

The per-chapter files (test_exercises_chNN.py) test the wrong answers: each classic mistake gets its hint.
"""

import pickle
import random

import numpy as np
import pytest
import test_exercises_ch01 as ch01
import test_exercises_ch02 as ch02
import test_exercises_ch03 as ch03
import test_exercises_ch04 as ch04
import test_exercises_ch05 as ch05
import test_exercises_ch06 as ch06
import test_exercises_ch07 as ch07
import test_exercises_ch08 as ch08
import test_exercises_ch09 as ch09
import torch
from checker_asserts import accepts, fails_with

from course_utils import exercises as ex

# every chapter's checker, as the notebooks see it (the engine's own functions are left out)
CHECKERS = [name for name in ex.__all__ if getattr(ex, name).__module__.startswith("course_utils.exercises.ch")]

# one correct solution per checker, written the way a student would (in the chapter's test file)
SOLUTIONS = {
    "check_rnn_step": ch01.good_step,
    "check_rnn_layer": ch01.good_layer,
    "check_naive_forecast": ch01.good_naive,
    "check_iterative_forecast": ch01.good_iterative,
    "check_rnn_step_backward": ch02.good_step_backward,
    "check_numerical_gradient": ch02.make_numerical_gradient(),
    "check_bptt": ch02.make_bptt(),
    "check_clip_by_norm": ch02.good_clip,
    "check_scalar_gradient": ch03.good_scalar_gradient,
    "check_step_jacobian": ch03.good_step_jacobian,
    "check_jacobian_to_end": ch03.good_jacobian_to_end,
    "check_gradient_reach": ch03.good_reach,
    "check_lstm_step": ch04.make_lstm_step(),
    "check_gru_step": ch04.make_gru_step(),
    "check_parameter_count": ch04.good_count,
    "check_set_forget_bias": ch04.make_set_forget_bias(),
    "check_conv_matrix": ch05.good_conv_matrix,
    "check_output_length": ch05.good_length,
    "check_causal_conv": ch05.good_causal_loops,
    "check_receptive_field": ch05.good_field,
    "check_skipgram_pairs": ch06.good_pairs_loops,
    "check_negative_sampling": ch06.good_ns,
    "check_nearest_neighbours": ch06.good_nn,
    "check_sparse_sgd_step": ch06.good_sparse_step,
    "check_masked_softmax": ch07.make_softmax(),
    "check_additive_context": ch07.good_additive_loops,
    "check_decoder_step": ch07.good_decoder_step,
    "check_dot_product_attention": ch07.good_attention_einsum,
    "check_stream_batches": ch08.good_streams_loops,
    "check_temperature_probs": ch08.good_temperature,
    "check_bits_per_char": ch08.good_bits,
    "check_top_p_filter": ch08.good_top_p,
    "check_combine": ch09.good_combine,
    "check_scan_sweep": ch09.good_sweep,
    "check_mingru_step": ch09.good_mingru_step,
    "check_linear_attention_recurrent": ch09.good_linear_attention,
}


def checker(name):
    """The checker as the notebook calls it (the decoder step's checker also takes the notebook's model)."""
    if name == "check_decoder_step":
        model = ch07.step_model()  # built (and seeded) before the checker runs, as in the notebook's cell
        return lambda fn: ex.check_decoder_step(fn, model)
    return getattr(ex, name)


def todo(*args, **kwargs):
    raise NotImplementedError("your code here")


def global_random_state():
    return pickle.dumps((random.getstate(), np.random.get_state(), torch.random.get_rng_state().numpy()))


def test_every_checker_has_a_solution_here():
    assert len(CHECKERS) == 36  # four in every chapter
    assert sorted(SOLUTIONS) == sorted(CHECKERS)


@pytest.mark.parametrize("name", CHECKERS)
def test_checker_reports_not_implemented(name):
    message = fails_with(checker(name), todo, "not implemented yet",
                         "Replace the `raise NotImplementedError(...)` line")
    assert "case" not in message.splitlines()[0]  # the verdict names the exercise, not a case
    assert "Traceback" not in message


@pytest.mark.parametrize("name", CHECKERS)
def test_checker_accepts_a_correct_solution(name, capsys):
    accepts(checker(name), SOLUTIONS[name], capsys)


@pytest.mark.parametrize("name", CHECKERS)
def test_checker_leaves_the_global_random_state_where_a_stub_leaves_it(name, capsys):
    """In the student edition a checker stops at its verdict. One that drew from the global generators only
    after calling the student's function would leave them elsewhere than in the instructor's run, and every
    later cell of the student edition would get other random numbers than the notebook it was tested as."""
    ends = []
    for attempt in (SOLUTIONS[name], todo):
        run = checker(name)
        torch.manual_seed(0), np.random.seed(0), random.seed(0)
        try:
            run(attempt)
        except ex.ExerciseFailed:
            assert attempt is todo
        ends.append(global_random_state())
    assert ends[0] == ends[1], f"{name} leaves the global random state elsewhere when it is solved"


@pytest.mark.parametrize("name", CHECKERS)
def test_checker_leaves_the_global_random_state_untouched(name, capsys):
    """Stricter than the test above: solved or not, a checker draws its cases from its own generators, so the
    student's global generators are where the student left them (no reseeding behind the student's back)."""
    run = checker(name)  # the decoder step's model is built (and seeded) before, as in the notebook
    torch.manual_seed(0), np.random.seed(0), random.seed(0)
    before = global_random_state()
    run(SOLUTIONS[name])
    assert global_random_state() == before, f"{name} moved or reseeded the student's global random generators"
