"""The film's glossary: every term it uses, its English and Korean forms (plural and inflected forms
included), what it does *in this film* in plain words, and the beat whose caption is meant to define it.
A text (GPT-2-family) model's film (scenes/gpt2_text.toml) uses the same terms: where the words of a
definition speak of the sorting model's letters, `text` says what the term does there instead, and a few
terms (`films`: "text") only that film uses.

`terms_in` finds the terms a text uses (the longest form first, so "LM head" is not also "head"; English
forms as whole words, Korean forms at the start of a word, particles after them allowed). `markdown`
prints the table for a class: `python -m llmreel.scenes.glossary > docs/glossary.md`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    key: str
    en: tuple[str, ...]          # the headword first, then plural and inflected forms
    ko: tuple[str, ...]
    means: tuple[str, str]       # (en, ko): what it does in this film, using only terms defined before it
    defined_in: str              # where the film defines it: a beat id ("embedding.token"), or a chapter's
                                 # slug ("embedding"): the chapter's title card
    also: tuple[str, ...] = ()   # where else a film may define it (a cut without that beat, or a text model's
                                 # film that says it earlier): the first shown that says it counts
    text: tuple[str, str] | None = None   # (en, ko) in a text model's film, where `means` speaks of letters
    films: tuple[str, ...] = ("letters", "text")   # the films that use it (story.model: "letters", "text")

    def meaning(self, film: str = "letters") -> tuple[str, str]:
        return self.text if film == "text" and self.text else self.means


TERMS: list[Term] = [
    Term("gpt", ("GPT", "GPTs"), ("GPT",),
         ("A model that reads a row of letters and predicts the next one; chat models are GPTs too, far larger.",
          "글자 줄을 읽고 다음 글자를 예측하는 모델. 챗 모델도 GPT이며, 훨씬 큽니다."), "introduction.task",
         text=("A model that reads text and predicts what comes next, one piece at a time; chat models are GPTs "
               "too, far larger.", "글을 읽고 다음에 올 것을 한 조각씩 예측하는 모델. 챗 모델도 GPT이며, 훨씬 큽니다.")),
    Term("training", ("training", "trained"), ("학습",),
         ("How the model's fixed numbers were found: shown sorted examples, each number was nudged to make "
          "fewer mistakes.", "모델의 고정된 수를 찾은 방법: 정렬된 예를 보며, 실수가 줄도록 수를 조금씩 고쳤습니다."),
         "introduction.training",
         text=("How a GPT's fixed numbers are found: shown a great deal of text, each number is nudged to predict "
               "the next piece better.", "GPT의 고정된 수를 찾는 방법: 많은 글을 보며, 다음 조각을 더 잘 예측하도록 "
               "수를 조금씩 고칩니다.")),
    Term("token", ("token", "tokens"), ("토큰",),
         ("A letter as the model counts it: A, B and C are tokens 0, 1 and 2.",
          "모델이 세는 글자 하나: A, B, C는 토큰 0, 1, 2입니다."), "introduction.tokens",
         text=("A piece of text the model counts as one: a word or part of a word, with its own number.",
               "모델이 하나로 세는 글 조각: 단어나 단어의 일부로, 저마다 번호가 있습니다.")),
    Term("vocabulary", ("vocabulary", "vocabularies"), ("어휘",),
         ("Every token the model knows, each with its own number.", "모델이 아는 모든 토큰. 저마다 번호가 있습니다."),
         "softmax.norm", films=("text",)),
    Term("weight", ("weight", "weights"), ("가중치",),
         ("A number fixed by training, the same for every input; drawn in blue.",
          "학습으로 정해져 모든 입력에 똑같이 쓰이는 수. 파란색으로 그립니다."), "introduction.weights"),
    Term("activation", ("activation", "activations"), ("활성값",),
         ("A number computed from this input; drawn in green.",
          "이 입력으로 계산된 수. 초록색으로 그립니다."), "introduction.overview"),
    Term("embedding", ("embedding", "embeddings"), ("임베딩",),
         ("The first numbers the model gives a letter: 48 of them, from its token and where it sits.",
          "모델이 글자에 처음 주는 수: 48개, 토큰과 자리에서 옵니다."), "embedding",
         text=("The first numbers the model gives a token, from the token itself and where it sits.",
               "모델이 토큰에 처음 주는 수. 토큰 자신과 그 자리에서 옵니다.")),
    Term("column", ("column", "columns"), ("열",),
         ("The numbers the model keeps for one letter of the row, drawn top to bottom.",
          "줄의 글자 하나에 대해 모델이 가진 수들. 위에서 아래로 그립니다."), "embedding.token",
         text=("The numbers the model keeps for one token of the text, drawn top to bottom.",
               "글의 토큰 하나에 대해 모델이 가진 수들. 위에서 아래로 그립니다.")),
    Term("position", ("position", "positions"), ("위치",),
         ("Where a letter sits in the row, counted from 0; each has its own column of weights.",
          "줄에서 글자가 있는 자리. 0부터 세며, 자리마다 가중치 열이 있습니다."), "embedding.position",
         ("introduction.overview",),
         text=("Where a token sits in the text, counted from 0; each has its own column of weights.",
               "글에서 토큰이 있는 자리. 0부터 세며, 자리마다 가중치 열이 있습니다.")),
    Term("residual stream", ("residual stream", "stream"), ("잔차 스트림", "스트림"),
         ("The running column of each position: every step adds its result to it instead of replacing it.",
          "각 위치의 흐르는 열: 각 단계는 결과를 바꿔 넣지 않고 더합니다."), "embedding.sum",
         ("projection.residual",)),
    Term("layer norm", ("layer norm", "normalised", "normalise", "normalises"), ("레이어 정규화", "정규화"),
         ("Rescales each column to average 0 and spread 1, then scales and shifts it by weights.",
          "각 열의 수를 합이 0, 퍼짐이 1이 되게 맞춘 뒤 가중치로 늘리고 옮깁니다."), "layer-norm"),
    Term("mean", ("mean",), ("평균",),
         ("The average of a column's numbers.", "한 열의 수들의 평균."), "layer-norm.column"),
    Term("self-attention", ("self-attention", "attention"), ("셀프 어텐션", "어텐션"),
         ("Each position gathers numbers from the positions before it.",
          "각 위치가 앞 위치들에서 수를 모읍니다."), "self-attention"),
    Term("head", ("head", "heads"), ("헤드",),
         ("One of several self-attention units working side by side, each with its own weights.",
          "나란히 일하는 셀프 어텐션 단위 중 하나. 각자 자기 가중치를 씁니다."), "self-attention.heads"),
    Term("query", ("query", "queries"), ("쿼리",),
         ("What a position is looking for, as numbers made by a head's weights.",
          "한 위치가 찾는 것을 나타내는 수. 헤드의 가중치로 만듭니다."), "self-attention.qkv"),
    Term("key", ("key", "keys"), ("키",),
         ("What a position offers to be found by, compared with a query.",
          "한 위치가 찾아지는 기준을 나타내는 수. 쿼리와 비교합니다."), "self-attention.keys"),
    Term("value", ("value", "values"), ("값",),
         ("What a position hands on when a query finds its key.",
          "쿼리가 그 키를 찾을 때 한 위치가 넘겨주는 수."), "self-attention.values"),
    Term("score", ("score", "scores"), ("점수",),
         ("How well a query matches a key: their products summed, divided by the square root of their length.",
          "쿼리와 키가 맞는 정도: 곱의 합을 길이의 제곱근으로 나눈 수."), "self-attention.scores"),
    Term("softmax", ("softmax",), ("소프트맥스",),
         ("Turns scores into positive numbers that add up to 1; the largest score gets most.",
          "점수를 합이 1인 양수들로 바꿉니다. 가장 큰 점수가 가장 많이 받습니다."), "self-attention.softmax"),
    Term("attention share", ("attention share", "attention shares", "share", "shares"), ("어텐션 비율", "비율"),
         ("How much of what a position gathers comes from each earlier position (softmax of its scores).",
          "한 위치가 모으는 것 중 앞의 각 위치에서 오는 몫(점수의 소프트맥스)."), "self-attention.mix"),
    Term("projection", ("projection", "project", "projects", "projected"), ("투영",),
         ("Weights turning a column into a column of another size, or mixing the heads back together.",
          "가중치로 열을 다른 크기의 열로 바꾸거나 헤드들을 다시 섞습니다."), "projection"),
    Term("mlp", ("MLP", "MLPs"), ("MLP",),
         ("Expand each column, bend every number, project back: works on each position alone.",
          "각 열을 늘리고, 수를 굽히고, 다시 투영합니다. 위치마다 따로 일합니다."), "mlp"),
    Term("matrix", ("matrix", "matrices"), ("행렬",),
         ("A grid of weights; each output number is a weighted sum of a column.",
          "가중치의 격자. 출력 수 하나는 한 열의 가중합입니다."), "mlp.expand"),
    Term("bias", ("bias", "biases"), ("편향",),
         ("A weight added after a matrix's sum, one per output number.",
          "행렬의 합 뒤에 더하는 가중치. 출력 수마다 하나."), "mlp.project"),
    Term("gelu", ("GELU",), ("GELU",),
         ("Bends each number: negatives shrink towards zero, positives stay.",
          "각 수를 굽힙니다: 음수는 0 쪽으로 줄고 양수는 지나갑니다."), "mlp.gelu"),
    Term("transformer block", ("transformer block", "transformer blocks", "transformer"),
         ("트랜스포머 블록", "트랜스포머"),
         ("Layer norm, self-attention, layer norm, MLP, each added to the residual stream.",
          "레이어 정규화, 셀프 어텐션, 레이어 정규화, MLP. 각각 잔차 스트림에 더합니다."), "transformer"),
    Term("logits", ("logit", "logits"), ("로짓",),
         ("The last matrix's scores for each column, one per letter.", "마지막 행렬이 열마다 낸 글자별 점수."),
         "softmax.logits",
         text=("The last matrix's scores for each column, one per token of the vocabulary.",
               "마지막 행렬이 열마다 낸 점수. 어휘의 토큰마다 하나.")),
    Term("probability", ("probability", "probabilities"), ("확률",),
         ("The softmax of the logits: how likely each letter is next.", "로짓의 소프트맥스: 각 글자가 다음일 가능성."),
         "softmax.probs",
         text=("The softmax of the logits: how likely each token is next.", "로짓의 소프트맥스: 각 토큰이 다음일 가능성.")),
    Term("pass", ("pass", "passes"), ("번째 계산", "번의 계산"),
         ("One run of the whole model over the letters so far, ending in one new letter.",
          "지금까지의 글자로 모델 전체를 한 번 돌려 새 글자 하나를 얻는 일."), "output.loop",
         ("output.pick",),
         text=("One run of the whole model over the tokens so far, ending in one new token.",
               "지금까지의 토큰으로 모델 전체를 한 번 돌려 새 토큰 하나를 얻는 일.")),
    Term("parameter", ("parameter", "parameters"), ("파라미터",),
         ("One number a model learned and keeps: its weights and biases, counted one by one.",
          "모델이 배워서 간직한 수 하나: 가중치와 편향을 하나씩 센 것."), "scale.nano"),
]
BY_KEY = {t.key: t for t in TERMS}
assert len(BY_KEY) == len(TERMS)


def _patterns(language: str) -> list[tuple[re.Pattern, str]]:
    forms = sorted(((f, t.key) for t in TERMS for f in (t.en if language == "en" else t.ko)),
                   key=lambda p: -len(p[0]))
    if language == "en":
        return [(re.compile(rf"(?<![\w-]){re.escape(f)}(?![\w-])", re.I), k) for f, k in forms]
    # particles may follow; a Latin form ends where Latin does ("GPT" is not the start of "GPT-2")
    return [(re.compile(rf"(?<![가-힣]){re.escape(f)}" + (r"(?![A-Za-z0-9-])" if f[-1].isascii() else "")), k)
            for f, k in forms]


_PATTERNS = {lang: _patterns(lang) for lang in ("en", "ko")}


def terms_in(text: str, language: str) -> list[str]:
    """Keys of the terms `text` uses, in order of first use (each stretch of text counted once, longest
    form first)."""
    taken: list[tuple[int, int]] = []
    found: list[tuple[int, str]] = []
    for pat, key in _PATTERNS[language]:
        for m in pat.finditer(text):
            if not any(a < m.end() and m.start() < b for a, b in taken):
                taken.append(m.span())
                found.append((m.start(), key))
    return list(dict.fromkeys(k for _, k in sorted(found)))


def _where(t: Term) -> str:
    return t.defined_in if "." in t.defined_in else f"{t.defined_in} (title card)"


def markdown() -> str:
    """docs/glossary.md: the table in English and in Korean, in the order the film introduces the terms, then
    the terms a text model's film says in its own words."""
    out = ["# Glossary", "", "Every term the film uses, what it does in this film, and the caption meant to "
           "define it. Generated from `scenes/glossary.py` (`python -m llmreel.scenes.glossary > "
           "docs/glossary.md`); do not edit by hand.", "",
           "| term | also | what it does here | defined in |", "|---|---|---|---|"]
    out += [f"| {t.en[0]} | {', '.join(t.en[1:])} | {t.means[0]} | {_where(t)} |" for t in TERMS if "letters" in t.films]
    out += ["", "## 용어집", "", "| 용어 | 다른 형태 | 이 영상에서 하는 일 | 정의하는 자막 |", "|---|---|---|---|"]
    out += [f"| {t.ko[0]} | {', '.join(t.ko[1:])} | {t.means[1]} | {_where(t)} |" for t in TERMS if "letters" in t.films]
    own = [t for t in TERMS if t.text or "letters" not in t.films]
    out += ["", "## In a text model's film (GPT-2)", "", "The film of a GPT-2-family model on your text "
            "(`scenes/gpt2_text.toml`) uses the same terms; these it says in words of tokens and text (the others "
            "mean what they mean above).", "", "| term | also | what it does there | 이 영상에서 하는 일 |",
            "|---|---|---|---|"]
    out += [f"| {t.en[0]}{f' ({t.ko[0]})' if t.ko[0] != t.en[0] else ''} | {', '.join(t.en[1:])} | {t.meaning('text')[0]} | {t.meaning('text')[1]} |"
            for t in own]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
