"""Caption fields of a text (GPT-2-family) model: its tokens named by their text, quoted ("The", " cat"),
the top predictions with their token strings, the continuation it writes. Added to captions.caption_context
for the text story (scenes/gpt2_text.toml); every value from the real prompt and the last pass's trace.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from llmreel.scenes.captions import fmt

SHOWN_TOKENS = 8            # a caption lists at most this many of the prompt's tokens, then "…"
TOP_K = 3                   # predictions a caption names (a value text shows five)


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
    the blocks after the first as a sentence starts ("Each of blocks 1 to 11 repeats", "블록 1부터 11까지 각자")."""
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
    }
