"""The hand-written backward pass against central finite differences in float64, and the trainer pieces."""
from __future__ import annotations

import numpy as np

from llmreel.model.backprop import forward_batch, loss_and_grads
from llmreel.model.config import PRESETS, GPTConfig
from llmreel.model.gpt import forward
from llmreel.model.train import all_inputs, lr_at, make_examples, sort_accuracy, teacher_forced_correct
from llmreel.model.weights import init_params

SMALL = GPTConfig(n_layer=2, n_head=2, n_embd=8, vocab_size=3, block_size=7)


def _params64(cfg, seed):
    rng = np.random.default_rng(seed)
    return {k: v.astype(np.float64) + rng.normal(0, 0.3, v.shape) for k, v in init_params(cfg, seed).items()}


def test_gradients_match_finite_differences_for_every_parameter():
    rng = np.random.default_rng(0)
    params = _params64(SMALL, 0)
    idx = rng.integers(0, 3, (3, 7))
    tgt = rng.integers(0, 3, (3, 7))
    tgt[:, :2] = -1                                                  # ignored positions, as minGPT's -1
    loss, grads = loss_and_grads(params, SMALL, idx, tgt)
    assert set(grads) == set(params)
    eps = 1e-6
    for name, p in params.items():
        assert grads[name].shape == p.shape and grads[name].dtype == np.float64
        cells = {tuple(int(rng.integers(0, s)) for s in p.shape) for _ in range(6)}
        for cell in cells:
            old = p[cell]
            p[cell] = old + eps
            up = loss_and_grads(params, SMALL, idx, tgt)[0]
            p[cell] = old - eps
            down = loss_and_grads(params, SMALL, idx, tgt)[0]
            p[cell] = old
            numeric = (up - down) / (2 * eps)
            assert abs(numeric - grads[name][cell]) <= 1e-6 + 1e-5 * abs(numeric), (name, cell, numeric,
                                                                                     grads[name][cell])
    # the loss is the mean cross entropy over scored positions (checked against a direct computation)
    logits = forward_batch(params, SMALL, idx)
    lp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    mask = tgt >= 0
    direct = -np.mean(np.take_along_axis(lp, np.where(mask, tgt, 0)[..., None], -1)[..., 0][mask])
    assert abs(loss - direct) < 1e-12


def test_batched_forward_matches_traced_forward():
    cfg = PRESETS["nano-sort"]
    params = {k: v.astype(np.float32) for k, v in _params64(cfg, 1).items()}
    idx = np.random.default_rng(1).integers(0, 3, (5, 11))
    batched = forward_batch(params, cfg, idx)
    for b in range(5):
        np.testing.assert_allclose(batched[b], forward(params, cfg, idx[b])["logits"], rtol=1e-5, atol=1e-5)


def test_examples_score_only_the_sorted_half():
    x, y = make_examples(np.array([[2, 1, 0, 1, 1, 2]]))
    assert x.tolist() == [[2, 1, 0, 1, 1, 2, 0, 1, 1, 1, 2]]
    assert y.tolist() == [[-1, -1, -1, -1, -1, 0, 1, 1, 1, 2, 2]]
    assert len(all_inputs()) == 729 and len({tuple(r) for r in all_inputs()}) == 729


def test_teacher_forced_count_equals_greedy_count_on_a_damaged_model():
    """The training monitor's one-pass count equals greedy decoding's on a partly-working model."""
    from llmreel.model.weights import load_weights
    cfg, params = load_weights()
    rng = np.random.default_rng(0)
    damaged = {k: (v + rng.normal(0, 0.04, v.shape)).astype(np.float32) for k, v in params.items()}
    x, y = make_examples(all_inputs())
    greedy = sort_accuracy(damaged, cfg)[0]
    assert 50 < greedy < 700                                # neither broken nor intact: the count matters
    assert teacher_forced_correct(damaged, cfg, x, y) == greedy


def test_cosine_schedule():
    assert lr_at(0, 100, 1.0, 10, 0.1) == 0.1
    assert lr_at(9, 100, 1.0, 10, 0.1) == 1.0
    assert abs(lr_at(100, 100, 1.0, 10, 0.1) - 0.1) < 1e-12
    vals = [lr_at(s, 100, 1.0, 10, 0.1) for s in range(10, 101)]
    assert all(a >= b for a, b in zip(vals, vals[1:]))
