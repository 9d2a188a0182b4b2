"""attention_experiments on tiny setups: the helpers train, score by length and measure padding honestly."""

import numpy as np
import pytest

from course_utils.models import attention_experiments as ax
from course_utils.models import seq2seq, training

TINY = training.Recipe(epochs=1, batch_size=64, max_lr=1e-2, clip_norm=1.0)


def test_fit_reversal_and_scores_by_length():
    setup = ax.ReversalSetup(max_len=4, n_train=256, hidden=8, embed=4, recipe=TINY)
    model, history = ax.fit_reversal("general", setup, progress=False)
    assert len(history.train_loss) == 1 and model.config.attention == "general"
    table = ax.scores_by_length(model, [2, 6], n=20)
    assert set(table) == {2, 6}
    for scores in table.values():
        assert 0.0 <= scores.exact <= scores.per_token <= 1.0 and len(scores.predictions) == 20


def test_unpadded_scores_equal_padded_ones_for_a_masked_model_only():
    _, test, src_vocab, tgt_vocab = ax.date_sets(10, n_test=60)
    setup = ax.DateSetup(n_train=128, hidden=8, embed=4, recipe=TINY)
    masked, _ = ax.fit_dates(setup, progress=False)
    exact, predictions = ax.score_unpadded(masked, test, tgt_vocab)
    padded = seq2seq.score(masked, test, tgt_vocab)
    assert predictions == padded.predictions and exact == pytest.approx(padded.exact)
    assert ax.padding_weight(masked, test) == 0.0

    unmasked, _ = ax.fit_dates(setup, mask_padding=False, progress=False)
    _, predictions = ax.score_unpadded(unmasked, test, tgt_vocab)
    assert predictions != seq2seq.score(unmasked, test, tgt_vocab).predictions  # padding changes answers
    assert ax.padding_weight(unmasked, test) > 0.01
    assert len(test.src_len) == 60 and np.unique(test.src_len).size > 5  # many lengths: much padding


def test_date_alignment_returns_one_heatmap_per_text():
    setup = ax.DateSetup(n_train=128, hidden=8, embed=4, recipe=TINY)
    rows = ax.date_alignment(["Mon 22 Apr 2019", "3.1.1807"], setup)
    assert [text for text, _, _ in rows] == ["Mon 22 Apr 2019", "3.1.1807"]
    for text, answer, weights in rows:
        assert isinstance(answer, str) and weights.shape[1] == len(text)
        np.testing.assert_allclose(weights.sum(axis=1), 1.0, atol=1e-5)


def test_fit_reversal_seeds_inside_and_leaves_the_callers_streams_alone():
    import torch

    setup = ax.ReversalSetup(max_len=3, n_train=64, hidden=8, embed=4, recipe=TINY)
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    first, _ = ax.fit_reversal(None, setup, seed=2, progress=False)
    assert torch.equal(torch.rand(3), expected)
    second, _ = ax.fit_reversal(None, setup, seed=2, progress=False)  # from another caller state: same model
    assert all(torch.equal(a, b) for a, b in zip(first.state_dict().values(), second.state_dict().values()))


def test_position_accuracy_counts_each_output_position_against_the_targets(monkeypatch):
    """An oracle 'model' that answers the targets with position 2 always wrong and position 0 wrong on half."""
    length, n = 6, 40
    dataset, _ = ax._reversal_test_set(length, n, seed=100)

    def fake_predict(model, data):
        tokens = data.tgt.copy()
        tokens[:, 2] = np.where(tokens[:, 2] == 5, 6, 5)  # a digit index that is never the target's
        tokens[::2, 0] = np.where(tokens[::2, 0] == 5, 6, 5)
        return tokens, None

    monkeypatch.setattr(ax.seq2seq, "predict", fake_predict)
    accuracy = ax.position_accuracy(object(), length, n=n)
    np.testing.assert_array_equal(accuracy, [0.5, 1, 0, 1, 1, 1])
    assert dataset.inputs[0][::-1] == dataset.targets[0]  # position i writes input position length - 1 - i


def test_position_accuracy_agrees_with_per_character_scores_and_rejects_a_bad_length():
    setup = ax.ReversalSetup(max_len=4, n_train=256, hidden=8, embed=4, recipe=TINY)
    model, _ = ax.fit_reversal(None, setup, progress=False)
    accuracy = ax.position_accuracy(model, 5, n=30)
    scores = ax.scores_by_length(model, [5], n=30)[5]
    assert accuracy.shape == (5,) and scores.exact <= accuracy.min()  # an exact answer is right everywhere
    eos_right = scores.per_token * 6 - accuracy.sum()  # per_token counts 5 digits and the <eos> of each string
    assert -1e-9 <= eos_right <= 1 + 1e-9
    with pytest.raises(ValueError, match="length must be a positive int, got 0"):
        ax.position_accuracy(model, 0)


def test_fit_dates_one_way_encoder_has_no_right_to_left_gru():
    setup = ax.DateSetup(n_train=64, hidden=8, embed=4, recipe=TINY)
    one_way, _ = ax.fit_dates(setup, bidirectional=False, progress=False)
    both, _ = ax.fit_dates(setup, progress=False)
    assert not one_way.config.bidirectional and not hasattr(one_way, "encoder_back")
    assert one_way.encoder.hidden_size == 8 and both.encoder.hidden_size == 4 and hasattr(both, "encoder_back")
