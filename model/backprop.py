"""Batched forward pass with a hand-written backward pass, for training and fast evaluation.

Same numerics as the traced `llmreel.model.gpt.forward` (shared primitives in `functional`), but over a
batch [B, T] and without recording. Works in any float dtype (float32 to train, float64 for gradient checks).
"""
from __future__ import annotations

import math

import numpy as np

from llmreel.model import functional as F
from llmreel.model.config import GPTConfig


def _ln_fwd(x, w, b):
    mean, rstd, xc = F.layernorm_parts(x)                       # [B, T], [B, T], [B, T, C]
    xhat = xc * rstd[..., None]                                 # [B, T, C]
    return xhat * w + b, (xhat, rstd)


def _ln_bwd(dy, cache, w):
    xhat, rstd = cache
    dw = np.einsum("btc,btc->c", dy, xhat)                      # [C]
    db = dy.sum((0, 1))                                         # [C]
    dxhat = dy * w                                              # [B, T, C]
    dx = rstd[..., None] * (dxhat - dxhat.mean(-1, keepdims=True)
                            - xhat * (dxhat * xhat).mean(-1, keepdims=True))
    return dx, dw, db


def _linear_bwd(dy, x, W):
    """y = x @ W + b: dx [.., in], dW [in, out], db [out]."""
    dW = x.reshape(-1, x.shape[-1]).T @ dy.reshape(-1, dy.shape[-1])
    return dy @ W.T, dW, dy.sum((0, 1))


def _gelu_bwd(dy, x, th):
    """d/dx of 0.5 x (1 + tanh(u)), u = c (x + 0.044715 x^3), given th = tanh(u) from the forward pass."""
    t = x.dtype.type
    dinner = t(F.GELU_C) * (t(1.0) + t(3 * 0.044715) * x * x)
    return dy * (t(0.5) * (t(1.0) + th) + t(0.5) * x * (t(1.0) - th * th) * dinner)


REMOVABLE = ("position", "layer-norm", "residual", "mlp")    # steps forward_batch can leave out (not to train)


def forward_batch(params: dict[str, np.ndarray], config: GPTConfig, idx: np.ndarray, *, keep: bool = False,
                  ablate: dict[int, list[int]] | None = None, remove=()):
    """Logits [B, T, V] for token ids idx [B, T]; with keep=True also the activations backward needs.
    `ablate` {layer: heads}: those heads' outputs are zeroed before the projection (gpt.forward's switch).
    `remove` (names of REMOVABLE, keep=False only): the position table is not added; each layer norm passes
    its input unchanged; each block's results replace the stream instead of being added to it; the MLPs
    add nothing (model/steps_removed.py measures what each costs)."""
    assert not (keep and remove) and set(remove) <= set(REMOVABLE), remove
    norm = (lambda x, w, b: (x, None)) if "layer-norm" in remove else _ln_fwd
    add = (lambda x, r: r) if "residual" in remove else (lambda x, r: x + r)
    B, T = idx.shape
    C, H, A = config.n_embd, config.n_head, config.head_dim
    dt = params["wte.weight"].dtype.type
    scale, mask_bias = dt(1.0 / math.sqrt(A)), F.causal_bias(T, dt)
    cache = {"idx": idx}
    x = params["wte.weight"][idx] + (0 if "position" in remove else params["wpe.weight"][:T])   # [B, T, C]
    for i in range(config.n_layer):
        h = f"h{i}."
        ln1, cache[h + "ln_1"] = norm(x, params[h + "ln_1.weight"], params[h + "ln_1.bias"])      # [B, T, C]
        qkv = ln1 @ params[h + "attn.c_attn.weight"] + params[h + "attn.c_attn.bias"]           # [B, T, 3C]
        q, k, v = qkv.reshape(B, T, 3, H, A).transpose(2, 0, 3, 1, 4)                          # [B, H, T, A] each
        att = q @ k.transpose(0, 1, 3, 2)                                                      # [B, H, T, Tk]
        att *= scale
        att += mask_bias
        att -= att.max(-1, keepdims=True)
        np.exp(att, out=att)
        att /= np.add.reduce(att, -1)[..., None]                                              # probs
        y = (att @ v).transpose(0, 2, 1, 3).reshape(B, T, C)                                  # [B, T, C]
        if ablate and i in ablate:
            F.zero_heads(y, ablate[i], A)                                                     # head ablation
        x = add(x, y @ params[h + "attn.c_proj.weight"] + params[h + "attn.c_proj.bias"])       # [B, T, C]
        if "mlp" in remove:
            continue
        ln2, cache[h + "ln_2"] = norm(x, params[h + "ln_2.weight"], params[h + "ln_2.bias"])
        fc = ln2 @ params[h + "mlp.c_fc.weight"] + params[h + "mlp.c_fc.bias"]                 # [B, T, 4C]
        g, th = F.gelu_parts(fc, keep_tanh=keep)
        x = add(x, g @ params[h + "mlp.c_proj.weight"] + params[h + "mlp.c_proj.bias"])         # [B, T, C]
        if keep:
            cache.update({h + "ln1": ln1, h + "q": q, h + "k": k, h + "v": v, h + "probs": att,
                          h + "y": y, h + "ln2": ln2, h + "fc": fc, h + "g": g, h + "tanh": th})
    lnf, cache["ln_f"] = norm(x, params["ln_f.weight"], params["ln_f.bias"])                   # [B, T, C]
    cache["lnf"] = lnf
    logits = lnf @ params["lm_head.weight"]                                                    # [B, T, V]
    return (logits, cache) if keep else logits


def loss_and_grads(params, config: GPTConfig, idx: np.ndarray, targets: np.ndarray):
    """Mean cross-entropy over positions with targets >= 0 (-1 = ignored, as minGPT) and its gradient
    with respect to every parameter (same names and shapes as params)."""
    B, T = idx.shape
    C, H, A = config.n_embd, config.n_head, config.head_dim
    dt = params["wte.weight"].dtype.type
    logits, cache = forward_batch(params, config, idx, keep=True)                            # [B, T, V]
    valid = targets >= 0                                                                       # [B, T]
    n = max(int(valid.sum()), 1)
    z = logits - logits.max(-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(-1, keepdims=True))                                        # [B, T, V]
    tgt = np.where(valid, targets, 0)
    loss = -float(np.take_along_axis(logp, tgt[..., None], -1)[..., 0][valid].sum()) / n
    dlogits = np.exp(logp)                                                                     # softmax
    np.put_along_axis(dlogits, tgt[..., None], np.take_along_axis(dlogits, tgt[..., None], -1) - 1, -1)
    dlogits *= (valid / dt(n)).astype(dt)[..., None]                                           # [B, T, V]

    grads = {}
    dx, grads["lm_head.weight"], _ = _linear_bwd(dlogits, cache["lnf"], params["lm_head.weight"])
    dx, grads["ln_f.weight"], grads["ln_f.bias"] = _ln_bwd(dx, cache["ln_f"], params["ln_f.weight"])
    scale = dt(1.0 / math.sqrt(A))
    for i in reversed(range(config.n_layer)):
        h = f"h{i}."
        # MLP: x = x + gelu(ln2 @ Wfc + bfc) @ Wmp + bmp
        dg, grads[h + "mlp.c_proj.weight"], grads[h + "mlp.c_proj.bias"] = \
            _linear_bwd(dx, cache[h + "g"], params[h + "mlp.c_proj.weight"])
        dfc = _gelu_bwd(dg, cache[h + "fc"], cache[h + "tanh"])                                                   # [B, T, 4C]
        dln2, grads[h + "mlp.c_fc.weight"], grads[h + "mlp.c_fc.bias"] = \
            _linear_bwd(dfc, cache[h + "ln2"], params[h + "mlp.c_fc.weight"])
        d, grads[h + "ln_2.weight"], grads[h + "ln_2.bias"] = _ln_bwd(dln2, cache[h + "ln_2"], params[h + "ln_2.weight"])
        dx = dx + d
        # attention: x = x + (probs @ v heads-concatenated) @ Wp + bp
        dy, grads[h + "attn.c_proj.weight"], grads[h + "attn.c_proj.bias"] = \
            _linear_bwd(dx, cache[h + "y"], params[h + "attn.c_proj.weight"])
        dy = dy.reshape(B, T, H, A).transpose(0, 2, 1, 3)                                      # [B, H, T, A]
        P, q, k, v = cache[h + "probs"], cache[h + "q"], cache[h + "k"], cache[h + "v"]
        dP = dy @ v.transpose(0, 1, 3, 2)                                                      # [B, H, T, Tk]
        dv = P.transpose(0, 1, 3, 2) @ dy                                                      # [B, H, Tk, A]
        dS = P * (dP - (dP * P).sum(-1, keepdims=True))                                        # softmax bwd; masked P = 0
        dS *= scale
        dq = dS @ k                                                                            # [B, H, T, A]
        dk = dS.transpose(0, 1, 3, 2) @ q                                                      # [B, H, Tk, A]
        dqkv = np.stack([dq, dk, dv], 2).transpose(0, 3, 2, 1, 4).reshape(B, T, 3 * C)         # [B, T, 3C]
        dln1, grads[h + "attn.c_attn.weight"], grads[h + "attn.c_attn.bias"] = \
            _linear_bwd(dqkv, cache[h + "ln1"], params[h + "attn.c_attn.weight"])
        d, grads[h + "ln_1.weight"], grads[h + "ln_1.bias"] = _ln_bwd(dln1, cache[h + "ln_1"], params[h + "ln_1.weight"])
        dx = dx + d
    onehot = (idx[..., None] == np.arange(config.vocab_size)).astype(dt)                       # [B, T, V]
    grads["wte.weight"] = onehot.reshape(-1, config.vocab_size).T @ dx.reshape(-1, C)          # [V, C]
    dwpe = np.zeros_like(params["wpe.weight"])
    dwpe[:T] = dx.sum(0)
    grads["wpe.weight"] = dwpe
    return loss, grads
