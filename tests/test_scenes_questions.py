"""Issue 12's "Done when" questions, each mapped to the captions of the default film that answer it (and
those that apply to it, of the text story's film on a tiny GPT-2 checkpoint: its numbers measured here): the
beat must be in the film and its caption (both languages) must say what the answer needs (a glossary
term it defines or uses, and, for a "why", a number measured over all 729 inputs). A question whose
caption is gone or no longer answers fails."""
from __future__ import annotations

import re

import numpy as np

import pytest

from llmreel.scenes.glossary import terms_in
from llmreel.scenes.plan import plan_timeline

NUMBER = re.compile(r"\d+(\.\d+)?%")

# question -> [(beat id, terms its caption must use, what else it must say (en, ko), a measured percentage)]
QUESTIONS: dict[str, list[tuple[str, set[str], tuple[str, str], bool]]] = {
    "What is a token, and what numbers enter the model?": [
        ("introduction.tokens", {"token"}, ("2 1 0 1 1 2", "2 1 0 1 1 2"), False)],
    "What is an embedding, and why 48 numbers?": [
        ("embedding.sum", {"embedding", "position", "residual stream"}, ("=", "="), False),
        ("embedding.width", set(), ("Why 48 numbers", "48개의 수일까요"), False)],
    "What does layer norm do, and why?": [
        ("layer-norm.column", {"mean", "weight"}, ("spread 1", "퍼짐이 1"), False),
        ("layer-norm.why", {"layer norm"}, ("without it", "없으면"), True)],
    "What does attention do, which earlier letters did the predicting column look at, and why does that help "
    "sorting?": [
        ("self-attention.why", {"self-attention", "position"}, ("sorted letter", "정렬 글자"), True),
        ("self-attention.mix", {"attention share", "position"}, ("which the sorted answer must start with",
                                                                   "정렬된 답이 시작해야"), False)],
    "What is the residual stream for?": [
        ("projection.residual", {"residual stream", "layer norm"}, ("the stream kept it", "스트림이 지켜 온"), False),
        ("projection.keep", set(), ("nothing earlier is lost", "앞의 것을 잃지 않습니다"), True)],
    "How is the answer produced one letter at a time?": [
        ("output.pick", set(), ("fed back", "다시 넣습니다"), False),
        ("output.loop.2", {"pass", "column"}, ("only look back", "뒤만 보므로"), False)],
    "What did this model learn?": [             # beats_findings.py: measured from the model's own trace
        ("output.check.6.0.0", {"head"}, ("729", "729"), True),
        ("output.how", {"head"}, ("How it sorts", "정렬"), True)],
}


@pytest.fixture(scope="module")
def captions():
    return {b.id: b.caption for b in plan_timeline().beats}


@pytest.mark.parametrize("question", list(QUESTIONS))
def test_each_question_has_a_caption_that_answers_it(question, captions):
    for beat, terms, says, measured in QUESTIONS[question]:
        assert beat in captions, f"{question!r}: no caption answers it ({beat} is not in the film)"
        for lang, must in zip(("en", "ko"), says):
            text = captions[beat][lang]
            assert terms <= set(terms_in(text, lang)), (question, beat, lang, terms, text)
            assert must in text, (question, beat, lang, must, text)
            assert not measured or NUMBER.search(text), (question, beat, lang, "no measured percentage", text)


def test_the_film_opens_with_a_roadmap_and_closes_with_a_recap(captions):
    ids = list(captions)
    assert ids[0] == "introduction.roadmap" and ids[-1] == "output.recap"
    recap = captions["output.recap"]["en"]
    for term in ("token", "column", "layer norm", "self-attention", "mlp", "residual stream", "softmax"):
        assert term in terms_in(recap, "en"), term


# ---- the text story (gpt2_text) on a tiny GPT-2-family checkpoint made here (tiny_gpt2.py) ----------------

PROMPT = "The cat sat on the"


@pytest.fixture(scope="module")
def text_run():
    from tiny_gpt2 import tiny_model

    return plan_timeline("gpt2_text", weights=tiny_model(), text=PROMPT, generate=3)


def _text_questions(run) -> dict[str, list[tuple[str, set[str], tuple[str, str]]]]:
    """The same questions asked of the text film, each answer's numbers measured here from the run's trace
    (independently of the captions' code): the prompt's ids, the spread of the followed column where block
    0's first layer norm and the final one read it, where head 0 and head 1 look most from it and with what
    share, the MLP's part of a block's weights counted from the shapes, and the five likeliest next tokens."""
    from llmreel.scenes.captions import fmt
    from llmreel.scenes.captions_text import quoted

    tr, name = run.trace, run.run.model.token_text
    t, C = run.n_in - 1, run.config.n_embd
    ids = " ".join(str(i) for i in run.run.ids)
    p = tr["h0.attn.probs"][:, t, : t + 1]
    look = [(quoted(name(int(tr.tokens[int(np.argmax(p[h]))]))), fmt(p[h].max(), small=False)) for h in (0, 1)]
    mlp = 100 * (8 * C * C + 5 * C) / (12 * C * C + 13 * C)         # fc and proj with biases / the whole block
    top5 = ", ".join(f"{quoted(name(int(v)))} {fmt(tr['probs'][t][v])}" for v in np.argsort(-tr["probs"][t], kind="stable")[:5])
    spread = (fmt(1 / tr["h0.ln_1.rstd"][t]), fmt(1 / tr["ln_f.rstd"][t]))
    return {
        "What is a GPT?": [("introduction.task", {"gpt"}, ("predicts what comes next", "예측합니다")),
                           ("introduction.task", set(), ("Chat models are the same design", "챗 모델도 같은 설계"))],
        "What is a token, and what numbers enter the model?": [
            ("introduction.tokens", {"token"}, (ids, ids)), ("introduction.tokens", set(), ('" cat"', '" cat"'))],
        "What is an embedding, and why so many numbers?": [
            ("embedding.sum", {"embedding", "position", "residual stream"}, ("=", "=")),
            ("embedding.width", set(), (f"Why {C} numbers", f"{C}개의 수일까요"))],
        "What does layer norm do, and why?": [
            ("layer-norm.column", {"mean", "weight"}, ("spread 1", "퍼짐이 1")),
            ("layer-norm.why", {"layer norm"}, (f"spread {spread[0]} here and {spread[1]}",
                                                f"여기서 {spread[0]}, 마지막 레이어 정규화 앞에서는 {spread[1]}"))],
        "What does attention do, and which earlier tokens did the predicting column look at?": [
            ("self-attention.why", {"self-attention", "column"}, ("the tokens before it", "앞의 토큰들")),
            ("self-attention.mix", {"attention share", "position"}, (f"{look[0][1]} to position", look[0][0]))],
        "Why several heads?": [
            ("self-attention.heads", {"head"}, (f"head 1 at {look[1][0]} ({look[1][1]})",
                                                f"헤드 1은 {look[1][0]}에 {look[1][1]}"))],
        "What is the residual stream for?": [
            ("projection.residual", {"residual stream", "layer norm"}, ("the stream kept it", "스트림이 지켜 온")),
            ("projection.keep", set(), ("nothing earlier is lost", "앞의 것을 잃지 않고"))],
        "Why the MLP?": [("mlp.why", {"mlp", "self-attention"}, (f"{mlp:.1f}%", f"{mlp:.1f}%"))],
        "How likely is each next token?": [("softmax.probs", {"softmax", "probability"}, (top5, top5))],
        "How is the text produced one token at a time?": [
            ("output.pick", {"pass"}, ("fed back", "다시 넣습니다")),
            ("output.loop.2", {"pass", "column"}, ("only look back", "뒤만 보므로"))],
    }


def test_each_question_has_a_caption_that_answers_it_in_the_text_film(text_run):
    captions = {b.id: b.caption for b in text_run.beats}
    for question, answers in _text_questions(text_run).items():
        for beat, terms, says in answers:
            assert beat in captions, f"{question!r}: no caption answers it ({beat} is not in the text film)"
            for lang, must in zip(("en", "ko"), says):
                text = captions[beat][lang]
                assert terms <= set(terms_in(text, lang)), (question, beat, lang, terms, text)
                assert must in text, (question, beat, lang, must, text)


def test_the_text_film_opens_with_a_roadmap_and_closes_with_a_recap(text_run):
    ids = [b.id for b in text_run.beats]
    assert ids[0] == "introduction.roadmap" and ids[-1] == "output.recap"
    recap = text_run.beats[-1].caption
    for lang in ("en", "ko"):
        for term in ("token", "column", "layer norm", "self-attention", "mlp", "residual stream", "softmax"):
            assert term in terms_in(recap[lang], lang), (lang, term)
