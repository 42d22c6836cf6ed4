"""Beats of chapters 1-3: introduction, embedding, layer norm (each beat whole: see storyboard.BeatDef)."""
from __future__ import annotations

from llmreel.scenes.moments import Moments, wide
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
    """The followed column (the last input letter's): its token's column of the token table flies down."""
    t = m.t
    tok = int(m.trace.tokens[t])
    m.column(beat, "wte.weight", tok)
    m.column(beat, "embed.tok", t)
    m.fly(beat, ("wte.weight", (tok, 0)), "embed.tok", (0, t))
    m.value(beat, "{}", [("wte.weight", (tok, 0))], ("embed.tok", (t, 0)))


def position_lookup(m: Moments, beat: BeatPlan) -> None:
    t = m.t
    m.column(beat, "wpe.weight", t)
    m.column(beat, "embed.pos", t)
    m.fly(beat, ("wpe.weight", (t, 0)), "embed.pos", (0, t))


def embedding_sum(m: Moments, beat: BeatPlan) -> None:
    m.addition(beat, "embed.tok", "embed.pos", "embed.out")


def norm_column(m: Moments, beat: BeatPlan) -> None:
    t = m.t
    for bid in ("embed.out", "h0.ln_1.mean", "h0.ln_1.rstd", "h0.ln_1"):
        m.column(beat, bid, t)
    # words in the film's language (the glossary's): "평균 0.0035   1/퍼짐 17.59" in Korean
    # over the layer norm's column (the stream runs down its right, its weights to its left), the formula
    # then in the same spot: the numbers and the blocks they come from in one frame, in any aspect
    # in a wide frame past the stream, beside the layer norm's group; lines of 18 characters in any frame
    across = m.aspect is not None and wide(m.aspect)
    first = m.value(beat, {"en": "mean {}   1/spread {}", "ko": "평균 {}   1/퍼짐 {}"},
                    [("h0.ln_1.mean", (t,)), ("h0.ln_1.rstd", (t,))], ("h0.ln_1.mean", (t,)),
                    frames=m.window(beat, 0.2, 0.55), chars=18, across=across)
    m.value(beat, {"en": "({} − mean) × {} × γ {} + β {} = {}", "ko": "({} − 평균) × {} × γ {} + β {} = {}"},
            [("embed.out", (t, 0)), ("h0.ln_1.rstd", (t,)), ("h0.ln_1.weight", (0,)),
             ("h0.ln_1.bias", (0,)), ("h0.ln_1", (t, 0))], ("h0.ln_1", (t, 0)),
            frames=(first.frames[1] + 1, float(beat.last_frame)) if first is not None else m.window(beat, 0.58, 1.0),
            now=True, chars=18, across=across,
            prefer=[(first.location[0], first.location[2])] if first is not None else ())


# ---- the beats -----------------------------------------------------------------------------------------

INTRODUCTION = [
    BeatDef("introduction", "roadmap", 8.0, (
        "Coming up: how letters become numbers, gather from earlier letters, and come out as the answer, letter "
        "by letter.",
        "이어서 볼 것: 글자가 수가 되는 방법, 각 글자가 앞 글자들에서 필요한 것을 모으는 방법, "
        "그리고 답이 한 글자씩 나오는 방법."),
        shot=Shot(side=0.22)),
    BeatDef("introduction", "task", 8.0, (
        "This is a GPT: it reads letters and predicts the next one, like chat models with words, far larger. "
        "Ours sorts {input} into {output}.",
        "이것은 GPT입니다: 글자 줄을 읽고 다음 글자를 예측합니다. 챗 모델도 훨씬 큰 크기로 단어에 같은 일을 합니다. "
        "이 모델은 {input:을/를} {output:으로/로} 정렬합니다."),
        shot=Shot(side=-0.12)),
    BeatDef("introduction", "training", 7.0, (
        "It learned by training: shown sorted examples, its numbers were nudged towards fewer mistakes. "
        "Now it sorts {acc_full}% of all {n_inputs} inputs.",
        "학습으로 배웠습니다: 정렬된 예를 보며 실수가 줄도록 수를 조금씩 고쳤습니다. "
        "이제 가능한 입력 {n_inputs}개 모두 중 {acc_full}%를 정렬합니다."),
        shot=Shot(side=0.16)),
    BeatDef("introduction", "tokens", 7.0, (
        "Each letter is a token: A=0, B=1, C=2. So {input} enters the model as {ids}.",
        "각 글자는 토큰입니다: A=0, B=1, C=2. 그래서 {input:은/는} {ids:으로/로} 들어갑니다."),
        focus=lambda ctx: ["wte.weight", "wpe.weight", "embed.tok", "embed.pos"], shot=Shot(side=-0.12)),
    BeatDef("introduction", "weights", 7.0, (
        "Blue blocks are weights: {n_params} fixed numbers, the same for every input.",
        "파란 블록은 가중치입니다: 정해진 {n_params}개의 수로, 모든 입력에 똑같이 쓰입니다."),
        focus=head0("weight.q", "q", "weight.k", "k"), shows=head0("weight.q", "weight.k"),  # blue (by green)
        moments=activations_preview, shot=Shot(side=0.16)),
    BeatDef("introduction", "overview", 9.0, (
        "Green blocks are activations, computed from this input. They flow down through {n_layer} blocks to the "
        "first prediction, {first_out}.",
        "초록 블록은 이 입력으로 계산되는 활성값입니다. {n_layer}개의 블록을 지나 첫 예측 {first_out}까지 흘러갑니다."),
        moments=overview_previews, shot=Shot(side=0.22)),
]

EMBEDDING = [
    BeatDef("embedding", "width", 7.0, (
        "Why {C} numbers per letter? Room for the letter, where it sits, and all that later steps add.",
        "왜 글자마다 {C}개의 수일까요? 자리가 필요합니다: 글자, 그 자리, 그리고 뒤의 단계들이 더할 모든 것을 위해."),
        focus=lambda ctx: ["wte.weight", "wpe.weight", "embed.tok", "embed.pos", "embed.out"],
        shot=Shot(side=0.16)),                                   # the tables and columns of 48 numbers
    BeatDef("embedding", "token", 7.5, (
        "Each token picks its column of the token table: {C} numbers. We follow the last letter, {last_letter}: "
        "{v_tok} first.",
        "각 토큰은 토큰 표에서 자기 열, {C}개의 수를 고릅니다. 마지막 글자 {last_letter:을/를} 따라갑니다: 첫 수 {v_tok}."),
        steps=lambda ctx: [Step(("embed.tok",), first(ctx))], focus=lambda ctx: ["wte.weight", "embed.tok"],
        moments=token_lookup, shot=Shot(side=-0.12)),
    BeatDef("embedding", "position", 8.0, (
        "Each position picks its column of the position table, so the model knows where a letter sits. "
        "Without it, {acc_no_position}% sort right.",
        "각 위치는 위치 표에서 자기 열을 고릅니다. 그래서 모델은 글자의 자리를 압니다. "
        "이것이 없으면 입력의 {acc_no_position}%만 정렬됩니다."),
        steps=lambda ctx: [Step(("embed.pos",), first(ctx))], focus=lambda ctx: ["wpe.weight", "embed.pos"],
        moments=position_lookup, shot=Shot(side=0.16)),
    BeatDef("embedding", "sum", 6.5, (
        "Token + position: {v_tok} + {v_pos} = {v_out}. This sum, the embedding, starts the residual stream.",
        "토큰 + 위치: {v_tok} + {v_pos} = {v_out}. 이 합, 곧 임베딩이 잔차 스트림의 시작입니다."),
        steps=lambda ctx: [Step(("embed.out",), first(ctx))],
        focus=lambda ctx: ["embed.tok", "embed.pos", "embed.out"], moments=embedding_sum,
        shot=Shot(side=0.22, kind="medium")),          # the three columns and their sum, named, side by side
]

LAYER_NORM = [
    BeatDef("layer-norm", "why", 7.0, (
        "Why: the stream's numbers spread {spread_first} here, {spread_last} by the last block. Layer norm gives "
        "every step one scale; without it, {acc_no_layer_norm}% sort right.",
        "왜 필요할까요: 스트림의 수는 여기서 {spread_first}, 마지막 블록에서는 {spread_last}만큼 퍼집니다. "
        "레이어 정규화는 모든 단계에 같은 크기의 열을 줍니다. 없으면 입력의 {acc_no_layer_norm}%만 맞습니다."),
        focus=lambda ctx: layer_focus(0)["ln_1"][1:], shot=Shot(side=0.12)),   # the layer norm, the stream
    BeatDef("layer-norm", "column", 9.0, (                                        # passing beside it
        "Column {t}: subtract its mean {mean0} (the average), multiply by {rstd0} for spread 1, scale and shift "
        "by weights: {ln_x} becomes {ln_y}.",
        "{t}번 열: 평균 {mean0:을/를} 빼고, 퍼짐이 1이 되게 {rstd0:을/를} 곱하고, 가중치로 늘리고 옮깁니다: "
        "{ln_x:이/가} {ln_y:이/가} 됩니다."),
        steps=lambda ctx: ln_steps("h0.ln_1", (0, ctx.n_in)),      # left to right: the followed column last
        focus=lambda ctx: layer_focus(0)["ln_1"][1:], moments=norm_column, shot=Shot(side=-0.12)),
    BeatDef("layer-norm", "all", 6.0, (
        "Every column is normalised alike. The residual stream still holds {ln_x}: only this copy is rescaled.",
        "모든 열이 같은 방식으로, 각자 따로 정규화됩니다. 잔차 스트림에는 여전히 {ln_x:이/가} 있고, "
        "이 사본만 다시 맞춥니다."),
        shot=Shot(side=0.16)),                                   # the whole model: every column
]
