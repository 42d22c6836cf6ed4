"""The numeric primitives shared by the traced forward pass and the trainer (minGPT/GPT-2 numerics).

Every function works on any float dtype and keeps it (float32 for the model, float64 in gradient tests).
"""
from __future__ import annotations

import functools
import math

import numpy as np

LN_EPS = 1e-5
GELU_C = math.sqrt(2.0 / math.pi)   # tanh-approximation GELU constant (GPT-2 / minGPT NewGELU)


def layernorm_stats(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row mean and 1/sqrt(population variance + eps) over the last axis: [..., C] -> [...], [...]."""
    mean, rstd, _ = layernorm_parts(x)
    return mean, rstd


def layernorm_parts(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """mean [...], rstd [...] and the centred x - mean [..., C] (reused by layernorm_apply_centred)."""
    inv_n = x.dtype.type(1.0 / x.shape[-1])
    mean = np.add.reduce(x, -1)                             # [...]
    mean *= inv_n
    xc = x - mean[..., None]                                # [..., C]
    var = np.add.reduce(xc * xc, -1)                        # [...]
    var *= inv_n                                            # population variance
    var += x.dtype.type(LN_EPS)
    rstd = np.sqrt(var, out=var)
    np.divide(x.dtype.type(1.0), rstd, out=rstd)            # 1 / sqrt(var + eps)
    return mean, rstd, xc


def layernorm_apply(x, mean, rstd, weight, bias) -> np.ndarray:
    """(x - mean) * rstd * weight + bias: [..., C]."""
    return layernorm_apply_centred(x - mean[..., None], rstd, weight, bias)


def layernorm_apply_centred(xc, rstd, weight, bias) -> np.ndarray:
    """xc * rstd * weight + bias for xc = x - mean (xc is overwritten): [..., C]."""
    xc *= rstd[..., None]
    xc *= weight
    xc += bias
    return xc


def layernorm_rows(x: np.ndarray, weight, bias) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """mean [...], rstd [...] and (x - mean) * rstd * weight + bias [..., C]: the traced pass's LayerNorm.

    Same numbers as layernorm_parts + layernorm_apply_centred up to float32 rounding, with fewer numpy
    calls: both row means are one matrix-vector product with a 1/C vector (sum and scale in one call)."""
    by_n = _mean_vector(x.shape[-1], x.dtype.type)              # [C] of 1/C
    mean = x @ by_n                                             # [...]
    xc = x - mean[..., None]                                    # [..., C]
    var = (xc * xc) @ by_n                                      # [...] population variance
    var += x.dtype.type(LN_EPS)
    rstd = np.sqrt(var, out=var)
    np.divide(x.dtype.type(1.0), rstd, out=rstd)                # 1 / sqrt(var + eps)
    return mean, rstd, layernorm_apply_centred(xc, rstd, weight, bias)


@functools.lru_cache(maxsize=None)
def _mean_vector(n: int, dtype) -> np.ndarray:
    v = np.full(n, 1.0 / n, dtype=dtype)
    v.flags.writeable = False
    return v


def gelu(x: np.ndarray) -> np.ndarray:
    """0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), the GPT-2 approximation."""
    return gelu_parts(x)[0]


def gelu_parts(x: np.ndarray, keep_tanh: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
    """GELU and (if keep_tanh) the tanh term, which the backward pass reuses."""
    t = x.dtype.type
    u = x * x                                               # [...]
    u *= t(0.044715)
    u += t(1.0)
    u *= x                                                  # x + 0.044715 x^3
    u *= t(GELU_C)
    np.tanh(u, out=u)
    th = u.copy() if keep_tanh else None
    u += t(1.0)
    u *= x
    u *= t(0.5)
    return u, th


@functools.lru_cache(maxsize=None)
def causal_mask(T: int) -> np.ndarray:
    """[T, Tk] bool, True where key position s <= query position t (visible). Read-only, cached."""
    m = np.tri(T, T, dtype=bool)
    m.flags.writeable = False
    return m


@functools.lru_cache(maxsize=None)
def causal_hidden(T: int) -> np.ndarray:
    """[T, Tk] bool, True where s > t (masked to -inf before softmax). Read-only, cached."""
    m = ~np.tri(T, T, dtype=bool)
    m.flags.writeable = False
    return m


@functools.lru_cache(maxsize=None)
def causal_bias(T: int, dtype=np.float32) -> np.ndarray:
    """[T, Tk]: 0 where visible, -inf where s > t; adding it masks scores exactly. Read-only, cached."""
    m = np.where(np.tri(T, T, dtype=bool), 0.0, -np.inf).astype(dtype)
    m.flags.writeable = False
    return m


def zero_heads(y: np.ndarray, heads, head_dim: int) -> np.ndarray:
    """Head ablation, in place: zero the given heads' outputs in y [..., C] (heads side by side, before the
    attention projection), so the model runs as if those heads had written nothing."""
    for h in heads:
        y[..., h * head_dim:(h + 1) * head_dim] = 0
    return y
