"""Issue 12's "Done when" questions, each mapped to the captions of the default film that answer it: the
beat must be in the film and its caption (both languages) must say what the answer needs (a glossary
term it defines or uses, and, for a "why", a number measured over all 729 inputs). A question whose
caption is gone or no longer answers fails."""
from __future__ import annotations

import re

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
