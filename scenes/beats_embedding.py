"""Beats of chapters 1-3: introduction, embedding, layer norm (each beat whole: see storyboard.BeatDef)."""
from __future__ import annotations

from llmreel.scenes.moments import Moments
from llmreel.scenes.storyboard import BeatDef, BeatPlan, Ctx, Shot, Step, head0, layer_focus, ln_steps


def first(ctx: Ctx) -> tuple[int, int]:
    """The first pass's columns."""
    return 0, ctx.n_in


# ---- focus moments -------------------------------------------------------------------------------------

def overview_previews(m: Moments, beat: BeatPlan) -> None:
    """Whole blocks light one after another in compute order, then all reset."""
    acts = [b for b in m.blocks.values() if b.role != "weight"]
    shown = {b.tensor for b in acts}
    order = {name: i for i, name in enumerate(n for n in m.trace.tensors if n in shown)}   # trace = compute order
    n = max(1, len(order) - 1)
    span = beat.last_frame - beat.first_frame
    start0 = beat.first_frame + min(m.fps // 2, span // 6)
    end = beat.last_frame - min(m.fps, span // 5)
    for b in acts:
        start = start0 + (end - 1 - start0) * order[b.tensor] / n
        b.preview.append((float(round(start, 3)), float(end)))


def activations_preview(m: Moments, beat: BeatPlan) -> None:
    """The green blocks the caption points at light whole, from before its midpoint to the beat's end."""
    span = beat.last_frame - beat.first_frame
    for b in m.blocks.values():
        if (b.id in beat.focus or b.tensor in beat.focus) and b.role != "weight":
            b.preview.append((float(beat.first_frame + span // 3), float(beat.last_frame)))


def token_lookup(m: Moments, beat: BeatPlan) -> None:
    tok0 = int(m.trace.tokens[0])
    m.column(beat, "wte.weight", tok0)
    m.column(beat, "embed.tok", 0)
    m.fly(beat, ("wte.weight", (tok0, 0)), "embed.tok", (0, 0))
    m.value(beat, "{}", [("wte.weight", (tok0, 0))], ("embed.tok", (0, 0)))


def position_lookup(m: Moments, beat: BeatPlan) -> None:
    m.column(beat, "wpe.weight", 0)
    m.column(beat, "embed.pos", 0)
    m.fly(beat, ("wpe.weight", (0, 0)), "embed.pos", (0, 0))


def embedding_sum(m: Moments, beat: BeatPlan) -> None:
    m.addition(beat, "embed.tok", "embed.pos", "embed.out")


def norm_column(m: Moments, beat: BeatPlan) -> None:
    for bid in ("embed.out", "h0.ln_1.mean", "h0.ln_1.rstd", "h0.ln_1"):
        m.column(beat, bid, 0)
    m.value(beat, "mean {}   1/std {}", [("h0.ln_1.mean", (0,)), ("h0.ln_1.rstd", (0,))],
            ("h0.ln_1.rstd", (0,)), frames=m.window(beat, 0.2, 0.55))
    m.value(beat, "({} − mean) × {} × γ {} + β {} = {}",
            [("embed.out", (0, 0)), ("h0.ln_1.rstd", (0,)), ("h0.ln_1.weight", (0,)),
             ("h0.ln_1.bias", (0,)), ("h0.ln_1", (0, 0))], ("h0.ln_1", (0, 0)),
            frames=m.window(beat, 0.58, 0.98))


# ---- the beats -----------------------------------------------------------------------------------------

INTRODUCTION = [
    BeatDef("introduction", "task", 8.0, (
        "This small GPT sorts letters. Given {input}, it must answer {output}. We will watch every number it computes.",
        "이 작은 GPT는 글자를 정렬합니다. {input:을/를} 받으면 {output:을/를} 답해야 합니다. 모든 계산을 지켜봅시다."),
        shot=Shot(side=0.22)),
    BeatDef("introduction", "tokens", 7.0, (
        "Each letter is a token: A=0, B=1, C=2. So {input} enters the model as {ids}.",
        "각 글자는 토큰입니다: A=0, B=1, C=2. 그래서 {input:은/는} {ids:으로/로} 들어갑니다."),
        focus=lambda ctx: ["wte.weight", "wpe.weight", "embed.tok", "embed.pos"], shot=Shot(side=-0.12)),
    BeatDef("introduction", "weights", 8.0, (
        "Blue blocks are weights: {n_params} numbers fixed by training. Green blocks are activations, computed from the input.",
        "파란 블록은 가중치입니다: 학습으로 정해진 {n_params}개의 수. 초록 블록은 입력으로 계산되는 활성값입니다."),
        focus=head0("weight.q", "q", "weight.k", "k"), shows=head0("weight.q", "q", "weight.k", "k"),  # blue by green
        moments=activations_preview, shot=Shot(side=0.16)),
    BeatDef("introduction", "overview", 9.0, (
        "A quick pass: the data flows down through {n_layer} blocks to the first prediction, {first_out}.",
        "빠르게 한 번: 데이터가 {n_layer}개의 블록을 지나 첫 예측 {first_out}까지 흘러갑니다."),
        moments=overview_previews, shot=Shot(side=0.22)),
]

EMBEDDING = [
    BeatDef("embedding", "token", 7.0, (
        "Token {tok0_letter} (id {tok0}) selects its column of the token table: {C} numbers, starting {v_tok}.",
        "토큰 {tok0_letter}(번호 {tok0}){은/는} 토큰 표에서 자기 열을 고릅니다: {C}개의 수, 첫 값은 {v_tok}."),
        steps=lambda ctx: [Step(("embed.tok",), first(ctx))], focus=lambda ctx: ["wte.weight", "embed.tok"],
        moments=token_lookup, shot=Shot(side=-0.12)),
    BeatDef("embedding", "position", 6.0, (
        "Each position selects its column of the position table, so the model knows where a letter sits.",
        "각 위치는 위치 표에서 자기 열을 고릅니다. 그래서 모델은 글자의 자리를 압니다."),
        steps=lambda ctx: [Step(("embed.pos",), first(ctx))], focus=lambda ctx: ["wpe.weight", "embed.pos"],
        moments=position_lookup, shot=Shot(side=0.16)),
    BeatDef("embedding", "sum", 6.0, (
        "Token plus position: {v_tok} + {v_pos} = {v_out}. This starts the residual stream on the right.",
        "토큰 더하기 위치: {v_tok} + {v_pos} = {v_out}. 이것이 오른쪽 잔차 스트림의 시작입니다."),
        steps=lambda ctx: [Step(("embed.out",), first(ctx))],
        focus=lambda ctx: ["embed.tok", "embed.pos", "embed.out"], moments=embedding_sum, shot=Shot(side=0.22)),
]

LAYER_NORM = [
    BeatDef("layer-norm", "column", 9.0, (
        "Column 0 ({tok0_letter}): mean {mean0}, 1/std {rstd0}. Subtract, rescale, then scale and shift: {ln_x} becomes {ln_y}.",
        "0번 열({tok0_letter}): 평균 {mean0}, 1/표준편차 {rstd0}. 빼고, 나누고, 스케일과 이동: {ln_x:이/가} {ln_y:이/가} 됩니다."),
        steps=lambda ctx: ln_steps("h0.ln_1", (0, 1)), focus=lambda ctx: layer_focus(0)["ln_1"],
        moments=norm_column, shot=Shot(side=-0.12)),
    BeatDef("layer-norm", "all", 5.0, (
        "Every column is normalised the same way, each on its own.",
        "모든 열이 같은 방식으로, 각자 따로 정규화됩니다."),
        steps=lambda ctx: ln_steps("h0.ln_1", (1, ctx.n_in)), focus=lambda ctx: layer_focus(0)["ln_1"],
        shot=Shot(side=0.16)),
]
