"""Caption templates: fields filled, Korean particles chosen for the actual word (never hedged like
"을(를)"), in every shipped story and for several inputs."""
from __future__ import annotations

import re

import pytest

from llmreel.core.errors import InputError
from llmreel.scenes.beats import CHAPTER_BEATS
from llmreel.scenes.beats_output import LOOP_MORE
from llmreel.scenes.captions import render
from llmreel.scenes.plan import plan_timeline
from llmreel.scenes.story import list_stories, load_story
from tiny_gpt2 import story_kwargs

HEDGES = ("(를)", "(을)", "(이)", "(가)", "(은)", "(는)", "(으)", "(과)", "(와)")
INPUTS = ("CBABBC", "AAAAAA", "CCCCCC", "ABCCBA", "BBBAAC", "ACACAC")
# a particle written by hand right after a field: right for some values only
FIXED_AFTER_FIELD = re.compile(r"\}(을|를|이|가|은|는|와|과|으로|로)(?![가-힣])")


@pytest.mark.parametrize("template, fields, want", [
    ("{x:을/를} 받으면", {"x": "CBABBC"}, "CBABBC를 받으면"),
    ("{x:을/를} 받으면", {"x": "ABBBCL"}, "ABBBCL을 받으면"),
    ("{x:를/을} 뺍니다", {"x": "0.47"}, "0.47을 뺍니다"),
    ("{x:으로/로}", {"x": "2.14"}, "2.14로"), ("{x:으로/로}", {"x": "2.13"}, "2.13으로"),
    ("{x:으로/로}", {"x": "2 1 0 1 1 7"}, "2 1 0 1 1 7로"),
    ("블록 {x:은/는}", {"x": "1"}, "블록 1은"), ("블록 {x:은/는}", {"x": "2"}, "블록 2는"),
    ("위치 {x:이/가}", {"x": "0"}, "위치 0이"), ("위치 {x:가/이}", {"x": "4"}, "위치 4가"),
    ("{x:와/과} {y:과/와}", {"x": "A", "y": "N"}, "A와 N과"),
    ("토큰 {a}(번호 {b}){은/는}", {"a": "C", "b": "0"}, "토큰 C(번호 0)는"),   # the word before the aside
    ("토큰 {a}(번호 {b}){은/는}", {"a": "L", "b": "2"}, "토큰 L(번호 2)은"),
    ("{a}{을/를}", {"a": "B"}, "B를"),
    ("{x:>6}|{{literal}}", {"x": "ab"}, "    ab|{literal}"),                # str.format specs still work
])
def test_particles_follow_the_word(template, fields, want):
    assert render(template, fields, "t") == want


@pytest.mark.parametrize("template, needle", [
    ("{x:을/가}", "particle"), ("{을/가}", "particle"), ("{nope}", "nope"), ("{을/를} 시작", "particle"),
])
def test_bad_particle_is_one_clear_error(template, needle):
    with pytest.raises(InputError, match=needle):
        render(template, {"x": "A"}, "t")


def _templates():
    """Every Korean caption template: the beats' and the shipped stories' overrides."""
    out = [(f"{d.chapter}.{d.name}", d.caption[1]) for defs in CHAPTER_BEATS.values() for d in defs]
    out.append(("output.loop (later passes)", LOOP_MORE[1]))
    for name in list_stories():
        for cut in load_story(name).chapters:
            out += [(f"{name}:{cut.slug}.{b}", t["ko"]) for b, t in cut.captions.items() if "ko" in t]
    return out


def test_no_particle_is_fixed_after_a_field():
    bad = [(where, t) for where, t in _templates() if FIXED_AFTER_FIELD.search(t) or any(h in t for h in HEDGES)]
    assert not bad, "use {field:을/를} (or {을/를} after an aside) instead: " + "; ".join(map(str, bad))


@pytest.mark.parametrize("story", list_stories())
def test_filled_korean_captions_never_hedge(story):
    for text in INPUTS:
        run = plan_timeline(story, **story_kwargs(story, text))
        for b in run.beats:
            ko = b.caption["ko"]
            assert not [h for h in HEDGES if h in ko], (story, text, b.id, ko)
            assert "{" not in ko and "}" not in ko, (story, text, b.id, ko)


def test_story_override_chooses_particles(tmp_path):
    p = tmp_path / "s.toml"
    p.write_text('name = "t"\n[[chapter]]\nslug = "introduction"\nbeats = ["task"]\n'
                 '[chapter.captions.task]\nko = "{input:을/를} 정렬하면 {output:이/가} 됩니다."\n', encoding="utf-8")
    assert plan_timeline(p, input="CCCAAB").beats[0].caption["ko"] == \
        "CCCAAB를 정렬하면 AABCCC가 됩니다."
