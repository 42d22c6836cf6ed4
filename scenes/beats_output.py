"""Beats of chapters 8-9: softmax and output (each beat whole: see storyboard.BeatDef). Chapter 9's loop
feeds each output letter back and computes one new column per pass."""
from __future__ import annotations

import numpy as np

from llmreel.scenes.geometry import cell_point
from llmreel.scenes.moments import VALUE_SIZE, Moments, languages, next_pick
from llmreel.scenes.spec import ValueText
from llmreel.scenes.storyboard import (SIDES, BeatDef, BeatPlan, Ctx, Shot, Step, all_steps_for, ln_focus,
                                       ln_steps)


def first(ctx: Ctx) -> tuple[int, int]:
    return 0, ctx.n_in


# ---- focus moments -------------------------------------------------------------------------------------

def token_name(vocab_size: int, v: int) -> str:
    """How a value text names token v: its letter in the A/B/C vocabulary, else its id."""
    return chr(65 + v) if vocab_size == 3 else f"#{v}"


def probabilities(m: Moments, beat: BeatPlan) -> None:
    t, V_all = m.t, m.trace.config.vocab_size
    m.column(beat, "probs", t)
    V = min(V_all, 3)
    names = "   ".join(f"{token_name(V_all, v)} {{}}" for v in range(V))
    m.value(beat, names, [("probs", (t, v)) for v in range(V)], ("probs", (t, 0)))


def pick_letter(m: Moments, beat: BeatPlan) -> None:
    t = m.t
    best = int(np.argmax(m.trace["probs"][t]))
    m.highlight(beat, "probs", (best, best + 1), (t, t + 1))
    emb = m.blocks.get("embed.tok")
    if t + 1 < len(m.trace.tokens) and emb is not None:
        # to where the fed-back token's letter appears, under the token-vector block
        below = emb.shape[0] - 0.5 + 2.1 * m.size / emb.pitch
        m.fly(beat, ("probs", (t, best)), "embed.tok", (below, t + 1))
    # the letter it picks, by name beside its row ("argmax" is a word the film never defines), then written
    # after the input in its place
    pick = m.value(beat, next_pick(token_name(m.trace.config.vocab_size, best)), [("probs", (t, best))],
                   ("probs", (t, best)), frames=m.window(beat, 0.25, 0.68))
    if pick is not None and m.output:
        # where the number stood, once it has gone, centred on its spot: no wider, so clear of whatever it
        # kept clear of
        start, end = m.window(beat, 0.68, 1.0)
        m.values.append(ValueText(id=f"value:{beat.id}:", text=languages(answer_text(m, 1)),
                                  location=pick.location, size=pick.size,
                                  frames=(max(start, pick.frames[1] + 1), end), block=pick.block))


def new_column(m: Moments, beat: BeatPlan) -> None:
    """The new column framed top and bottom; as the pass ends, the answer so far with the letter it picks."""
    col = m.n_in + beat.pass_index - 2
    for bid in ("embed.out", "probs"):
        m.column(beat, bid, col)
    best = int(np.argmax(m.trace["probs"][col]))
    # the letter it picks lands after the input (the caption names it): "CBABBC → ABB", large, by its row
    if m.output:
        m.value(beat, answer_text(m, beat.pass_index), [], ("probs", (col, best)), frames=m.window(beat, 0.6, 1.0))


def answer_text(m: Moments, letters: int) -> str:
    """The input and the answer's first `letters` letters: "CBABBC → AB"."""
    return f"{m.input_text} \u2192 {m.output[:letters]}"


def answer(m: Moments, beat: BeatPlan) -> None:
    """The output columns framed, and the sorted answer, large, under the output to the end: a focus
    moment's text (always drawn, framed, at least MIN_VALUE_CAP) with no number in it."""
    b = m.blocks.get("probs")
    if b is None:
        return
    m.highlight(beat, "probs", (0, b.shape[0]), (m.n_in - 1, b.shape[1]))
    size = VALUE_SIZE * m.size
    x, _, z = cell_point(b, b.shape[0] - 0.5, (b.shape[1] - 1) / 2)     # under the middle of its last row
    z = z - 2.2 * m.size - size
    m.values.append(ValueText(id=f"value:{beat.id}:", text=languages(answer_text(m, len(m.output))),
                              location=(x, b.origin[1] - b.depth / 2 - 0.05, z), size=float(size),
                              frames=m.window(beat, 0.2, 1.0), block=b.id))


# ---- the beats -----------------------------------------------------------------------------------------

SOFTMAX = [
    BeatDef("softmax", "norm", 5.0, (
        "A final layer norm prepares each column for the output.",
        "마지막 레이어 정규화가 각 열을 출력에 맞게 준비합니다."),
        steps=lambda ctx: ln_steps("ln_f", first(ctx)),
        focus=lambda ctx: [f"h{ctx.config.n_layer - 1}.mlp.resid"] + ln_focus("ln_f"), shot=Shot(side=-0.12)),
    BeatDef("softmax", "logits", 6.0, (
        "A last weight matrix turns each column into {V} scores, one per letter, called logits.",
        "마지막 가중치 행렬이 각 열을 글자마다 하나씩 {V}개의 점수로 바꿉니다. 이것을 로짓이라고 합니다."),
        steps=lambda ctx: [Step(("logits",), first(ctx))], focus=lambda ctx: ["ln_f", "lm_head.weight", "logits"],
        shot=Shot(side=0.16)),
    BeatDef("softmax", "probs", 6.5, (
        "Softmax turns the logits of column {t} into probabilities: {probs_list}.",
        "소프트맥스가 {t}번 열의 로짓을 확률로 바꿉니다: {probs_list}."),
        steps=lambda ctx: [Step(("logits.max",), first(ctx)), Step(("logits.expsum",), first(ctx)),
                           Step(("probs",), first(ctx))],
        focus=lambda ctx: ["logits", "logits.max", "logits.expsum", "probs"], moments=probabilities,
        shot=Shot(side=0.22)),
]

# Passes after the second get this shorter caption (a story's caption override replaces both).
LOOP_MORE = ("Pass {pass}: we follow new column {col}. Next: {letter}.",
             "{pass}번째 계산: 새 열 {col:을/를} 따라갑니다. 다음: {letter}.")


def fed_back_passes(d: BeatDef, ctx: Ctx) -> list[BeatPlan]:
    """One beat per later pass p = 2..n_out ("loop.2", ...): every step of the pass, one new column (the
    token fed back after pass p-1), the whole model in view; pass p takes side angle SIDES[p % 3]."""
    out = []
    for p in range(2, ctx.n_out + 1):
        col = ctx.n_in + p - 2
        b = d.plan(ctx, name=f"loop.{p}", steps=all_steps_for(ctx.config, (col, col + 1)), fast=True,
                   pass_index=p, shot=Shot(side=SIDES[p % 3]), shows=["probs"])   # "Next: B": the pick
        if p > 2:
            b.templates = dict(zip(("en", "ko"), LOOP_MORE))
        out.append(b)
    return out


OUTPUT = [
    BeatDef("output", "pick", 7.0, (
        "The most likely letter, {first_out} ({p_best}), is the first output. It is written after the input and "
        "fed back in.",
        "가장 가능성 높은 글자 {first_out}({p_best}){이/가} 첫 출력입니다. 입력 뒤에 붙여 다시 넣습니다."),
        focus=lambda ctx: ["logits", "probs"], moments=pick_letter, shot=Shot(side=-0.12),
        expand=lambda d, ctx: [d.plan(ctx, pass_index=1)]),
    BeatDef("output", "loop", 8.0, (
        "Pass {pass}: new column {col} makes the prediction; we follow it. Earlier columns only look back, so "
        "they stay the same. Next: {letter}.",
        "{pass}번째 계산: 새 열 {col:이/가} 예측을 하고, 이 열을 따라갑니다. 앞의 열은 뒤만 보므로 그대로입니다. "
        "다음 글자: {letter}."),
        moments=new_column, expand=fed_back_passes),
    BeatDef("output", "answer", 5.0, (
        "After {n_out} passes the answer is complete: {input} sorted is {output}.",
        "{n_out}번의 계산 끝에 답이 완성됩니다: {input:을/를} 정렬하면 {output}."),
        focus=lambda ctx: ["logits", "probs"], moments=answer, shot=Shot(side=-0.12),
        expand=lambda d, ctx: [d.plan(ctx, pass_index=ctx.n_out)]),
]

# The film closes on the whole pipeline, after what the model learned (beats.py puts it last).
RECAP = BeatDef("output", "recap", 12.0, (
        "Recap: tokens become columns of numbers; layer norm rescales, self-attention gathers from earlier "
        "letters, the MLP works each column, the residual stream sums it all, softmax picks the next letter.",
        "정리: 토큰은 수의 열이 됩니다. 레이어 정규화가 크기를 맞추고, 셀프 어텐션이 앞 글자들에서 "
        "모으고, MLP가 각 열을 다루고, 잔차 스트림이 모두 더하고, 소프트맥스가 다음 글자를 고릅니다."),
        shot=Shot(side=0.22))
