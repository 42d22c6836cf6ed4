"""Caption fields of a text (GPT-2-family) model: its tokens named by their text, quoted ("The", " cat"),
the top predictions with their token strings, the continuation it writes. Added to captions.caption_context
for the text story (scenes/gpt2_text.toml); every value from the real prompt and the last pass's trace.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from llmreel.core.korean import particle
from llmreel.scenes.captions import fmt, percent

SHOWN_TOKENS = 8            # a caption lists at most this many of the prompt's tokens, then "…"
TOP_K = 3                   # predictions a caption names with their logits (a value text shows five)
TOP_P = 5                   # predictions a caption names with their probabilities
HEADS_NAMED = 3             # heads whose strongest look a caption names (the count of positions covers all)


def quoted(text: str) -> str:
    """A token's text as captions and value texts show it: in quotes, so a leading space shows (" cat"),
    a newline or tab written as \\n, \\t."""
    return '"' + text.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r") + '"'


def token_list(ids, name: Callable[[int], str], most: int = SHOWN_TOKENS) -> str:
    """'"The", " cat", " sat"' (the first `most`, then '… N tokens')."""
    shown = ", ".join(quoted(name(i)) for i in list(ids)[:most])
    return shown if len(ids) <= most else f"{shown}, … {len(ids)}"


def top_tokens(p: np.ndarray, k: int) -> list[int]:
    """The k most likely token ids, most likely first (ties: the lower id)."""
    return [int(v) for v in np.argsort(-p, kind="stable")[:k]]


def text_fields(trace, n_in: int, name: Callable[[int], str], continuation: str) -> dict[str, str]:
    """{tokens_q} the prompt's tokens quoted; {tok0_q} {last_q} its first and last ({last_id}: the last's id); {next_q} the predicted
    token, {logit_best} its logit and {p_next} its probability (two significant digits: over 50,257 tokens
    most are far below 0.01); {vocab} the vocabulary's size (50,257); {top_logits} {top_probs} the top predictions with logits or
    probabilities; {attn_q} the token head 0 attends to most from the last column; {continuation} the
    text written, quoted; {n_new} how many tokens ({n_new_en}: "1 token", "3 tokens"); {later_en} {later_ko}
    the blocks after the first as a sentence starts ("Each of blocks 1 to 11 repeats", "블록 1부터 11까지 각자");
    {top5_probs} the five most likely tokens with their probabilities; and the whys' fields (why_fields)."""
    toks = [int(v) for v in trace.tokens]
    t = n_in - 1
    p, z = trace["probs"][t], trace["logits"][t]
    top = top_tokens(p, TOP_K)
    s_max = int(np.argmax(trace["h0.attn.probs"][0, t, : t + 1]))
    n_new, L = len(toks) - n_in + 1, trace.config.n_layer
    return {
        "tokens_q": token_list(toks[:n_in], name), "tok0_q": quoted(name(toks[0])),
        "last_q": quoted(name(toks[t])), "last_id": str(toks[t]), "next_q": quoted(name(top[0])),
        "logit_best": fmt(z[top[0]]),
        "top_logits": ", ".join(f"{quoted(name(v))} {fmt(z[v])}" for v in top),
        "top_probs": ", ".join(f"{quoted(name(v))} {fmt(p[v])}" for v in top),
        "p_next": fmt(p[top[0]]), "vocab": f"{len(p):,}",
        "attn_q": quoted(name(toks[s_max])), "continuation": quoted(continuation),
        "n_new": str(n_new), "n_new_en": f"{n_new} token" + ("s" if n_new != 1 else ""),
        "later_en": "Block 1 repeats" if L == 2 else f"Each of blocks 1 to {L - 1} repeats",
        "later_ko": "블록 1은" if L == 2 else f"블록 1부터 {L - 1}까지 각자",
        "top5_probs": ", ".join(f"{quoted(name(v))} {fmt(p[v])}" for v in top_tokens(p, TOP_P)),
        **why_fields(trace, t, name),
    }


def why_fields(trace, t: int, name: Callable[[int], str]) -> dict[str, str]:
    """The text story's whys, each a fact measured on this model and prompt (its trace), never a guess:
    {spread_in} {spread_out} how far column t's numbers spread (standard deviation) where block 0's first
    layer norm and the final one read them; {heads_look_en} {heads_look_ko} where the first heads look most
    from column t, with their shares, and how many positions all heads pick; {mlp_share} the percentage of
    block 0's weights that are its MLP's."""
    p = trace["h0.attn.probs"]                            # [H, T, T]; every layer's heads read the same way
    H = p.shape[0]
    best = [int(np.argmax(p[h, t, : t + 1])) for h in range(H)]
    toks = [int(v) for v in trace.tokens]
    look = [(h, quoted(name(toks[best[h]])), fmt(p[h, t, best[h]], small=False)) for h in range(min(H, HEADS_NAMED))]
    en = "head 0 looks most at {1} ({2})".format(*look[0]) + "".join(f", head {h} at {q} ({v})" for h, q, v in look[1:])
    ko = ", ".join(f"{particle(f'헤드 {h}', '은/는')} {q}에 {v}" for h, q, v in look[:-1])
    h, q, v = look[-1]
    ko = (ko + ", " if ko else "") + f"{particle(f'헤드 {h}', '은/는')} {q}에 {particle(v, '을/를')} 줍니다"
    n = len(set(best))
    if H > HEADS_NAMED:
        en += f"; all {H} heads together pick {n} different position" + ("s" if n != 1 else "")
        ko += f". {H}개의 헤드가 가장 많이 보는 위치는 모두 {n}곳입니다"
    block = [k for k in trace.tensors if k.startswith("h0.") and k.rsplit(".", 1)[-1] in ("weight", "bias")]
    size = {k: trace[k].size for k in block}
    mlp = sum(v for k, v in size.items() if k.startswith("h0.mlp."))
    return {"spread_in": fmt(1.0 / trace["h0.ln_1.rstd"][t]), "spread_out": fmt(1.0 / trace["ln_f.rstd"][t]),
            "heads_look_en": en, "heads_look_ko": ko, "mlp_share": percent(100.0 * mlp / sum(size.values()))}
