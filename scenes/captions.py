"""Caption texts per beat in English and Korean, written from the actual input and trace values.

Templates use str.format fields filled from `caption_context` (letters, tokens, real values); a story
file may override any beat's template per language and use the same fields.
"""
from __future__ import annotations

import math
import string

import numpy as np

from llmreel.core.errors import InputError
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


def caption_context(trace, n_in: int, output: str, input_text: str, n_params: int) -> dict[str, str]:
    """Fields for the caption templates, all from the real input and the last pass's trace."""
    cfg = trace.config
    toks = list(trace.tokens)
    t_last = n_in - 1                                    # column that makes the first prediction
    p_last = trace["probs"][t_last]                      # [V]
    best = int(np.argmax(p_last))
    probs_attn = trace["h0.attn.probs"][0, t_last, : t_last + 1]    # [t+1] head 0, causal row
    x = trace["embed.out"][0]                            # [C]
    gi = int(np.argmin(np.abs(trace["h0.mlp.fc"][0] + 1.0)))        # a cell near -1 shows GELU's bend
    ctx = {
        "input": input_text, "output": output, "n": str(n_in), "n_out": str(len(output)),
        "ids": " ".join(str(t) for t in toks[:n_in]),
        "tok0": str(toks[0]), "tok0_letter": _letter(toks[0]),
        "C": str(cfg.n_embd), "C4": str(4 * cfg.n_embd), "H": str(cfg.n_head), "A": str(cfg.head_dim),
        "V": str(cfg.vocab_size), "n_layer": str(cfg.n_layer), "n_params": f"{n_params:,}",
        "v_tok": fmt(trace["embed.tok"][0, 0]), "v_pos": fmt(trace["embed.pos"][0, 0]),
        "v_out": fmt(x[0]),
        "mean0": fmt(trace["h0.ln_1.mean"][0]), "rstd0": fmt(trace["h0.ln_1.rstd"][0]),
        "ln_x": fmt(x[0]), "ln_y": fmt(trace["h0.ln_1"][0, 0]),
        "t": str(t_last), "last_letter": _letter(toks[t_last]),
        "q": fmt(trace["h0.attn.q"][0, t_last, 0]),
        "score": fmt(trace["h0.attn.scores"][0, t_last, 0]),
        "attn_max": fmt(trace["h0.attn.max"][0, t_last]), "attn_sum": fmt(trace["h0.attn.expsum"][0, t_last]),
        "attn_pmax": fmt(probs_attn.max(), small=False), "attn_argmax": str(int(np.argmax(probs_attn))),
        "res_a": fmt(trace["embed.out"][0, 0]), "res_b": fmt(trace["h0.attn.proj"][0, 0]),
        "res_c": fmt(trace["h0.attn.resid"][0, 0]),
        "gelu_x": fmt(trace["h0.mlp.fc"][0, gi]), "gelu_y": fmt(trace["h0.mlp.gelu"][0, gi]),
        "first_out": _letter(best), "p_best": fmt(p_last[best], small=False),
        "probs_list": ", ".join(f"{_letter(v)} {fmt(p_last[v], small=False)}" for v in range(min(cfg.vocab_size, 3))),
    }
    return ctx


# beat id -> (en, ko). {layer}, {pass}, {col}, {letter} are per-beat fields (see plan.beat_fields).
TEMPLATES: dict[str, tuple[str, str]] = {
    "introduction.task": (
        "This small GPT sorts letters. Given {input}, it must answer {output}. We will watch every number it computes.",
        "이 작은 GPT는 글자를 정렬합니다. {input}을(를) 받으면 {output}을(를) 답해야 합니다. 모든 계산을 지켜봅시다."),
    "introduction.tokens": (
        "Each letter is a token: A=0, B=1, C=2. So {input} enters the model as {ids}.",
        "각 글자는 토큰입니다: A=0, B=1, C=2. 그래서 {input}은(는) {ids}(으)로 들어갑니다."),
    "introduction.weights": (
        "Blue blocks are weights: {n_params} numbers fixed by training. Green blocks are activations, computed from the input.",
        "파란 블록은 가중치입니다: 학습으로 정해진 {n_params}개의 수. 초록 블록은 입력으로 계산되는 활성값입니다."),
    "introduction.overview": (
        "A quick pass: the data flows down through {n_layer} blocks to the first prediction, {first_out}.",
        "빠르게 한 번: 데이터가 {n_layer}개의 블록을 지나 첫 예측 {first_out}까지 흘러갑니다."),
    "embedding.token": (
        "Token {tok0_letter} (id {tok0}) selects its column of the token table: {C} numbers, starting {v_tok}.",
        "토큰 {tok0_letter}(번호 {tok0})는 토큰 표에서 자기 열을 고릅니다: {C}개의 수, 첫 값은 {v_tok}."),
    "embedding.position": (
        "Each position selects its column of the position table, so the model knows where a letter sits.",
        "각 위치는 위치 표에서 자기 열을 고릅니다. 그래서 모델은 글자의 자리를 압니다."),
    "embedding.sum": (
        "Token plus position: {v_tok} + {v_pos} = {v_out}. This starts the residual stream on the right.",
        "토큰 더하기 위치: {v_tok} + {v_pos} = {v_out}. 이것이 오른쪽 잔차 스트림의 시작입니다."),
    "layer-norm.column": (
        "Column 0 ({tok0_letter}): mean {mean0}, 1/std {rstd0}. Subtract, rescale, then scale and shift: {ln_x} becomes {ln_y}.",
        "0번 열({tok0_letter}): 평균 {mean0}, 1/표준편차 {rstd0}. 빼고, 나누고, 스케일과 이동: {ln_x}이(가) {ln_y}이(가) 됩니다."),
    "layer-norm.all": (
        "Every column is normalised the same way, each on its own.",
        "모든 열이 같은 방식으로, 각자 따로 정규화됩니다."),
    "self-attention.qkv": (
        "Query, key and value: weight column times input column, summed, plus a bias. Head 0's first query number: {q}.",
        "쿼리, 키, 값: 가중치 열과 입력 열을 곱해 더하고 편향을 더합니다. 헤드 0의 첫 쿼리 값: {q}."),
    "self-attention.scores": (
        "The query of {last_letter} at position {t} meets every earlier key; later ones are masked. First score: {score}.",
        "위치 {t}의 {last_letter} 쿼리가 앞의 모든 키와 만납니다. 뒤의 것은 가려집니다. 첫 점수: {score}."),
    "self-attention.softmax": (
        "Softmax: subtract the max {attn_max}, exponentiate, divide by the sum {attn_sum}. Position {attn_argmax} gets {attn_pmax}.",
        "소프트맥스: 최댓값 {attn_max}을(를) 빼고, 지수를 취하고, 합 {attn_sum}(으)로 나눕니다. 위치 {attn_argmax}가 {attn_pmax}를 받습니다."),
    "self-attention.mix": (
        "Each head sums the value vectors with those weights. All {H} heads work side by side.",
        "각 헤드는 그 가중치로 값 벡터를 더합니다. {H}개의 헤드가 나란히 일합니다."),
    "projection.project": (
        "The heads are joined into {C} rows and projected by a {C} by {C} weight matrix.",
        "헤드들을 {C}개의 행으로 합치고 {C}×{C} 가중치 행렬로 투영합니다."),
    "projection.residual": (
        "The result is added to the residual stream: {res_a} + {res_b} = {res_c}.",
        "결과를 잔차 스트림에 더합니다: {res_a} + {res_b} = {res_c}."),
    "mlp.norm": (
        "Layer norm again, now before the MLP.",
        "MLP 앞에서 다시 레이어 정규화를 합니다."),
    "mlp.expand": (
        "Each column expands to {C4} numbers through a weight matrix.",
        "각 열이 가중치 행렬을 거쳐 {C4}개의 수로 늘어납니다."),
    "mlp.gelu": (
        "GELU bends each number: negatives shrink towards zero, so {gelu_x} becomes {gelu_y}.",
        "GELU가 각 수를 굽힙니다: 음수는 0 쪽으로 줄어, {gelu_x}이(가) {gelu_y}이(가) 됩니다."),
    "mlp.project": (
        "A second matrix projects the {C4} numbers back to {C}.",
        "두 번째 행렬이 {C4}개의 수를 다시 {C}개로 투영합니다."),
    "mlp.residual": (
        "Added to the residual stream again. That was one transformer block.",
        "다시 잔차 스트림에 더합니다. 이것이 트랜스포머 블록 하나입니다."),
    "transformer.blocks": (
        "Block {layer} repeats the same steps with its own weights; the stream keeps flowing down.",
        "블록 {layer}은(는) 자기 가중치로 같은 단계를 반복합니다. 스트림은 계속 아래로 흐릅니다."),
    "softmax.norm": (
        "A final layer norm prepares each column for the output.",
        "마지막 레이어 정규화가 각 열을 출력에 맞게 준비합니다."),
    "softmax.logits": (
        "The LM head turns each column into {V} scores, called logits: one per letter.",
        "LM 헤드가 각 열을 {V}개의 점수, 곧 로짓으로 바꿉니다: 글자마다 하나."),
    "softmax.probs": (
        "Softmax turns the last column's logits into probabilities: {probs_list}.",
        "소프트맥스가 마지막 열의 로짓을 확률로 바꿉니다: {probs_list}."),
    "output.pick": (
        "The most likely letter, {first_out} ({p_best}), is the first output. It is appended and fed back.",
        "가장 가능성 높은 글자 {first_out}({p_best})이(가) 첫 출력입니다. 뒤에 붙여 다시 넣습니다."),
    "output.loop": (
        "Pass {pass}: only the new column {col} is computed; earlier columns stay as they were. Next: {letter}.",
        "{pass}번째 계산: 새 열 {col}만 계산하고 앞의 열은 그대로입니다. 다음 글자: {letter}."),
    "output.loop_more": (
        "Pass {pass}: only column {col} is new. Next: {letter}.",
        "{pass}번째 계산: 새 열 {col}만. 다음: {letter}."),
    "output.answer": (
        "After {n_out} passes the answer is complete: {input} sorted is {output}.",
        "{n_out}번의 계산 끝에 답이 완성됩니다: {input}을(를) 정렬하면 {output}."),
}


def render(template: str, fields: dict[str, str], where: str) -> str:
    try:
        return string.Formatter().vformat(template, (), fields)
    except (KeyError, IndexError, ValueError) as exc:
        raise InputError(f"caption {where}: bad placeholder {exc}; accepted: "
                         f"{', '.join('{' + k + '}' for k in sorted(fields))}") from None


def beat_caption(beat_key: str, fields: dict[str, str], override: dict[str, str] | None) -> dict[str, str]:
    """{en, ko} caption of a beat ("chapter.name" without a .N suffix), overrides applied."""
    en, ko = TEMPLATES[beat_key]
    texts = {"en": en, "ko": ko}
    texts.update(override or {})
    return {lang: render(t, fields, f"{beat_key}.{lang}") for lang, t in texts.items()}
