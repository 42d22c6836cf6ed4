"""The glossary (scenes/glossary.py): one table of terms, docs/glossary.md printed from it, one word one
meaning, and every term defined before the film uses it, one new term per caption."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from llmreel.core.errors import InputError
from llmreel.scenes.glossary import TERMS, markdown, terms_in
from llmreel.scenes.block_titles import _TITLES
from llmreel.scenes.layout import layout
from llmreel.scenes.plan import plan_timeline
from llmreel.scenes.story import TEXT_STORY, list_stories, load_story
from llmreel.scenes.term_order import bursts, film_texts, order_faults
from tiny_gpt2 import story_kwargs

DOC = Path(__file__).resolve().parents[1] / "docs" / "glossary.md"


def test_glossary_doc_is_current():
    assert DOC.read_text(encoding="utf-8") == markdown(), \
        "docs/glossary.md is stale: python -m llmreel.scenes.glossary > docs/glossary.md"


def test_one_word_one_meaning():
    for lang, i in (("en", 0), ("ko", 1)):
        forms = [(f.lower(), t.key) for t in TERMS for f in (t.en if lang == "en" else t.ko)]
        seen: dict[str, str] = {}
        for f, key in forms:
            assert seen.setdefault(f, key) == key, (lang, f, seen[f], key)
    # the trained blocks are "weights"; the attention shares are never called so (block titles included)
    assert terms_in(_TITLES["attn.probs"][0], "en") == ["attention share"]
    assert terms_in(_TITLES["attn.probs"][1], "ko") == ["attention share"]


def test_terms_found_longest_form_first():
    assert terms_in("The attention shares of each column's scores", "en") == ["attention share", "column", "score"]
    assert terms_in("Self-attention runs as heads", "en") == ["self-attention", "head"]
    assert terms_in("잔차 스트림과 셀프 어텐션", "ko") == ["residual stream", "self-attention"]
    assert terms_in("Head 0's first query number", "en") == ["head", "query"]
    assert terms_in("최댓값 0.76을 빼고 활성값과 첫 값은", "ko") == ["activation", "value"]   # 값 starts a word
    assert terms_in("2번째 계산: 새 열 6만", "ko") == ["pass", "column"]


@pytest.mark.parametrize("film", ["letters", "text"])
def test_definitions_use_only_terms_defined_before_them(film):
    """In each film's words (a text model's film says some terms in words of tokens and text)."""
    seen: set[str] = set()
    for t in TERMS:
        for lang, text in zip(("en", "ko"), t.meaning(film)):
            early = [k for k in terms_in(text, lang) if k != t.key and k not in seen]
            assert not early, (t.key, film, lang, early, text)
        if film in t.films:
            seen.add(t.key)
    assert [t.key for t in TERMS if t.text and ("letter" in t.text[0] or "글자" in t.text[1])] == []


@pytest.mark.parametrize("film", ["letters", "text"])
def test_each_defining_text_uses_its_term(film):
    """A term's `defined_in` beat (or chapter title card) is in the default film (the scale story defines
    "parameter") and says the term, in both languages; a term only a text model's film uses, in the text story."""
    stories = (None, "scale") if film == "letters" else (TEXT_STORY.stem,)
    runs = [plan_timeline(story, **story_kwargs(story)) for story in stories]
    for lang in ("en", "ko"):
        texts = [x for run in runs for x in film_texts(run.beats, lang)]
        for t in TERMS:
            if film not in t.films or film == "text" and "letters" in t.films:
                continue
            defining = [text for where, text, _ in texts
                        if where in (t.defined_in, f"{t.defined_in} (title card)") or where.startswith(t.defined_in + ".")
                        and "." in t.defined_in]
            assert defining, (t.key, t.defined_in)
            assert t.key in terms_in(defining[0], lang), (t.key, lang, defining[0])


@pytest.mark.parametrize("story", [None, TEXT_STORY.stem])
def test_labels_use_only_terms_the_film_defines(story):
    """Block titles, section headings and axis tags use only glossary terms the film (the default, or a text
    model's) defines."""
    run = plan_timeline(story, **story_kwargs(story))
    defined = {k for lang in ("en", "ko") for _, text, _ in film_texts(run.beats, lang) for k in terms_in(text, lang)}
    lay = layout(run.config, len(run.trace.tokens), letters=run.run.model.is_letters)
    texts = [l.text for s in lay.slots for l in s.labels if l.kind != "formal"] + [l.text for l in lay.section_labels]
    for text in texts:
        for lang in ("en", "ko"):
            assert set(terms_in(text[lang], lang)) <= defined, (text, lang)
    # axis tags are words, never a letter that reads like a token
    axes = {l.text["en"] for s in lay.slots for l in s.labels if l.kind == "dim"}
    if story is None:
        assert axes == {"1", "3 letters", "11 positions", "16 numbers", "48 numbers", "192 numbers"}, axes
    else:                               # a text model's vocabulary counts tokens, not letters
        assert "50,257 tokens" in axes and {a.split(" ")[-1] for a in axes} == {"1", "numbers", "positions", "tokens"}


# every shipped story: those for the sort model on its letters, the text story (gpt2_text) on a tiny GPT-2
# checkpoint made by the test (tiny_gpt2.py), over one prompt and generating one token, and over another
# generating three (its fed-back passes)
RUNS = [(s, {}) for s in list_stories()] + [(TEXT_STORY.stem, {"text": "The cat sat on the", "generate": 3})]


def _run(story, extra):
    return plan_timeline(story, **{**story_kwargs(story), **(extra if load_story(story).model == "text" else {})})


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("story, extra", RUNS)
def test_every_term_defined_before_use_one_at_a_time(story, extra, lang):
    faults = order_faults(film_texts(_run(story, extra).beats, lang), lang)
    assert not faults, f"{story} {lang}: {len(faults)} faults\n" + "\n".join(faults)


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("story, extra", RUNS)
def test_no_more_than_three_new_terms_in_any_20_seconds(story, extra, lang):
    run = _run(story, extra)
    assert not bursts(film_texts(run.beats, lang), lang, run.fps)


def test_the_checks_find_what_they_look_for():
    """A planted use-before-definition, a planted pair of new terms and a planted burst are found."""
    run = plan_timeline()
    texts = film_texts(run.beats, "en")
    early = [(w, t + " The logits." if n == 3 else t, f) for n, (w, t, f) in enumerate(texts)]
    assert any("'logit' used before softmax.logits defines it" in f for f in order_faults(early, "en"))
    pair = [(w, "Each column has a mean." if w == "embedding.token" else t, f) for w, t, f in texts]
    assert any(f.startswith("embedding.token: 2 new terms") for f in order_faults(pair, "en"))
    squeezed = [(w, t, n) for n, (w, t, _) in enumerate(texts)]      # every text one frame apart
    assert bursts(squeezed, "en", run.fps)


def test_a_story_override_that_breaks_the_rule_is_refused(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "bad"\n[[chapter]]\nslug = "introduction"\nbeats = ["task", "tokens"]\n'
                   'captions.tokens.ko = "각 토큰은 가중치의 열입니다."\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"^story bad: introduction.tokens: 'weight' used before any text shown "
                                         r"defines it \(ko\); accepted:") as e:
        plan_timeline(str(bad))
    assert "\n" not in str(e.value)
    r = subprocess.run([sys.executable, "-m", "llmreel.render_scripts.cli", "plan", str(bad)], capture_output=True,
                       text=True)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "'weight' used before" in r.stderr, r.stderr


def test_a_cut_alone_may_leave_out_definitions_and_an_override_may_not_drop_one(tmp_path):
    cut = tmp_path / "cut.toml"
    cut.write_text('name = "cut"\n[[chapter]]\nslug = "softmax"\nbeats = ["probs"]\n', encoding="utf-8")
    assert plan_timeline(str(cut)).beats[0].id == "softmax.probs"      # a short film for viewers who know the terms
    drop = tmp_path / "drop.toml"
    drop.write_text('name = "drop"\n[[chapter]]\nslug = "introduction"\nbeats = ["tokens", "weights"]\n'
                    'captions.tokens.en = "Each letter becomes a number."\n'
                    'captions.weights.en = "Blue blocks are weights, the same for every token."\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"^story drop: introduction.tokens: is meant to define 'token' but does "
                                         r"not say it \(en\)"):
        plan_timeline(str(drop))
