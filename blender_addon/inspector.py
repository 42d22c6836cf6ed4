"""How each traced tensor's cell is computed, as one readable line (for the panel's cell inspector).

`explain(tensor, index)` -> e.g. "Σ ln_1[3,:]·W_attn[:,5] + b[5]". Pure Python: no bpy.
"""
from __future__ import annotations

import re


def explain(tensor: str, index: tuple[int, ...]) -> str:
    """Formula for cell `index` of trace tensor `tensor` (GPT-2 names, docs/ARCHITECTURE.md); '' when unknown."""
    i = list(index)
    m = re.match(r"^h(\d+)\.(.+)$", tensor)
    layer, rest = (m.group(1), m.group(2)) if m else (None, tensor)
    W = (lambda w: f"h{layer}.{w}") if layer is not None else (lambda w: w)
    if len(i) == 1:
        i = [i[0], 0]
    t, c = i[-2], i[-1]
    ln_in = {"ln_1": "x", "ln_2": "attn.resid", "ln_f": "x"}
    rules = {
        "embed.tok": lambda: f"wte[token[{t}], {c}]",
        "embed.pos": lambda: f"wpe[{t}, {c}]",
        "embed.out": lambda: f"tok[{t},{c}] + pos[{t},{c}]",
        "attn.qkv": lambda: f"Σ ln_1[{t},:]·{W('attn.c_attn.weight')}[:,{c}] + b[{c}]",
        "attn.q": lambda: f"qkv[{i[1]}, head {i[0]} · A + {i[2]}]",
        "attn.k": lambda: f"qkv[{i[1]}, C + head {i[0]} · A + {i[2]}]",
        "attn.v": lambda: f"qkv[{i[1]}, 2C + head {i[0]} · A + {i[2]}]",
        "attn.scores": lambda: (f"Σ q[{i[0]},{i[1]},:]·k[{i[0]},{i[2]},:] / √A" +
                                (" (masked: −∞)" if i[2] > i[1] else "")),
        "attn.probs": lambda: f"exp(scores[{i[0]},{i[1]},{i[2]}] − max) / expsum[{i[0]},{i[1]}]",
        "attn.max": lambda: f"max_j scores[{i[0]},{i[1]},j]",
        "attn.expsum": lambda: f"Σ_j exp(scores[{i[0]},{i[1]},j] − max)",
        "attn.y": lambda: f"Σ_j probs[h,{t},j]·v[h,j,a]  (h, a = divmod({c}, A))",
        "attn.proj": lambda: f"Σ y[{t},:]·{W('attn.c_proj.weight')}[:,{c}] + b[{c}]",
        "attn.resid": lambda: f"x[{t},{c}] + attn.proj[{t},{c}]",
        "mlp.fc": lambda: f"Σ ln_2[{t},:]·{W('mlp.c_fc.weight')}[:,{c}] + b[{c}]",
        "mlp.gelu": lambda: f"GELU(fc[{t},{c}])",
        "mlp.proj": lambda: f"Σ gelu[{t},:]·{W('mlp.c_proj.weight')}[:,{c}] + b[{c}]",
        "mlp.resid": lambda: f"attn.resid[{t},{c}] + mlp.proj[{t},{c}]",
        "logits": lambda: f"Σ ln_f[{t},:]·lm_head[:,{c}]",
        "probs": lambda: f"exp(logits[{t},{c}] − max[{t}]) / expsum[{t}]",
        "logits.max": lambda: f"max_v logits[{i[-1] if len(index) == 1 else t},v]",
        "logits.expsum": lambda: f"Σ_v exp(logits[{index[0]},v] − max)",
    }
    for ln in ("ln_1", "ln_2", "ln_f"):
        rules[ln] = lambda ln=ln: f"({ln_in[ln]}[{t},{c}] − mean[{t}])·rstd[{t}]·γ[{c}] + β[{c}]"
        rules[f"{ln}.mean"] = lambda ln=ln: f"mean_c {ln_in[ln]}[{index[0]},c]"
        rules[f"{ln}.rstd"] = lambda ln=ln: f"1 / √(var_c {ln_in[ln]}[{index[0]},c] + 1e-5)"
    rule = rules.get(rest)
    if rule is not None:
        return rule()
    if tensor.endswith((".weight", ".bias")) or tensor in ("wte", "wpe"):
        return "learned parameter"
    return ""


def cell_line(formal: str, tensor: str, index: tuple[int, ...], value: float) -> str:
    """'q[1,3,5] = Σ ln_1[3,:]·W[:,…] + b = 0.412' style line."""
    how = explain(tensor, index)
    idx = ",".join(str(int(x)) for x in index)
    head = f"{tensor}[{idx}]"
    return f"{head} = {how} = {value:.4g}" if how else f"{head} = {value:.4g}"
