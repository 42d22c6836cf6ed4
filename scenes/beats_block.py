"""Beats of chapters 4-7: self-attention, projection, MLP, transformer (each beat whole: storyboard.BeatDef).
Chapters 4-6 walk through block 0; chapter 7 runs each later block in one beat."""
from __future__ import annotations

import numpy as np

from llmreel.scenes.captions import gelu_cell
from llmreel.scenes.moments import Moments
from llmreel.scenes.storyboard import (SIDES, BeatDef, BeatPlan, Ctx, Shot, Step, head0, layer_focus,
                                       layer_steps)


def block0(part: str):
    """Steps of block 0's `part` over the first pass (see storyboard.layer_steps)."""
    return lambda ctx: layer_steps(0, (0, ctx.n_in))[part]


def focus0(part: str):
    return lambda ctx: layer_focus(0)[part]


def followed_first(steps: list[Step], t: int) -> list[Step]:
    """`steps` over the followed column t (the last input column: it sees every earlier token) first, then
    over the rest: the numbers a caption quotes light early, with the eye on them, the others after."""
    return ([Step(s.tensors, (t, t + 1)) for s in steps]
            + ([Step(s.tensors, (0, t)) for s in steps] if t else []))


def qkv_steps(part: str):
    """Block 0's queries (part 0), keys (1) or values (2), the followed column first."""
    def steps(ctx: Ctx) -> list[Step]:
        tensor = layer_steps(0, (0, ctx.n_in))["qkv"][0].tensors[part]
        return followed_first([Step((tensor,), (0, ctx.n_in))], ctx.n_in - 1)
    return steps


def block0_followed(part: str):
    """Block 0's `part` over the followed column first (where the numbers its caption quotes are), then the
    others: for softmax, max, sum and shares of that column, then of the rest."""
    return lambda ctx: followed_first(layer_steps(0, (0, ctx.n_in))[part], ctx.n_in - 1)


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
    # the square root of the head's width as a number: "√A" would read like the letter A
    lit = m.lit("h0.attn.scores", (0, t, 0))          # the followed column's first score, as it lights
    m.value(beat, f"q·k / √{A} = {{}}", [("h0.attn.scores", (0, t, 0))], ("h0.attn.scores", (0, t, 0)),
            frames=None if lit is None else (float(np.ceil(lit)), float(beat.last_frame)))


def attention_softmax(m: Moments, beat: BeatPlan) -> None:
    t = m.t
    s = int(np.argmax(m.trace["h0.attn.probs"][0, t, : t + 1]))
    m.highlight(beat, "h0.attn.probs[0]", (0, t + 1), (t, t + 1))
    # each number beside the block that holds it, shown as it lights: the stack is framed whole, and the
    # eye follows max, then the sum, then the share down it
    end = float(beat.last_frame)            # to the cut: the shot is framed on them
    for fmt_text, tensor, idx in (({"en": "max {}", "ko": "최댓값 {}"}, "h0.attn.max", (0, t)),
                                  ("Σ exp {}", "h0.attn.expsum", (0, t)), ("p = {}", "h0.attn.probs", (0, t, s))):
        lit = m.lit(tensor, idx)                    # as its cell lights, and at least 1.5 s on screen
        frames = None if lit is None else (min(float(np.ceil(lit)), end - 1.5 * m.fps), end)
        m.value(beat, fmt_text, [(tensor, idx)], (tensor, idx), frames=frames, beside=True)


def attention_shares(m: Moments, beat: BeatPlan) -> None:
    """The followed column's attention shares framed, the largest one named."""
    t = m.t
    s = int(np.argmax(m.trace["h0.attn.probs"][0, t, : t + 1]))
    m.highlight(beat, "h0.attn.probs[0]", (0, t + 1), (t, t + 1))
    m.highlight(beat, "h0.attn.probs[0]", (s, s + 1), (t, t + 1))


def mix_shares(m: Moments, beat: BeatPlan) -> None:
    """The followed column's attention shares, the largest one marked, and the column they make."""
    attention_shares(m, beat)
    m.column(beat, "h0.attn.y", m.t)


def attention_residual(m: Moments, beat: BeatPlan) -> None:
    m.addition(beat, "embed.out", "h0.attn.proj", "h0.attn.resid")


def gelu_bend(m: Moments, beat: BeatPlan) -> None:
    t = m.t
    gi = gelu_cell(m.trace, t)
    m.highlight(beat, "h0.mlp.fc", (gi, gi + 1), (t, t + 1))
    m.fly(beat, ("h0.mlp.fc", (t, gi)), "h0.mlp.gelu", (gi, t))
    m.value(beat, "GELU({}) = {}", [("h0.mlp.fc", (t, gi)), ("h0.mlp.gelu", (t, gi))], ("h0.mlp.gelu", (t, gi)),
            beside=True)                # right of the block, under GELU's curve drawn there


# ---- the beats -----------------------------------------------------------------------------------------

def _block(name: str, part: str, seconds: float, caption: tuple[str, str], side: float, moments=None,
           chapter: str = "self-attention", focus=None, steps=None, shows=None) -> BeatDef:
    """A beat that computes block 0's `part` and frames what it reads and writes (or `focus`, which its
    caption then talks about, or `shows`)."""
    return BeatDef(chapter, name, seconds, caption, steps=steps or block0(part), focus=focus or focus0(part),
                   shows=shows or focus, moments=moments, shot=Shot(side=side))


# head 0's query, key and value, with their weights and biases: the beats that make them share one shot
QKV = head0("weight.q", "bias.q", "q", "weight.k", "bias.k", "k", "weight.v", "bias.v", "v")

SELF_ATTENTION = [
    BeatDef("self-attention", "why", 8.0, (
        "Why: to write the next sorted letter, position {t} must know which letters came before it. Without "
        "self-attention, {acc_no_attention}% sort right.",
        "왜 필요할까요: 다음 정렬 글자를 쓰려면 위치 {t}{은/는} 앞에 어떤 글자가 있었는지 알아야 합니다. "
        "셀프 어텐션이 없으면 입력의 {acc_no_attention}%만 맞습니다."),
        focus=lambda ctx: ["h0.attn.probs[0]", "h0.attn.probs[1]", "h0.attn.probs[2]"][:ctx.config.n_head],
        shot=Shot(side=0.16)),
    BeatDef("self-attention", "heads", 6.0, (
        "It runs as {H} heads side by side, each with its own weights. We watch head 0.",
        "{H}개의 헤드가 나란히, 각자 자기 가중치로 일합니다. 헤드 0을 봅니다."),
        focus=lambda ctx: layer_focus(0)["qkv"] + layer_focus(0)["softmax"],   # block 0's heads, side by side:
        shot=Shot(side=-0.12, kind="establishing")),             # a wide shot of them, no block read
    BeatDef("self-attention", "qkv", 8.0, (
        "Position {t}'s column times head 0's query weights, summed, gives its query: what it looks for. "
        "First number: {q}.",
        "위치 {t}의 열에 헤드 0의 쿼리 가중치를 곱해 더하면 쿼리가 됩니다: 이 위치가 찾는 것. 첫 수: {q}."),
        steps=qkv_steps(0), focus=QKV, shows=head0("weight.q", "q"), moments=query_dot,
        shot=Shot(side=0.22)),
    BeatDef("self-attention", "keys", 7.0, (
        "Every position also makes a key, with other weights: what it offers to be found by.",
        "모든 위치는 다른 가중치로 같은 방식으로 키도 만듭니다: 자기가 찾아지는 기준."),
        steps=qkv_steps(1), focus=head0("weight.k", "bias.k", "k"), shows=head0("k"),
        shot=Shot(side=0.22)),                                   # down from the query to the key
    BeatDef("self-attention", "values", 5.5, (
        "And a value: what it hands on when a query finds its key.",
        "그리고 값도 만듭니다: 쿼리가 그 키를 찾을 때 넘겨주는 것."),
        steps=qkv_steps(2), focus=head0("weight.v", "bias.v", "v"), shows=head0("v"),
        shot=Shot(side=0.16, wide_side=0.4)),               # in 16:9 a 6:1 row seen from its side: shorter
    _block("scores", "scores", 8.0, (
        "Position {t}'s query meets each earlier key: each match is a score. First: {score}.",
        "위치 {t}의 쿼리가 앞의 각 키와 만나 점수를 냅니다. 첫 점수: {score}."),
        -0.12, query_meets_keys, focus=head0("q", "k", "scores"), steps=block0_followed("scores")),
    _block("softmax", "softmax", 8.0, (
        "Softmax: subtract the largest score {attn_max}, raise e to each, divide by their sum {attn_sum}. "
        "The results are positive and add up to 1.",
        "소프트맥스: 가장 큰 점수 {attn_max:을/를} 빼고, e의 거듭제곱을 취하고, 그 합 {attn_sum:으로/로} 나눕니다. "
        "결과는 양수이고 합이 1입니다."),
        0.1, attention_softmax, focus=head0("scores", "max", "expsum", "probs"), steps=block0_followed("softmax"),
        shows=head0("max", "expsum", "probs")),       # "the largest score", "their sum", "the results"
    _block("mix", "mix", 7.0, (
        "Attention shares: position {t} gives {attn_pmax} to position {attn_argmax}, {attn_letter_en} Each head "
        "sums the values by them.",
        "어텐션 비율: 위치 {t}{은/는} {attn_pmax:을/를} 위치 {attn_argmax}에 줍니다. {attn_letter_ko} "
        "각 헤드는 그 비율만큼 값을 더합니다."),
        -0.12, mix_shares),
]

PROJECTION = [
    _block("project", "project", 6.0, (
        "The heads are joined into {C} rows and projected by {C} × {C} weights.",
        "헤드들을 {C}개의 행으로 합치고 {C}×{C}개의 가중치로 투영합니다."),
        0.22, chapter="projection"),
    _block("residual", "residual", 7.0, (
        "Added to the residual stream: {res_a} + {res_b} = {res_c}. {res_a} is from before layer norm: the "
        "stream kept it.",
        "잔차 스트림에 더합니다: {res_a} + {res_b} = {res_c}. {res_a:은/는} 레이어 정규화 전의 수로, 스트림이 지켜 온 것입니다."),
        -0.12, attention_residual, chapter="projection"),
    BeatDef("projection", "keep", 7.0, (
        "Why add, not replace? Each step only adds what it found, so nothing earlier is lost. Replacing instead: "
        "{acc_no_residual}% sort right.",
        "왜 바꾸지 않고 더할까요? 각 단계는 찾은 것만 더하니 앞의 것을 잃지 않습니다. 바꿔 넣으면 입력의 "
        "{acc_no_residual}%만 맞습니다."),
        focus=focus0("residual"), shot=Shot(side=0.16, kind="medium")),   # the addition just seen, held
]

MLP = [
    _block("norm", "ln_2", 5.0, (
        "Layer norm again, now before the MLP.",
        "MLP 앞에서 다시 레이어 정규화를 합니다."),
        0.22, chapter="mlp"),
    BeatDef("mlp", "why", 7.0, (
        "Why: self-attention only moves numbers between positions; the MLP works on what each column now holds. "
        "Without the MLPs, {acc_no_mlp}% sort right.",
        "왜 필요할까요: 셀프 어텐션은 위치 사이로 수를 옮길 뿐이고, MLP는 각 열이 지금 가진 것을 다룹니다. "
        "MLP가 없으면 입력의 {acc_no_mlp}%만 맞습니다."),
        focus=focus0("expand"), shot=Shot(side=-0.12)),
    _block("expand", "expand", 5.0, (
        "A weight matrix expands each column to {C4} numbers.",
        "가중치 행렬이 각 열을 {C4}개의 수로 늘립니다."),
        0.16, chapter="mlp"),
    _block("gelu", "gelu", 6.0, (
        "GELU bends each number: negatives shrink towards zero, so {gelu_x} becomes {gelu_y}.",
        "GELU가 각 수를 굽힙니다: 음수는 0 쪽으로 줄어, {gelu_x:이/가} {gelu_y:이/가} 됩니다."),
        0.22, gelu_bend, chapter="mlp"),
    _block("project", "mlp_project", 5.0, (
        "A second matrix plus a bias projects them back to {C} numbers.",
        "두 번째 행렬과 편향이 다시 {C}개의 수로 투영합니다."),
        -0.12, chapter="mlp"),
    _block("residual", "mlp_residual", 6.0, (
        "Added to the residual stream again: one whole block done.",
        "다시 잔차 스트림에 더합니다: 블록 하나가 끝납니다."),
        0.16, chapter="mlp"),
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
