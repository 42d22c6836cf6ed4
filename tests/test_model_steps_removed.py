"""model/steps_removed.py: what leaving a step out costs the shipped model over all 729 inputs, stored in
weights/steps_removed.json for the captions, and measured afresh for any other weights."""
from __future__ import annotations

import json

import numpy as np
import pytest

from llmreel.model.backprop import forward_batch
from llmreel.model.config import GPTConfig
from llmreel.model.steps_removed import SHIPPED, from_json, measure, steps_removed, to_json
from llmreel.model.train import all_inputs, make_examples
from llmreel.model.weights import load_weights, weights_digest


@pytest.fixture(scope="module")
def shipped():
    return load_weights(None)


@pytest.fixture(scope="module")
def measured(shipped):
    cfg, params = shipped
    return measure(params, cfg)


def test_the_stored_numbers_are_the_shipped_models_own(shipped, measured):
    cfg, params = shipped
    stored = json.loads(SHIPPED.read_text(encoding="utf-8"))
    assert list(stored) == [weights_digest(cfg, params)], "python -m llmreel.model.steps_removed > model/weights/steps_removed.json"
    assert json.loads(json.dumps(to_json(measured))) == stored[weights_digest(cfg, params)]
    assert steps_removed(params, cfg) == from_json(stored[weights_digest(cfg, params)])


def test_every_step_is_needed_and_the_stream_spreads(measured):
    assert measured.n_inputs == 729 and measured.full == 100.0
    for step, acc in measured.without.items():
        assert acc < 10, (step, acc)             # each step is needed: leaving it out breaks sorting
    (layer, head), cost = measured.head_cost()
    assert cost >= 5 and measured.heads[(layer, head)] == min(measured.heads.values())
    assert measured.spread["ln_f"] > 10 * measured.spread["h0.ln_1"]      # the numbers grow without normalising


def test_removing_nothing_is_the_model_and_removing_a_step_changes_it(shipped):
    cfg, params = shipped
    x, _ = make_examples(all_inputs()[:50])
    base = forward_batch(params, cfg, x)
    assert np.array_equal(base, forward_batch(params, cfg, x, remove=()))
    for step in ("position", "layer-norm", "residual", "mlp"):
        assert not np.allclose(base, forward_batch(params, cfg, x, remove=(step,))), step


def test_other_weights_are_measured_and_a_text_model_has_none(shipped):
    cfg, params = shipped
    rng = np.random.default_rng(1)
    noisy = {k: v + rng.normal(0, 0.05, v.shape).astype(v.dtype) for k, v in params.items()}
    assert weights_digest(cfg, noisy) != weights_digest(cfg, params)
    r = steps_removed(noisy, cfg)
    assert r is not None and r.n_inputs == 729 and 0 <= r.full <= 100
    assert steps_removed(params, GPTConfig(1, 1, 8, 50257, 16)) is None
