"""Greedy generation with a draft (one pass verifies many steps) against the plain step-by-step loop."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import llmreel.model.gpt as gpt
from llmreel.model.config import PRESETS, GPTConfig
from llmreel.core.errors import InputError
from llmreel.model.gpt import causal_prefix, forward, generate, graph, sort_letters
from llmreel.model.tokenizer import decode, encode
from llmreel.model.trace import Trace
from llmreel.model.train import all_inputs, greedy_sort_batch
from llmreel.model.weights import init_params, load_weights

NANO = PRESETS["nano-sort"]
SMALL = GPTConfig(n_layer=2, n_head=4, n_embd=16, vocab_size=5, block_size=9)
letters6 = st.lists(st.sampled_from("ABC"), min_size=6, max_size=6).map("".join)


def _damaged(seed: int, noise: float = 0.6):
    """Shipped weights with lm_head perturbed: greedy output is often not the sorted input."""
    cfg, params = load_weights()
    rng = np.random.default_rng(seed)
    bad = dict(params)
    bad["lm_head.weight"] = (params["lm_head.weight"] + rng.normal(0, noise, params["lm_head.weight"].shape)
                             ).astype(np.float32)
    return cfg, bad


def _random(cfg: GPTConfig, seed: int):
    rng = np.random.default_rng(seed)
    return {k: (v + rng.normal(0, 0.2, v.shape)).astype(np.float32) for k, v in init_params(cfg, seed).items()}


def assert_trace_like_forward(tr: Trace, ref: Trace) -> None:
    """Same names, roles, axes, ops, shapes, dtypes as `ref`; values equal to float32 rounding.

    Rounding differences start in matmuls (BLAS picks kernels by row count) and grow along the residual
    stream in proportion to each tensor's magnitude, hence an absolute tolerance scaled by that magnitude."""
    assert tr.config == ref.config and tr.tokens == ref.tokens
    assert tr.names() == ref.names()
    for name, r in ref.tensors.items():
        t = tr.tensors[name]
        assert (t.role, t.axes, t.op, t.data.shape, t.data.dtype) == (r.role, r.axes, r.op, r.data.shape,
                                                                        r.data.dtype), name
        fin = np.isfinite(r.data)
        scale = float(np.abs(r.data[fin]).max()) if fin.any() else 0.0
        ok = (np.array_equal(np.isfinite(t.data), fin) and np.array_equal(t.data[~fin], r.data[~fin])
              and bool((np.abs(t.data[fin] - r.data[fin]) <= 1e-5 * np.abs(r.data[fin]) + 1e-5 * scale).all()))
        if not ok:                                   # the same check again, for numpy's detailed message
            np.testing.assert_allclose(t.data, r.data, rtol=1e-5, atol=1e-5 * scale, err_msg=name)
            raise AssertionError(name)


def assert_steps_consistent(seq, traces, n0):
    for j, tr in enumerate(traces):
        assert tr.tokens == tuple(seq[:n0 + j])
        assert seq[n0 + j] == int(np.argmax(tr["logits"][-1]))          # exact, always


@settings(max_examples=15, deadline=None)
@given(letters6)
def test_sort_traces_equal_separate_forwards_and_the_plain_loop(text):
    cfg, params = load_weights()
    out, traces = sort_letters(text, (cfg, params))
    ids = encode(text)
    seq = ids + encode(out)
    plain_seq, plain = generate(params, cfg, ids, 6)
    assert plain_seq == seq and out == "".join(sorted(text))
    assert_steps_consistent(seq, traces, 6)
    for tr, ref in zip(traces, plain):
        assert_trace_like_forward(tr, ref)
        assert np.shares_memory(tr["h0.attn.qkv"], traces[-1]["h0.attn.qkv"])   # all read off one pass


def test_sort_all_729_with_draft_matches_batched_greedy():
    cfg, params = load_weights()
    want = greedy_sort_batch(params, cfg, all_inputs())                  # an independent batched decoder
    for row, expect in zip(all_inputs(), want):
        out, traces = sort_letters(decode(row), (cfg, params))
        assert out == decode(expect), decode(row)
        assert len(traces) == 6


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 3), text=letters6,
       draft=st.one_of(st.none(), st.lists(st.integers(0, 2), max_size=6), st.just("sorted")))
def test_any_draft_yields_exactly_the_plain_loop_on_a_damaged_model(seed, text, draft):
    cfg, params = _damaged(seed)
    ids = encode(text)
    draft = sorted(ids) if draft == "sorted" else draft
    plain_seq, plain = generate(params, cfg, ids, 6)
    seq, traces = generate(params, cfg, ids, 6, draft=draft)
    assert seq == plain_seq
    assert_steps_consistent(seq, traces, 6)
    for tr, ref in zip(traces, plain):
        assert_trace_like_forward(tr, ref)


def test_damaged_model_is_really_unsorted_and_the_draft_is_overruled():
    cfg, params = _damaged(0)
    outs = greedy_sort_batch(params, cfg, all_inputs())
    wrong = [r for r, o in zip(all_inputs(), outs) if list(o) != sorted(r)]
    assert len(wrong) > 50                                               # the sorted draft is often wrong
    for row in wrong[:20]:
        seq, _ = generate(params, cfg, list(row), 6, draft=sorted(row))
        assert seq[6:] == outs[[tuple(r) for r in all_inputs()].index(tuple(row))].tolist()
        assert seq[6:] != sorted(row)


@pytest.mark.parametrize("cfg", [NANO, SMALL])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_models_with_random_drafts_match_the_plain_loop(cfg, seed):
    rng = np.random.default_rng(seed)
    params = _random(cfg, seed)
    for _ in range(4):
        n0 = int(rng.integers(1, cfg.block_size))
        n_new = int(rng.integers(1, cfg.block_size - n0 + 2))
        ids = rng.integers(0, cfg.vocab_size, n0).tolist()
        plain_seq, plain = generate(params, cfg, ids, n_new)
        own = plain_seq[n0:]
        for draft in (own, rng.integers(0, cfg.vocab_size, n_new).tolist(), own[:-2] + [0, 0], []):
            seq, traces = generate(params, cfg, ids, n_new, draft=draft[:n_new])
            assert seq == plain_seq
            assert len(traces) == n_new
            assert_steps_consistent(seq, traces, n0)
            for tr, ref in zip(traces, plain):
                assert_trace_like_forward(tr, ref)


def _count_passes(monkeypatch) -> list[int]:
    calls: list[int] = []
    real = gpt.forward

    def counting(params, config, tokens, **kw):
        calls.append(len(tokens))
        return real(params, config, tokens, **kw)
    monkeypatch.setattr(gpt, "forward", counting)
    return calls


def test_pass_counts_right_draft_one_wrong_draft_at_most_plain(monkeypatch):
    cfg, params = load_weights()
    calls = _count_passes(monkeypatch)
    sort_letters("CBABBC", (cfg, params))
    assert calls == [11]                                                 # 6 input + 5 drafted tokens
    calls.clear()
    seq, _ = generate(params, cfg, encode("CBABBC"), 6)
    assert calls == [6, 7, 8, 9, 10, 11]                                 # no draft: the plain loop
    calls.clear()
    seq2, _ = generate(params, cfg, encode("CBABBC"), 6, draft=encode("ABBCCC"))   # 4th guess wrong
    assert seq2 == seq and calls == [11, 11]            # steps 6..9 from the first pass, 10..11 from a second


def test_without_draft_each_trace_is_bit_identical_to_its_forward():
    params = _random(NANO, 5)
    seq, traces = generate(params, NANO, [2, 0, 1], 5)
    for j, tr in enumerate(traces):
        ref = forward(params, NANO, seq[:3 + j])
        for name in ref.names():
            np.testing.assert_array_equal(tr[name], ref[name], err_msg=name)


def test_causal_prefix_structure_and_bounds():
    params = _random(NANO, 6)
    full = forward(params, NANO, [0, 2, 1, 1, 0, 2, 2, 1])
    assert causal_prefix(full, 8) is full
    for T in range(1, 8):
        pre = causal_prefix(full, T)
        assert pre.names() == list(graph(NANO, T))
        assert pre.tensors["embed.tok"].op.params["index"] == [0, 2, 1, 1, 0, 2, 2, 1][:T]
        assert pre.tensors["embed.pos"].op.params["index"] == list(range(T))
        assert np.shares_memory(pre["h1.attn.scores"], full["h1.attn.scores"])      # a view, no copy
        assert_trace_like_forward(pre, forward(params, NANO, full.tokens[:T]))
    for bad in (0, 9):
        with pytest.raises(ValueError):
            causal_prefix(full, bad)


def test_prefix_traces_save_and_load_like_any_trace(tmp_path):
    out, traces = sort_letters("CBABBC")
    tr = traces[1]                                                       # T = 7, views into the T = 11 pass
    tr.save(tmp_path / "t.npz")
    back = Trace.load(tmp_path / "t.npz")
    assert back.tokens == tr.tokens and back.names() == tr.names()
    for name, t in tr.tensors.items():
        b = back.tensors[name]
        assert (b.role, b.axes, b.op) == (t.role, t.axes, t.op), name
        np.testing.assert_array_equal(b.data, t.data, err_msg=name)


@pytest.mark.parametrize("draft", [[0] * 7, [3], [-1, 0], [[0, 1], [1, 2]], ["A"], [0.5]])
def test_bad_drafts_are_input_errors(draft):
    cfg, params = load_weights()
    with pytest.raises(InputError, match="draft"):
        generate(params, cfg, encode("CBABBC"), 6, draft=draft)


def test_steps_read_off_one_pass_are_read_only_plain_steps_stay_writable():
    cfg, params = load_weights()
    _, traces = sort_letters("CBABBC", (cfg, params))
    for tr in traces:
        for name in ("h0.attn.qkv", "h2.attn.probs", "logits", "ln_f.rstd"):
            with pytest.raises(ValueError, match="read-only"):
                tr[name][...] = 0                     # would corrupt the sibling steps that share the pass
    _, plain = generate(params, cfg, encode("CBABBC"), 2)
    plain[0]["logits"][...] = 0                       # each plain step owns its arrays
