"""Caption texts per beat in English and Korean, written from the actual input and trace values.

Each beat's templates live in its BeatDef (beats_*.py); they use str.format fields (a Korean particle
after one is chosen for its value: `{input:을/를}`, see `render`) filled from
`caption_context` (letters, tokens, real values) and the per-beat fields {layer} {pass} {col} {letter}
(timeline.beat_fields); a story file may override any beat's template per language and use the same fields.
"""
from __future__ import annotations

import math
import string

import numpy as np

from llmreel.core.errors import InputError
from llmreel.core.korean import PAIRS, pair_of, particle
from llmreel.model.steps_removed import StepsRemoved
from llmreel.model.tokenizer import VOCAB

MINUS = "\u2212"


def fmt(v: float, small: bool = True) -> str:
    """A trace value as shown on screen: two decimals (small values: two significant digits, at most
    six decimals, so 0.0123 does not read as 0.01 or 0.00; not for probabilities, small=False), a real
    minus sign."""
    v = float(v)
    d = 2
    if small and v != 0 and abs(v) < 0.1:
        d = min(6, 1 - math.floor(math.log10(abs(v))))
    s = f"{v:.{d}f}"
    if float(s) == 0:
        s = "0.00"
    return s.replace("-", MINUS)


def _letter(tok: int) -> str:
    return VOCAB[tok] if 0 <= tok < len(VOCAB) else f"#{tok}"


def percent(v: float) -> str:
    """A measured percentage as a caption says it: one decimal, none when whole (100, 60.4, 0.1)."""
    return f"{v:.1f}".removesuffix(".0")


def caption_context(trace, n_in: int, output: str, input_text: str, n_params: int,
                    steps: StepsRemoved | None = None) -> dict[str, str]:
    """Fields for the caption templates, all from the real input and the last pass's trace; the chapters
    follow column t, the one that makes the first prediction. `steps`: the accuracies with a step left out
    (model/steps_removed.py; None for a model that does not sort letters: those fields read "–")."""
    cfg = trace.config
    toks = list(trace.tokens)
    t = n_in - 1                                         # column that makes the first prediction
    p_last = trace["probs"][t]                           # [V]
    best = int(np.argmax(p_last))
    probs_attn = trace["h0.attn.probs"][0, t, : t + 1]    # [t+1] head 0, causal row
    x = trace["embed.out"][t]                            # [C]
    gi = gelu_cell(trace, t)
    s_max = int(np.argmax(probs_attn))
    ctx = {
        "input": input_text, "output": output, "n": str(n_in), "n_out": str(len(output)),
        "ids": " ".join(str(t) for t in toks[:n_in]),
        "tok0": str(toks[0]), "tok0_letter": _letter(toks[0]),
        "C": str(cfg.n_embd), "C4": str(4 * cfg.n_embd), "H": str(cfg.n_head), "A": str(cfg.head_dim),
        "V": str(cfg.vocab_size), "n_layer": str(cfg.n_layer), "n_params": f"{n_params:,}",
        "v_tok": fmt(trace["embed.tok"][t, 0]), "v_pos": fmt(trace["embed.pos"][t, 0]),
        "v_out": fmt(x[0]),
        "mean0": fmt(trace["h0.ln_1.mean"][t]), "rstd0": fmt(trace["h0.ln_1.rstd"][t]),
        "ln_x": fmt(x[0]), "ln_y": fmt(trace["h0.ln_1"][t, 0]),
        "t": str(t), "last_letter": _letter(toks[t]),
        "q": fmt(trace["h0.attn.q"][0, t, 0]),
        "score": fmt(trace["h0.attn.scores"][0, t, 0]),
        "attn_max": fmt(trace["h0.attn.max"][0, t]), "attn_sum": fmt(trace["h0.attn.expsum"][0, t]),
        "attn_pmax": fmt(probs_attn.max(), small=False), "attn_argmax": str(s_max),
        "res_a": fmt(trace["embed.out"][t, 0]), "res_b": fmt(trace["h0.attn.proj"][t, 0]),
        "res_c": fmt(trace["h0.attn.resid"][t, 0]),
        "gelu_x": fmt(trace["h0.mlp.fc"][t, gi]), "gelu_y": fmt(trace["h0.mlp.gelu"][t, gi]),
        "first_out": _letter(best), "p_best": fmt(p_last[best], small=False),
        "probs_list": ", ".join(f"{_letter(v)} {fmt(p_last[v], small=False)}" for v in range(min(cfg.vocab_size, 3))),
    }
    ctx.update(_attended(_letter(toks[s_max]), _letter(best)))
    ctx.update(_measured(steps))
    return ctx


def _attended(letter: str, first_out: str) -> dict[str, str]:
    """What the followed column's head 0 attends to most, and, when it is the letter the answer starts
    with, why that helps sorting (en and ko: whole sentences, chosen by the trace)."""
    if letter == first_out:
        return {"attn_letter_en": f"the {letter}, which the sorted answer must start with.",
                "attn_letter_ko": f"곧 {letter}, 정렬된 답이 시작해야 하는 글자입니다."}
    return {"attn_letter_en": f"the {letter}.", "attn_letter_ko": f"곧 {letter}입니다."}


def _measured(steps: StepsRemoved | None) -> dict[str, str]:
    keys = ("acc_full", "n_inputs", "spread_first", "spread_last",
            *(f"acc_no_{k.replace('-', '_')}" for k in ("position", "layer-norm", "residual", "mlp", "attention")))
    if steps is None:
        return dict.fromkeys(keys, "–")
    out = {"acc_full": percent(steps.full), "n_inputs": str(steps.n_inputs),
           "spread_first": fmt(steps.spread["h0.ln_1"]), "spread_last": fmt(steps.spread["ln_f"])}
    out.update({f"acc_no_{k.replace('-', '_')}": percent(v) for k, v in steps.without.items()})
    return out


def render(template: str, fields: dict[str, str], where: str) -> str:
    """template with its fields filled (str.format syntax). A Korean particle is chosen for the word it
    follows, as read aloud (core.korean): `{field:을/를}` after a field's value, or `{을/를}` after whatever
    text precedes it, a closing aside in parentheses skipped ("{tok0_letter}(번호 {tok0}){은/는}"). Pairs:
    을/를, 이/가, 은/는, 와/과, 으로/로, in either order."""
    f = string.Formatter()
    out: list[str] = []
    try:
        for literal, name, spec, conv in f.parse(template):
            out.append(literal)
            if name is None:
                continue
            if pair_of(name):                                   # {을/를}: for the text so far
                text = "".join(out)
                head = _before_aside(text)
                out[:] = [text + _attach(head, name, where)[len(head):]]
                continue
            value = f.convert_field(f.get_field(name, (), fields)[0], conv)
            spec = f.vformat(spec, (), fields) if spec and "{" in spec else spec     # nested: {x:>{w}}
            pair = pair_of(spec or "")
            out.append(_attach(str(value), pair, where) if pair else f.format_field(value, spec or ""))
    except (KeyError, IndexError, AttributeError, ValueError) as exc:
        raise InputError(f"caption {where}: bad placeholder {exc}; accepted: "
                         f"{', '.join('{' + k + '}' for k in sorted(fields))}, each optionally followed by "
                         f"a particle pair ({{field:을/를}}) or a particle {{을/를}}: {', '.join(PAIRS)}") from None
    return "".join(out)


def _before_aside(text: str) -> str:
    """text without a closing parenthetical aside: a particle follows the word before it, as in Korean
    writing ("토큰 C(번호 2)는": 씨 -> 는, whatever the number)."""
    if text.endswith(")") and "(" in text:
        head = text[:text.rindex("(")]
        if head.strip():
            return head
    return text


def _attach(word: str, pair: str, where: str) -> str:
    """word with the particle that fits it; a value no one can read aloud (a text model's token made of
    symbols) takes both forms, the consonant one in brackets, as Korean does when it cannot tell."""
    try:
        return particle(word, pair)
    except ValueError:
        if not word.strip():
            raise InputError(f"caption {where}: a particle {pair} with no word before it; accepted: a "
                             f"particle after a word, number or letter") from None
        after_consonant, after_vowel = PAIRS[pair_of(pair) or pair]
        return f"{word}{after_consonant}({after_vowel})" if pair != "으로/로" else f"{word}(으)로"


def fill_caption(templates: dict[str, str], fields: dict[str, str], where: str) -> dict[str, str]:
    """{language: caption} of a beat's templates ({language: template}) with its fields filled in."""
    return {lang: render(t, fields, f"{where}.{lang}") for lang, t in templates.items()}


def gelu_cell(trace, t: int) -> int:
    """The followed column's MLP number that shows GELU's bend (the caption and the focus moment both name
    it): the first (topmost, where the shot names the 192-row block) between -2 and -0.5, which GELU
    shrinks towards zero; else the one nearest -1."""
    v = trace["h0.mlp.fc"][t]
    bent = np.flatnonzero((v >= -2.0) & (v <= -0.5))
    return int(bent[0]) if bent.size else int(np.argmin(np.abs(v + 1.0)))
