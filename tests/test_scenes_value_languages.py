"""Focus moments' value texts speak the film's language: their words in English and Korean (the glossary's
Korean terms), their numbers and formulas the same in both, each placed where either language's text fits
(geometry.value_text_bounds: the box around both; Korean is drawn larger)."""
from __future__ import annotations

import re

import numpy as np

from llmreel.scenes.geometry import value_text_bounds
from llmreel.scenes.glossary import BY_KEY
from llmreel.scenes.plan import plan_scene

SYMBOLS = {"exp"}                       # a name inside a formula ("Σ exp"), written so in either language
WORD = re.compile(r"[A-Za-z]*[a-z][A-Za-z]*")   # an English word: letters, some small (not "GELU", "CBABBC")
NUMBER = re.compile(r"[−-]?\d+(?:\.\d+)?%?")


def test_a_korean_films_value_texts_have_no_english_word():
    spec = plan_scene(language="ko")
    words = {"en": set(), "ko": set()}
    for v in spec.value_texts:
        assert set(v.text) == {"en", "ko"}, v.id
        for lang, text in v.text.items():
            words[lang] |= {w for w in WORD.findall(text) if len(w) > 1}
        assert NUMBER.findall(v.text["en"]) == NUMBER.findall(v.text["ko"]), v.text     # the same numbers
    assert words["ko"] <= SYMBOLS, words["ko"] - SYMBOLS
    assert {"mean", "spread", "max", "next"} <= words["en"]
    ko = "\n".join(v.text["ko"] for v in spec.value_texts)
    assert all(w in ko for w in (BY_KEY["mean"].ko[0], "1/퍼짐", "최댓값", "다음:")), ko


def test_a_value_text_is_placed_where_both_languages_fit():
    """The layer norm's numbers with words: their English and Korean boxes differ (a Korean text is drawn
    in the CJK font, larger), and the box every check and placement uses holds both; no two value texts on
    screen together meet in it."""
    spec = plan_scene()
    norm = [v for v in spec.value_texts if v.id.startswith("value:layer-norm") and "mean" in v.text["en"]]
    assert norm
    for v in norm:
        (elo, ehi), (klo, khi), (lo, hi) = value_text_bounds(v, "en"), value_text_bounds(v, "ko"), value_text_bounds(v)
        assert not np.allclose(np.r_[elo, ehi], np.r_[klo, khi])
        assert np.all(lo <= np.minimum(elo, klo)) and np.all(hi >= np.maximum(ehi, khi))
    boxes = [value_text_bounds(v) for v in spec.value_texts]
    for i, a in enumerate(spec.value_texts):
        for j in range(i):
            b = spec.value_texts[j]
            if a.frames[0] <= b.frames[1] and b.frames[0] <= a.frames[1]:
                (al, ah), (bl, bh) = boxes[i], boxes[j]
                assert not (al[0] < bh[0] and bl[0] < ah[0] and al[2] < bh[2] and bl[2] < ah[2]), (a.text, b.text)
