"""The traced forward pass against an independent float64 reference, tensor by tensor."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmreel.model.config import PRESETS, GPTConfig
from llmreel.model.gpt import forward, generate, graph
from llmreel.model.trace import Trace
from llmreel.model.weights import init_params, param_spec

NANO = PRESETS["nano-sort"]


def _perturbed(config: GPTConfig, seed: int) -> dict[str, np.ndarray]:
    """Random weights with non-trivial LayerNorm/bias values (init alone has weight 1, bias 0)."""
    rng = np.random.default_rng(seed)
    return {k: (v + rng.normal(0, 0.2, v.shape)).astype(np.float32) for k, v in init_params(config, seed).items()}


def reference(params: dict[str, np.ndarray], cfg: GPTConfig, tokens: list[int]) -> dict[str, np.ndarray]:
    """Written from the GPT-2 equations with per-head / per-position loops, float64, no shared code."""
    P = {k: v.astype(np.float64) for k, v in params.items()}
    T, C, H = len(tokens), cfg.n_embd, cfg.n_head
    A = C // H
    out = {}

    def ln(name, x, w):
        mean = np.array([sum(row) / C for row in x])
        var = np.array([sum((v - m) ** 2 for v in row) / C for row, m in zip(x, mean)])
        rstd = 1.0 / np.sqrt(var + 1e-5)
        out[name + ".mean"], out[name + ".rstd"] = mean, rstd
        y = (x - mean[:, None]) * rstd[:, None] * P[w + ".weight"] + P[w + ".bias"]
        out[name] = y
        return y

    def softmax_rows(prefix, s, probs_name, causal):
        m = np.zeros(s.shape[:-1])
        e = np.zeros(s.shape[:-1])
        p = np.zeros(s.shape)
        for ix in np.ndindex(*s.shape[:-1]):
            t = ix[-1]
            keep = range(t + 1) if causal else range(s.shape[-1])
            m[ix] = max(s[ix + (j,)] for j in keep)
            e[ix] = sum(math.exp(s[ix + (j,)] - m[ix]) for j in keep)
            for j in keep:
                p[ix + (j,)] = math.exp(s[ix + (j,)] - m[ix]) / e[ix]
        out[prefix + ".max"], out[prefix + ".expsum"], out[probs_name] = m, e, p

    out["embed.tok"] = np.stack([P["wte.weight"][t] for t in tokens])
    out["embed.pos"] = np.stack([P["wpe.weight"][t] for t in range(T)])
    x = out["embed.out"] = out["embed.tok"] + out["embed.pos"]
    for i in range(cfg.n_layer):
        h = f"h{i}"
        a = ln(f"{h}.ln_1", x, f"{h}.ln_1")
        qkv = out[f"{h}.attn.qkv"] = a @ P[f"{h}.attn.c_attn.weight"] + P[f"{h}.attn.c_attn.bias"]
        q, k, v = (np.stack([qkv[:, j * C + hh * A: j * C + (hh + 1) * A] for hh in range(H)]) for j in range(3))
        out[f"{h}.attn.q"], out[f"{h}.attn.k"], out[f"{h}.attn.v"] = q, k, v
        s = np.full((H, T, T), -np.inf)
        for hh in range(H):
            for t in range(T):
                for u in range(t + 1):
                    s[hh, t, u] = float(np.dot(q[hh, t], k[hh, u])) / math.sqrt(A)
        out[f"{h}.attn.scores"] = s
        softmax_rows(f"{h}.attn", s, f"{h}.attn.probs", causal=True)
        pr = out[f"{h}.attn.probs"]
        y = np.concatenate([pr[hh] @ v[hh] for hh in range(H)], axis=1)
        out[f"{h}.attn.y"] = y
        proj = out[f"{h}.attn.proj"] = y @ P[f"{h}.attn.c_proj.weight"] + P[f"{h}.attn.c_proj.bias"]
        x = out[f"{h}.attn.resid"] = x + proj
        b = ln(f"{h}.ln_2", x, f"{h}.ln_2")
        fc = out[f"{h}.mlp.fc"] = b @ P[f"{h}.mlp.c_fc.weight"] + P[f"{h}.mlp.c_fc.bias"]
        g = out[f"{h}.mlp.gelu"] = 0.5 * fc * (1 + np.tanh(math.sqrt(2 / math.pi) * (fc + 0.044715 * fc ** 3)))
        mp = out[f"{h}.mlp.proj"] = g @ P[f"{h}.mlp.c_proj.weight"] + P[f"{h}.mlp.c_proj.bias"]
        x = out[f"{h}.mlp.resid"] = x + mp
    f = ln("ln_f", x, "ln_f")
    out["logits"] = f @ P["lm_head.weight"]
    softmax_rows("logits", out["logits"], "probs", causal=False)
    return out


CONTRACT_BLOCK = ["ln_1", "ln_1.mean", "ln_1.rstd", "attn.qkv", "attn.q", "attn.k", "attn.v", "attn.scores",
                  "attn.max", "attn.expsum", "attn.probs", "attn.y", "attn.proj", "attn.resid", "ln_2",
                  "ln_2.mean", "ln_2.rstd", "mlp.fc", "mlp.gelu", "mlp.proj", "mlp.resid"]


def contract_shapes(cfg: GPTConfig, T: int) -> dict[str, tuple[int, ...]]:
    """The trace-name contract (docs/ARCHITECTURE.md), written out independently of the implementation."""
    C, H, V = cfg.n_embd, cfg.n_head, cfg.vocab_size
    A = C // H
    s = {"embed.tok": (T, C), "embed.pos": (T, C), "embed.out": (T, C)}
    per = {"ln_1": (T, C), "ln_1.mean": (T,), "ln_1.rstd": (T,), "attn.qkv": (T, 3 * C), "attn.q": (H, T, A),
           "attn.k": (H, T, A), "attn.v": (H, T, A), "attn.scores": (H, T, T), "attn.max": (H, T),
           "attn.expsum": (H, T), "attn.probs": (H, T, T), "attn.y": (T, C), "attn.proj": (T, C),
           "attn.resid": (T, C), "ln_2": (T, C), "ln_2.mean": (T,), "ln_2.rstd": (T,), "mlp.fc": (T, 4 * C),
           "mlp.gelu": (T, 4 * C), "mlp.proj": (T, C), "mlp.resid": (T, C)}
    for i in range(cfg.n_layer):
        s.update({f"h{i}.{k}": v for k, v in per.items()})
    s.update({"ln_f": (T, C), "ln_f.mean": (T,), "ln_f.rstd": (T,), "logits": (T, V), "logits.max": (T,),
              "logits.expsum": (T,), "probs": (T, V)})
    return s


@pytest.mark.parametrize("cfg", [NANO, GPTConfig(n_layer=2, n_head=4, n_embd=16, vocab_size=5, block_size=9)])
@pytest.mark.parametrize("T", [1, 4, 11])
def test_forward_matches_float64_reference_every_tensor(cfg, T):
    T = min(T, cfg.block_size)
    rng = np.random.default_rng(T)
    params = _perturbed(cfg, seed=T)
    tokens = rng.integers(0, cfg.vocab_size, T).tolist()
    tr = forward(params, cfg, tokens)
    ref = reference(params, cfg, tokens)
    shapes = contract_shapes(cfg, T)
    assert set(tr.names("activation")) | set(tr.names("aggregate")) == set(shapes)
    for name, shape in shapes.items():
        got = tr[name]
        assert got.shape == shape, name
        assert got.dtype == np.float32, name
        np.testing.assert_allclose(got, ref[name], rtol=2e-4, atol=2e-5, err_msg=name)   # -inf == -inf too


def test_trace_weights_use_gpt2_names_and_out_equals_in_at_w():
    params = _perturbed(NANO, 3)
    tr = forward(params, NANO, [2, 1, 0])
    weights = tr.names("weight")
    assert weights == list(param_spec(NANO))
    assert weights[:2] == ["wte.weight", "wpe.weight"] and weights[-1] == "lm_head.weight"
    assert tr["h0.attn.c_attn.weight"].shape == (48, 144) and tr["lm_head.weight"].shape == (48, 3)
    np.testing.assert_allclose(tr["h1.mlp.fc"], tr["h1.ln_2"] @ tr["h1.mlp.c_fc.weight"] + tr["h1.mlp.c_fc.bias"],
                               rtol=1e-5, atol=1e-6)
    # insertion order: weights first, then compute order (each op's inputs come before it)
    names = tr.names()
    assert names[:len(weights)] == weights
    pos = {n: i for i, n in enumerate(names)}
    for n in names[len(weights):]:
        assert all(pos[i] < pos[n] for i in tr.tensors[n].op.inputs), n
    assert names == list(graph(NANO, 3))


def test_masked_scores_are_minus_inf_and_probs_rows_sum_to_one():
    tr = forward(_perturbed(NANO, 4), NANO, [0, 1, 2, 2, 1])
    s, p = tr["h2.attn.scores"], tr["h2.attn.probs"]
    upper = ~np.tri(5, 5, dtype=bool)
    assert np.isneginf(s[:, upper]).all() and np.isfinite(s[:, ~upper]).all()
    assert (p[:, upper] == 0).all()
    np.testing.assert_allclose(p.sum(-1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(tr["probs"].sum(-1), 1.0, rtol=1e-6)


@settings(max_examples=20, deadline=None)
@given(st.lists(st.integers(0, 2), min_size=1, max_size=11))
def test_trace_save_load_round_trip(tmp_path_factory, tokens):
    tr = forward(_perturbed(NANO, 5), NANO, tokens)
    path = tmp_path_factory.mktemp("tr") / "t.npz"
    tr.save(path)
    with np.load(path, allow_pickle=False) as z:           # a plain npz, no pickles
        assert "__manifest__" in z.files and z["__manifest__"].shape == ()
    back = Trace.load(path)
    assert back.config == tr.config and back.tokens == tr.tokens and back.names() == tr.names()
    for n, t in tr.tensors.items():
        b = back.tensors[n]
        assert (b.role, b.axes, b.op) == (t.role, t.axes, t.op), n
        np.testing.assert_array_equal(b.data, t.data)


def test_generate_feeds_back_argmax_and_keeps_one_trace_per_step():
    params = _perturbed(NANO, 6)
    seq, traces = generate(params, NANO, [2, 0, 1], 4)
    assert len(seq) == 7 and len(traces) == 4
    for j, tr in enumerate(traces):
        assert tr.tokens == tuple(seq[:3 + j])
        assert seq[3 + j] == int(np.argmax(tr["logits"][-1]))


def test_trace_files_reject_bad_paths(tmp_path):
    from llmreel.core.errors import InputError
    tr = forward(_perturbed(NANO, 7), NANO, [1])
    with pytest.raises(InputError, match=".npz"):
        tr.save(tmp_path / "t.json")
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"PK\x03\x04 definitely not a zip")
    with pytest.raises(InputError, match="not a readable llmreel trace"):
        Trace.load(bad)
    with pytest.raises(InputError, match="not found"):
        Trace.load(tmp_path / "missing.npz")


@pytest.mark.parametrize("tokens", [[], [3], [-1], list(range(3)) * 4])
def test_forward_rejects_bad_token_sequences(tokens):
    from llmreel.core.errors import InputError
    with pytest.raises(InputError):
        forward(_perturbed(NANO, 8), NANO, tokens)
