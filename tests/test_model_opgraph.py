"""Op-graph minimality: every cell can be recomputed from exactly the cells cell_deps names (all others
poisoned with NaN), the dependency counts are the minimal ones, and max_over_deps agrees with cell_deps."""
from __future__ import annotations

import math

import numpy as np
import pytest

from llmreel.model.config import PRESETS
from llmreel.model.gpt import causal_prefix, forward
from llmreel.model.opgraph import KINDS, cell_deps, max_over_deps
from llmreel.model.weights import init_params

NANO = PRESETS["nano-sort"]
T = 7


@pytest.fixture(scope="module", params=["forward", "prefix"])
def trace(request):
    """A T = 7 pass, and the same step read off an 11-token pass (causal_prefix views, as a draft gives)."""
    rng = np.random.default_rng(0)
    params = {k: (v + rng.normal(0, 0.2, v.shape)).astype(np.float32) for k, v in init_params(NANO, 1).items()}
    tokens = [2, 1, 0, 1, 1, 2, 0]
    if request.param == "prefix":
        return causal_prefix(forward(params, NANO, tokens + [1, 2, 2, 0]), T)
    return forward(params, NANO, tokens)


def recompute(kind, params, ins, idx):
    """One output cell from the input arrays `ins` (float64), reading only what the maths needs."""
    if kind == "gather":
        return ins[0][params["index"][idx[0]], idx[1]]
    if kind == "add":
        return ins[0][idx] + ins[1][idx]
    if kind == "gelu":
        x = ins[0][idx]
        return 0.5 * x * (1 + math.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
    if kind == "layernorm_mean":
        return ins[0][idx[0], :].mean()
    if kind == "layernorm_rstd":
        row, mean = ins[0][idx[0], :], ins[1][idx]
        return 1 / math.sqrt(((row - mean) ** 2).mean() + 1e-5)
    if kind == "layernorm":
        x, mean, rstd, w, b = ins
        t, c = idx
        return (x[t, c] - mean[t]) * rstd[t] * w[c] + b[c]
    if kind == "linear":
        t, j = idx
        y = ins[0][t, :] @ ins[1][:, j]
        return y + ins[2][j] if len(ins) > 2 else y
    if kind == "split_heads":
        h, t, a = idx
        A = NANO.head_dim
        return ins[0][t, params["offset"] + h * A + a]
    if kind == "attn_scores":
        h, t, s = idx
        return -math.inf if s > t else (ins[0][h, t, :] @ ins[1][h, s, :]) * params["scale"]
    if kind in ("softmax_max", "softmax_expsum", "softmax"):
        causal = params["causal"]
        pre = idx if kind != "softmax" else idx[:-1]
        x = ins[0]
        K = x.shape[-1]
        keep = range(pre[-1] + 1) if causal else range(K)
        if kind == "softmax_max":
            return max(x[pre + (s,)] for s in keep)
        if kind == "softmax_expsum":
            return sum(math.exp(x[pre + (s,)] - ins[1][pre]) for s in keep)
        s = idx[-1]
        if causal and s > pre[-1]:
            return 0.0
        return math.exp(x[idx] - ins[1][pre]) / ins[2][pre]
    if kind == "attn_apply":
        t, c = idx
        A = NANO.head_dim
        h, a = divmod(c, A)
        return sum(ins[0][h, t, s] * ins[1][h, s, a] for s in range(t + 1))
    raise AssertionError(kind)


def expected_count(kind, trace, name, idx) -> int:
    """The minimal number of input cells, from the maths (independent of cell_deps)."""
    C, A, V = NANO.n_embd, NANO.head_dim, NANO.vocab_size
    op = trace.tensors[name].op
    K = trace[op.inputs[0]].shape[-1]
    causal = op.params.get("causal", False)
    masked = causal and len(idx) >= 2 and idx[-1] > idx[-2]
    fixed = {"gather": 1, "add": 2, "gelu": 1, "layernorm_mean": C, "layernorm_rstd": C + 1, "layernorm": 5,
             "linear": 2 * K + (len(op.inputs) > 2), "split_heads": 1}
    if kind in fixed:
        return fixed[kind]
    if kind == "attn_scores":
        return 0 if masked else 2 * A
    if kind in ("softmax_max", "softmax_expsum"):
        row = idx[-1] + 1 if causal else V                  # unmasked keys of query row t
        return row + (kind == "softmax_expsum")
    if kind == "softmax":
        return 0 if masked else 3
    if kind == "attn_apply":
        return 2 * (idx[0] + 1)                              # probs[h,t,s<=t] and v[h,s<=t,a]
    raise AssertionError(kind)


def _cells(shape, rng, n=8):
    cells = {tuple(int(rng.integers(0, s)) for s in shape) for _ in range(n)}
    cells.add(tuple(s - 1 for s in shape))
    cells.add(tuple(0 for _ in shape))
    if len(shape) == 3 and shape[1] == shape[2]:
        cells.add((0, 0, shape[2] - 1))                    # a masked cell
    return sorted(cells)


def test_every_op_kind_is_exercised(trace):
    kinds = {t.op.kind for t in trace.tensors.values() if t.op}
    assert kinds == set(KINDS)


def test_cells_recompute_from_exactly_their_deps(trace):
    rng = np.random.default_rng(1)
    checked = 0
    for name in trace.names("activation") + trace.names("aggregate"):
        t = trace.tensors[name]
        for idx in _cells(t.data.shape, rng):
            deps = cell_deps(trace, name, idx)
            n = sum(len(v) for v in deps.values())
            assert n == expected_count(t.op.kind, trace, name, idx), (name, idx, deps.keys())
            for cells in deps.values():
                assert len(set(cells)) == len(cells)
            poisoned = []
            for inp in t.op.inputs:
                arr = np.full(trace[inp].shape, np.nan)
                for cell in deps.get(inp, []):
                    arr[cell] = trace[inp][cell]
                poisoned.append(arr)
            got = recompute(t.op.kind, t.op.params, poisoned, idx)
            want = float(t.data[idx])
            if math.isinf(want):
                assert got == want, (name, idx)
            else:
                assert math.isfinite(got), (name, idx, "needs a cell cell_deps did not name")
                assert abs(got - want) <= 1e-4 * max(1.0, abs(want)), (name, idx, got, want)
            checked += 1
    assert checked > 400


def test_weights_depend_on_nothing(trace):
    assert cell_deps(trace, "wte.weight", (0, 0)) == {}
    assert np.isneginf(max_over_deps(trace, "wte.weight", {"wte.weight": np.zeros((3, 48))})).all()


def test_max_over_deps_agrees_with_cell_deps(trace):
    rng = np.random.default_rng(2)
    times = {n: rng.uniform(0, 100, trace[n].shape) for n in trace.names()}
    partial = {n: v for n, v in times.items() if not n.endswith(".bias") and "mean" not in n}
    for tm in (times, partial):
        for name in trace.names("activation") + trace.names("aggregate"):
            got = max_over_deps(trace, name, tm)
            assert got.shape == trace[name].shape
            for idx in _cells(got.shape, rng, n=12):
                deps = cell_deps(trace, name, idx)
                vals = [tm[inp][c] for inp, cells in deps.items() if inp in tm for c in cells]
                want = max(vals) if vals else -np.inf
                assert got[idx] == want, (name, idx)


def test_max_over_deps_small_tensors_every_cell(trace):
    rng = np.random.default_rng(3)
    times = {n: rng.uniform(0, 100, trace[n].shape) for n in trace.names()}
    for name in ("h0.attn.scores", "h0.attn.probs", "h0.attn.max", "h0.attn.y", "logits.expsum", "embed.tok"):
        got = max_over_deps(trace, name, times)
        for idx in np.ndindex(*got.shape):
            deps = cell_deps(trace, name, idx)
            vals = [times[i][c] for i, cells in deps.items() for c in cells]
            assert got[idx] == (max(vals) if vals else -np.inf), (name, idx)


def test_cell_deps_rejects_out_of_range_index(trace):
    with pytest.raises(IndexError):
        cell_deps(trace, "h0.attn.q", (3, 0, 0))
