"""The numeric primitives shared by the traced forward pass and the trainer (minGPT/GPT-2 numerics).

Every function works on any float dtype and keeps it (float32 for the model, float64 in gradient tests).
"""
from __future__ import annotations

import math

import numpy as np

LN_EPS = 1e-5
GELU_C = math.sqrt(2.0 / math.pi)   # tanh-approximation GELU constant (GPT-2 / minGPT NewGELU)


def layernorm_stats(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row mean and 1/sqrt(population variance + eps) over the last axis: [..., C] -> [...], [...]."""
    mean = x.mean(-1)                                       # [...]
    xc = x - mean[..., None]                                # [..., C]
    var = (xc * xc).mean(-1)                                # [...] population variance
    rstd = (1.0 / np.sqrt(var + x.dtype.type(LN_EPS))).astype(x.dtype, copy=False)
    return mean, rstd


def layernorm_apply(x, mean, rstd, weight, bias) -> np.ndarray:
    """(x - mean) * rstd * weight + bias: [..., C]."""
    return (x - mean[..., None]) * rstd[..., None] * weight + bias


def gelu(x: np.ndarray) -> np.ndarray:
    """0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), the GPT-2 approximation."""
    t = x.dtype.type
    return t(0.5) * x * (t(1.0) + np.tanh(t(GELU_C) * (x + t(0.044715) * x * x * x)))


def causal_mask(T: int) -> np.ndarray:
    """[T, Tk] bool, True where key position s <= query position t (visible)."""
    return np.tri(T, T, dtype=bool)
