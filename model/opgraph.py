"""The op graph: for any cell of a traced tensor, the *minimal* set of input cells it depends on.

This module is the one place that defines dependency semantics; `cell_deps` answers for one cell and
`max_over_deps` answers for all cells of a tensor at once (vectorised) and must agree with it.

Op kinds (inputs in Op.inputs order) and the input cells one output cell depends on:
- gather       (table)                   out[t, c] <- table[index[t], c]: the one selected row cell.
                                          params: index (token ids for embed.tok, positions for embed.pos)
- add          (a, b)                    out[i] <- a[i], b[i].
- layernorm_mean (x)                     mean[t] <- x[t, :].
- layernorm_rstd (x, mean)               rstd[t] <- x[t, :], mean[t].
- layernorm    (x, mean, rstd, w, b)     y[t, c] <- x[t, c], mean[t], rstd[t], w[c], b[c].
- linear       (x, W[, b])               y[t, j] <- x[t, :], W[:, j], b[j]  (out = x @ W + b).
- split_heads  (qkv)                     q[h, t, a] <- qkv[t, offset + h*A + a].  params: offset, n_head
- attn_scores  (q, k)                    s[h, t, s'] <- q[h, t, :], k[h, s', :] for s' <= t;
                                          masked cells (s' > t) depend on nothing.  params: scale, causal
- softmax_max  (x)                       m[..., t] <- x[..., t, s'] over the unmasked row.  params: causal
- softmax_expsum (x, max)                e[..., t] <- the unmasked row, max[..., t].
- softmax      (x, max, expsum)          p[..., t, s'] <- x[..., t, s'], max[..., t], expsum[..., t];
                                          masked cells depend on nothing. (No mask for the final logits.)
- attn_apply   (probs, v)                y[t, c] <- probs[h, t, s' <= t], v[h, s' <= t, a]
                                          with h = c // A, a = c % A.  params: n_head
- gelu         (x)                       out[i] <- x[i]  (tanh approximation).
Weights have no op and depend on nothing. "Row" always means the last axis.
"""
from __future__ import annotations

import numpy as np

KINDS = ("gather", "add", "layernorm_mean", "layernorm_rstd", "layernorm", "linear", "split_heads",
         "attn_scores", "softmax_max", "softmax_expsum", "softmax", "attn_apply", "gelu")

Index = tuple[int, ...]


# ---------------------------------------------------------------- one cell

def _row(prefix: Index, K: int, causal: bool) -> list[Index]:
    """The cells of the (unmasked part of the) row prefix[...]: s' <= t when causal, t = prefix[-1]."""
    stop = prefix[-1] + 1 if causal else K
    return [prefix + (s,) for s in range(stop)]


def cell_deps(trace, name: str, index) -> dict[str, list[Index]]:
    """Minimal input cells (input tensor name -> list of indices) the cell `name[index]` depends on."""
    t = trace.tensors[name]
    shape = t.data.shape
    idx = tuple(int(i) for i in index)
    if len(idx) != len(shape) or any(not 0 <= i < n for i, n in zip(idx, shape)):
        raise IndexError(f"index {idx} outside {name} of shape {shape}")
    op = t.op
    if op is None:
        return {}
    k, ins, p = op.kind, op.inputs, op.params
    shape_of = lambda n: trace.tensors[n].data.shape  # noqa: E731
    if k == "gather":
        return {ins[0]: [(int(p["index"][idx[0]]),) + idx[1:]]}
    if k in ("add", "gelu"):
        return {n: [idx] for n in ins}
    if k == "layernorm_mean":
        return {ins[0]: _row(idx, shape_of(ins[0])[-1], False)}
    if k == "layernorm_rstd":
        return {ins[0]: _row(idx, shape_of(ins[0])[-1], False), ins[1]: [idx]}
    if k == "layernorm":
        row, c = idx[:-1], idx[-1]
        x, mean, rstd, w, b = ins
        return {x: [idx], mean: [row], rstd: [row], w: [(c,)], b: [(c,)]}
    if k == "linear":
        row, j = idx[:-1], idx[-1]
        K = shape_of(ins[0])[-1]
        deps = {ins[0]: [row + (c,) for c in range(K)], ins[1]: [(c, j) for c in range(K)]}
        if len(ins) > 2:
            deps[ins[2]] = [(j,)]
        return deps
    if k == "split_heads":
        h, tt, a = idx
        A = shape[-1]
        return {ins[0]: [(tt, p["offset"] + h * A + a)]}
    if k == "attn_scores":
        h, tt, s = idx
        if p.get("causal") and s > tt:
            return {}
        A = shape_of(ins[0])[-1]
        return {ins[0]: [(h, tt, a) for a in range(A)], ins[1]: [(h, s, a) for a in range(A)]}
    if k in ("softmax_max", "softmax_expsum"):
        deps = {ins[0]: _row(idx, shape_of(ins[0])[-1], p.get("causal", False))}
        if k == "softmax_expsum":
            deps[ins[1]] = [idx]
        return deps
    if k == "softmax":
        prefix, s = idx[:-1], idx[-1]
        if p.get("causal") and s > prefix[-1]:
            return {}
        return {ins[0]: [idx], ins[1]: [prefix], ins[2]: [prefix]}
    if k == "attn_apply":
        tt, c = idx
        A = shape[-1] // p["n_head"]
        h, a = divmod(c, A)
        return {ins[0]: [(h, tt, s) for s in range(tt + 1)], ins[1]: [(h, s, a) for s in range(tt + 1)]}
    raise ValueError(f"unknown op kind {k!r} for {name}; known: {', '.join(KINDS)}")


# ---------------------------------------------------------------- all cells at once

def _causal(shape_last2: tuple[int, int]) -> np.ndarray:
    return np.tri(shape_last2[0], shape_last2[1], dtype=bool)                # [T, Tk] visible


def max_over_deps(trace, name: str, times: dict[str, np.ndarray]) -> np.ndarray:
    """For every cell of `name`: the max of times[input][dep cell] over its minimal dependency set
    (as `cell_deps` defines it). Inputs missing from `times` are ignored; -inf where no deps. float64."""
    t = trace.tensors[name]
    shape = t.data.shape
    out = np.full(shape, -np.inf)
    op = t.op
    if op is None:
        return out
    k, ins, p = op.kind, op.inputs, op.params
    tm = {n: np.asarray(times[n], dtype=np.float64) for n in ins if n in times}

    def fold(n, contribution):
        nonlocal out
        if n in tm:
            out = np.maximum(out, contribution(tm[n]))

    def row_max(x, causal):                                                # [..., T, K] -> [..., T]
        if causal:
            x = np.where(_causal(x.shape[-2:]), x, -np.inf)
        return x.max(-1)

    if k == "gather":
        fold(ins[0], lambda x: x[np.asarray(p["index"], dtype=np.int64)])
    elif k in ("add", "gelu"):
        for n in ins:
            fold(n, lambda x: x)
    elif k == "layernorm_mean":
        fold(ins[0], lambda x: x.max(-1))
    elif k == "layernorm_rstd":
        fold(ins[0], lambda x: x.max(-1))
        fold(ins[1], lambda x: x)
    elif k == "layernorm":
        x, mean, rstd, w, b = ins
        fold(x, lambda v: v)
        fold(mean, lambda v: v[..., None])
        fold(rstd, lambda v: v[..., None])
        fold(w, lambda v: v)
        fold(b, lambda v: v)
    elif k == "linear":
        fold(ins[0], lambda x: x.max(-1)[..., None])                       # [T, 1] whole input row
        fold(ins[1], lambda w: w.max(0))                                   # [out] whole weight column
        if len(ins) > 2:
            fold(ins[2], lambda b: b)
    elif k == "split_heads":
        H, T, A = shape
        off = p["offset"]
        fold(ins[0], lambda x: x[:, off:off + H * A].reshape(T, H, A).transpose(1, 0, 2))
    elif k == "attn_scores":
        fold(ins[0], lambda q: q.max(-1)[..., :, None])                    # [H, T, 1]
        fold(ins[1], lambda kk: kk.max(-1)[..., None, :])                  # [H, 1, Tk]
        if p.get("causal"):
            out = np.where(_causal(shape[-2:]), out, -np.inf)
    elif k in ("softmax_max", "softmax_expsum"):
        fold(ins[0], lambda x: row_max(x, p.get("causal", False)))
        if k == "softmax_expsum":
            fold(ins[1], lambda m: m)
    elif k == "softmax":
        fold(ins[0], lambda x: x)
        fold(ins[1], lambda m: m[..., None])
        fold(ins[2], lambda e: e[..., None])
        if p.get("causal"):
            out = np.where(_causal(shape[-2:]), out, -np.inf)
    elif k == "attn_apply":
        T, C = shape
        H = p["n_head"]
        A = C // H
        acc = np.full((H, T, A), -np.inf)
        if ins[0] in tm:
            acc = np.maximum(acc, row_max(tm[ins[0]], True)[..., None])     # [H, T, 1] probs[h, t, s<=t]
        if ins[1] in tm:
            acc = np.maximum(acc, np.maximum.accumulate(tm[ins[1]], axis=1))  # [H, T, A] v[h, s<=t, a]
        out = acc.transpose(1, 0, 2).reshape(T, C)
    else:
        raise ValueError(f"unknown op kind {k!r} for {name}; known: {', '.join(KINDS)}")
    return np.broadcast_to(out, shape).copy() if out.shape != shape else out
