"""Beats of chapters 4-7: self-attention, projection, MLP, transformer (each beat whole: storyboard.BeatDef).
Chapters 4-6 walk through block 0; chapter 7 runs each later block in one beat."""
from __future__ import annotations

import numpy as np

from llmreel.scenes.moments import Moments
from llmreel.scenes.storyboard import (SIDES, BeatDef, BeatPlan, Ctx, Shot, Step, head0, layer_focus,
                                       layer_steps)


def block0(part: str):
    """Steps of block 0's `part` over the first pass (see storyboard.layer_steps)."""
    return lambda ctx: layer_steps(0, (0, ctx.n_in))[part]


def focus0(part: str):
    return lambda ctx: layer_focus(0)[part]


def qkv_steps(ctx: Ctx) -> list[Step]:
    """Q, K, V: first the focus token (the last input column: it sees every earlier token), then the rest."""
    t = ctx.n_in - 1
    qkv = layer_steps(0, (0, ctx.n_in))["qkv"][0].tensors
    return [Step(qkv, (t, t + 1))] + ([Step(qkv, (0, t))] if t else [])


# ---- focus moments -------------------------------------------------------------------------------------

def query_dot(m: Moments, beat: BeatPlan) -> None:
    W, B = "h0.attn.c_attn.weight", "h0.attn.c_attn.bias"
    t, C = m.t, m.trace.config.n_embd
    m.highlight(beat, f"{W}.q[0]", (0, 1), (0, C))
    m.column(beat, "h0.ln_1", t)
    m.highlight(beat, "h0.attn.q[0]", (0, 1), (t, t + 1))
    m.fly(beat, ("h0.ln_1", (t, 0)), "h0.attn.q[0]", (0, t))          # input x weight, element 0
    m.fly(beat, (W, (0, 0)), "h0.attn.q[0]", (0, t))
    m.value(beat, "{} × {} + {} × {} + … + {} = {}",
            [("h0.ln_1", (t, 0)), (W, (0, 0)), ("h0.ln_1", (t, 1)), (W, (1, 0)), (B, (0,)),
             ("h0.attn.q", (0, t, 0))], ("h0.attn.q", (0, t, 0)))


def query_meets_keys(m: Moments, beat: BeatPlan) -> None:
    t, A = m.t, m.trace.config.head_dim
    m.column(beat, "h0.attn.q[0]", t)
    m.highlight(beat, "h0.attn.k[0]", (0, A), (0, t + 1))
    m.highlight(beat, "h0.attn.scores[0]", (0, t + 1), (t, t + 1))
    m.value(beat, "q·k / √A = {}", [("h0.attn.scores", (0, t, 0))], ("h0.attn.scores", (0, t, 0)))


def attention_softmax(m: Moments, beat: BeatPlan) -> None:
    t = m.t
    s = int(np.argmax(m.trace["h0.attn.probs"][0, t, : t + 1]))
    m.highlight(beat, "h0.attn.probs[0]", (0, t + 1), (t, t + 1))
    m.value(beat, "max {}   Σ exp {}   p = {}",
            [("h0.attn.max", (0, t)), ("h0.attn.expsum", (0, t)), ("h0.attn.probs", (0, t, s))],
            ("h0.attn.probs", (0, t, s)))


def weighted_sum(m: Moments, beat: BeatPlan) -> None:
    m.column(beat, "h0.attn.y", m.t)


def attention_residual(m: Moments, beat: BeatPlan) -> None:
    m.addition(beat, "embed.out", "h0.attn.proj", "h0.attn.resid")


def gelu_bend(m: Moments, beat: BeatPlan) -> None:
    gi = int(np.argmin(np.abs(m.trace["h0.mlp.fc"][0] + 1.0)))          # a cell near -1 shows the bend
    m.highlight(beat, "h0.mlp.fc", (gi, gi + 1), (0, 1))
    m.fly(beat, ("h0.mlp.fc", (0, gi)), "h0.mlp.gelu", (gi, 0))
    m.value(beat, "GELU({}) = {}", [("h0.mlp.fc", (0, gi)), ("h0.mlp.gelu", (0, gi))], ("h0.mlp.gelu", (0, gi)))


# ---- the beats -----------------------------------------------------------------------------------------

def _block(name: str, part: str, seconds: float, caption: tuple[str, str], side: float, moments=None,
           chapter: str = "self-attention", focus=None) -> BeatDef:
    """A beat that computes block 0's `part` and frames what it reads and writes (or `focus`, which its
    caption then talks about)."""
    return BeatDef(chapter, name, seconds, caption, steps=block0(part), focus=focus or focus0(part),
                   shows=focus, moments=moments, shot=Shot(side=side))


SELF_ATTENTION = [
    BeatDef("self-attention", "qkv", 9.0, (
        "Query, key and value: weight column times input column, summed, plus a bias. Head 0's first query number: {q}.",
        "쿼리, 키, 값: 가중치 열과 입력 열을 곱해 더하고 편향을 더합니다. 헤드 0의 첫 쿼리 값: {q}."),
        steps=qkv_steps, focus=head0("weight.q", "bias.q", "q", "weight.k", "bias.k", "k", "weight.v", "bias.v", "v"),
        shows=head0("weight.q", "q", "k", "v"), moments=query_dot, shot=Shot(side=0.22)),
    _block("scores", "scores", 8.0, (
        "The query of {last_letter} at position {t} meets every earlier key; later ones are masked. First score: {score}.",
        "위치 {t}의 {last_letter} 쿼리가 앞의 모든 키와 만납니다. 뒤의 것은 가려집니다. 첫 점수: {score}."),
        -0.12, query_meets_keys, focus=head0("q", "k", "scores")),
    _block("softmax", "softmax", 7.0, (
        "Softmax: subtract the max {attn_max}, exponentiate, divide by the sum {attn_sum}. These are the attention shares: position {attn_argmax} gets {attn_pmax}.",
        "소프트맥스: 최댓값 {attn_max:을/를} 빼고, 지수를 취하고, 합 {attn_sum:으로/로} 나눕니다. 이것이 어텐션 비율입니다: 위치 {attn_argmax:이/가} {attn_pmax:을/를} 받습니다."),
        0.16, attention_softmax, focus=head0("scores", "max", "expsum", "probs")),
    _block("mix", "mix", 7.0, (
        "Each head sums the value vectors with those shares. All {H} heads work side by side.",
        "각 헤드는 그 비율로 값 벡터를 더합니다. {H}개의 헤드가 나란히 일합니다."),
        0.22, weighted_sum),
]

PROJECTION = [
    _block("project", "project", 6.0, (
        "The heads are joined into {C} rows and projected by a {C} by {C} weight matrix.",
        "헤드들을 {C}개의 행으로 합치고 {C}×{C} 가중치 행렬로 투영합니다."),
        -0.12, chapter="projection"),
    _block("residual", "residual", 6.0, (
        "The result is added to the residual stream: {res_a} + {res_b} = {res_c}.",
        "결과를 잔차 스트림에 더합니다: {res_a} + {res_b} = {res_c}."),
        0.16, attention_residual, chapter="projection"),
]

MLP = [
    _block("norm", "ln_2", 5.0, (
        "Layer norm again, now before the MLP.",
        "MLP 앞에서 다시 레이어 정규화를 합니다."),
        0.22, chapter="mlp"),
    _block("expand", "expand", 6.0, (
        "Each column expands to {C4} numbers through a weight matrix.",
        "각 열이 가중치 행렬을 거쳐 {C4}개의 수로 늘어납니다."),
        -0.12, chapter="mlp"),
    _block("gelu", "gelu", 6.0, (
        "GELU bends each number: negatives shrink towards zero, so {gelu_x} becomes {gelu_y}.",
        "GELU가 각 수를 굽힙니다: 음수는 0 쪽으로 줄어, {gelu_x:이/가} {gelu_y:이/가} 됩니다."),
        0.16, gelu_bend, chapter="mlp"),
    _block("project", "mlp_project", 5.0, (
        "A second matrix projects the {C4} numbers back to {C}.",
        "두 번째 행렬이 {C4}개의 수를 다시 {C}개로 투영합니다."),
        0.22, chapter="mlp"),
    _block("residual", "mlp_residual", 5.0, (
        "Added to the residual stream again. That was one transformer block.",
        "다시 잔차 스트림에 더합니다. 이것이 트랜스포머 블록 하나입니다."),
        -0.12, chapter="mlp"),
]


def later_blocks(d: BeatDef, ctx: Ctx) -> list[BeatPlan]:
    """One beat per block after the first ("blocks.1", "blocks.2", ...), each framing its whole block;
    block i takes side angle SIDES[(i + 1) % 3]. A one-block model shows the whole model once instead."""
    if ctx.config.n_layer == 1:
        return [d.plan(ctx, name="blocks.0", steps=[], focus=["*"], shot=Shot(side=SIDES[1]))]
    out = []
    for i in range(1, ctx.config.n_layer):
        steps = [s for group in layer_steps(i, (0, ctx.n_in)).values() for s in group]
        focus = sorted({t for f in layer_focus(i).values() for t in f})
        out.append(d.plan(ctx, name=f"blocks.{i}", steps=steps, focus=focus, layer=i,
                          shot=Shot(side=SIDES[(i + 1) % 3], kind="establishing")))   # the block's shape
    return out


TRANSFORMER = [
    BeatDef("transformer", "blocks", 7.0, (
        "Block {layer} repeats the same steps with its own weights; the stream keeps flowing down.",
        "블록 {layer:은/는} 자기 가중치로 같은 단계를 반복합니다. 스트림은 계속 아래로 흐릅니다."),
        expand=later_blocks),
]
