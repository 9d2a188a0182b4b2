"""Chapter 09's torch models: minGRU's char model (scan = loop, state carried = one long pass), the causal
transformer (chapter 07's nn.MultiheadAttention, the cache = the full pass), both drop-ins for chapter 08's loop."""

import numpy as np
import pytest
import torch

from course_utils.models import char_model, char_transformer, recurrence_today
from course_utils.models.mingru import MinGRUCharModel
from course_utils.nlp.vocab import CharVocab

VOCAB = CharVocab.from_text("abcdefghij \n.")
TEXT = "abc defg hij.\n" * 40


def ids(N, T, seed=0):
    return torch.from_numpy(np.random.default_rng(seed).integers(0, VOCAB.V, size=(N, T)))


def test_mingru_char_model_scan_equals_loop_and_carrying_the_state_equals_one_pass():
    torch.manual_seed(0)
    model = MinGRUCharModel(VOCAB, 8, n_layers=2, embed_dim=4).double()
    x = ids(3, 30)
    whole, state = model(x)
    model.parallel = False
    np.testing.assert_allclose(model(x)[0].detach().numpy(), whole.detach().numpy(), atol=1e-12)
    model.parallel = True
    first, s = model(x[:, :11])
    second, _ = model(x[:, 11:], s)
    np.testing.assert_allclose(torch.cat([first, second], 1).detach().numpy(), whole.detach().numpy(), atol=1e-12)
    assert len(state) == 2 and state[0].shape == (3, 8)


def test_self_attention_is_chapter_07s_multihead_attention_made_causal():
    torch.manual_seed(1)
    mha = torch.nn.MultiheadAttention(8, 2, batch_first=True).double()
    with torch.no_grad():
        for p in mha.parameters():
            p.normal_(0, 0.5)
    x = torch.randn(2, 6, 8, dtype=torch.float64)
    ignore_future = torch.ones(6, 6, dtype=torch.bool).triu(1)  # torch's attn_mask: True = may NOT attend
    want, _ = mha(x, x, x, attn_mask=ignore_future, need_weights=False)
    got, (K, V) = char_transformer.self_attention(mha, x)
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), atol=1e-12)
    assert K.shape == V.shape == (2, 2, 6, 4)


def test_transformer_with_its_cache_equals_the_full_pass():
    torch.manual_seed(2)
    model = char_transformer.TransformerCharModel(VOCAB, 16, n_layers=2, heads=2).double().eval()
    x = ids(2, 12)
    whole, _ = model(x)
    logits, cache = model(x[:, :5])
    parts = [logits]
    for t in range(5, 9):  # one position at a time, as generate does
        logits, cache = model(x[:, t : t + 1], cache)
        parts.append(logits)
    logits, cache = model(x[:, 9:], cache)  # and a chunk of three after a cache
    parts.append(logits)
    np.testing.assert_allclose(torch.cat(parts, 1).detach().numpy(), whole.detach().numpy(), atol=1e-10)
    assert cache[0][0].shape == (2, 2, 12, 8)
    changed = x.clone()
    changed[:, 8:] = 0
    np.testing.assert_allclose(model(changed)[0][:, :8].detach().numpy(), whole[:, :8].detach().numpy(), atol=1e-12)


def test_positions_are_sinusoids_of_any_start():
    pos = char_transformer.sinusoidal_positions(0, 10, 6)
    np.testing.assert_allclose(char_transformer.sinusoidal_positions(4, 3, 6).numpy(), pos[4:7].numpy(), atol=1e-6)
    np.testing.assert_allclose(pos[:, 0].numpy(), np.sin(np.arange(10)), atol=1e-6)
    np.testing.assert_allclose(pos[:, 1].numpy(), np.cos(np.arange(10)), atol=1e-6)


@pytest.mark.parametrize("kind", recurrence_today.MODELS)
def test_each_model_trains_scores_and_writes_with_chapter_08s_tools(kind):
    torch.manual_seed(3)
    config = recurrence_today.ModelConfig(lstm_H=16, mingru_H=16, transformer_E=16, heads=2, embed_dim=8)
    model = recurrence_today.build(kind, VOCAB, config)
    data = VOCAB.encode(TEXT)
    before = char_model.evaluate_bpc(model, data, batch_size=4, T=20)
    history = char_model.fit(model, data, char_model.CharRecipe(steps=60, batch_size=4, T=20, lr=1e-2),
                             progress=False)
    after = char_model.evaluate_bpc(model, data, batch_size=4, T=20)
    assert after < before - 1.0, (kind, before, after)  # a repeated phrase is learnt quickly
    assert len(history.loss) == 60
    text = char_model.generate(model, "ab", 30, seed=1)
    assert len(text) == 30 and text == char_model.generate(model, "ab", 30, seed=1)
    assert set(text) <= set(VOCAB.chars)


def test_the_transformers_cache_is_not_carried_between_windows():
    torch.manual_seed(4)
    model = char_transformer.TransformerCharModel(VOCAB, 16, n_layers=1, heads=2)
    data = VOCAB.encode(TEXT)
    positions, bits = char_model.position_bits(model, data, batch_size=2, T=10)
    X, Y = char_model.stream_batches(data, 2, 10)
    with torch.no_grad():  # each window alone, from an empty cache
        alone = [torch.nn.functional.cross_entropy(model(torch.from_numpy(x))[0].transpose(1, 2),
                                                   torch.from_numpy(y), reduction="none") for x, y in zip(X, Y)]
    np.testing.assert_allclose(bits.mean(), torch.stack(alone).mean().item() / np.log(2), rtol=1e-6)
    assert not char_model.carries_state(model) and char_model.carries_state(MinGRUCharModel(VOCAB, 4))


def test_generation_cost_state_sizes():
    torch.manual_seed(5)
    config = recurrence_today.ModelConfig(lstm_H=8, mingru_H=8, mingru_layers=2, transformer_E=8, transformer_layers=2,
                                          heads=2, embed_dim=4)
    lengths = (10, 100, 400)
    sizes = {kind: [n for _, n in recurrence_today.generation_cost(recurrence_today.build(kind, VOCAB, config),
                                                                     lengths, n_new=3).values()]
             for kind in recurrence_today.MODELS}
    assert sizes["lstm"] == [16] * 3  # h and c
    assert sizes["mingru"] == [16] * 3  # two layers' h
    assert sizes["transformer"] == [2 * 2 * 8 * n for n in lengths]  # layers x (K, V) x E x positions


def test_time_per_update_leaves_the_model_alone_and_steps_follow_the_budget():
    torch.manual_seed(6)
    model = MinGRUCharModel(VOCAB, 8)
    before = [p.detach().clone() for p in model.parameters()]
    seconds = recurrence_today.time_per_update(model, 16, batch_size=2, repeats=2)
    assert seconds > 0 and all(torch.equal(a, b) for a, b in zip(before, model.parameters()))
    recipe = char_model.CharRecipe(batch_size=2, T=16)
    assert recurrence_today.steps_for_seconds(model, recipe, 1e-9) == 1
    assert recurrence_today.steps_for_seconds(model, recipe, 100 * seconds) > 10


def test_bad_arguments():
    with pytest.raises(ValueError, match="kind must be one of"):
        recurrence_today.build("rwkv", VOCAB)
    with pytest.raises(ValueError, match="E must split"):
        char_transformer.TransformerCharModel(VOCAB, 10, heads=4)
    with pytest.raises(ValueError, match="vocab must be a CharVocab"):
        MinGRUCharModel("abc")
    with pytest.raises(ValueError, match="model must be a CharModel"):
        char_model.generate(torch.nn.Linear(2, 2), "a", 3)


@pytest.mark.parametrize("kind", recurrence_today.MODELS)
def test_save_and_load_round_trip(kind, tmp_path):
    torch.manual_seed(7)
    config = recurrence_today.ModelConfig(lstm_H=8, mingru_H=8, transformer_E=8, heads=2, embed_dim=4)
    model = recurrence_today.build(kind, VOCAB, config).eval()
    recurrence_today.save(model, tmp_path / "m.pt", valid_bpc=1.5)
    again, extra = recurrence_today.load(tmp_path / "m.pt")
    assert type(again) is type(model) and extra == {"valid_bpc": 1.5}
    x = ids(2, 9)
    np.testing.assert_allclose(again(x)[0].detach().numpy(), model.half().float()(x)[0].detach().numpy(), atol=1e-5)


def test_scan_against_loop_times_all_three():
    cpu = recurrence_today.scan_against_loop(32, N=2, H=4, repeats=1)
    assert set(cpu) == {"scan", "loop", "lstm"} and all(v >= 0 for v in cpu.values())
