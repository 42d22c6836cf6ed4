"""The text story (scenes/gpt2_text.toml) on a tiny GPT-2-family checkpoint: chosen for a text model, its
captions and numbers from the run (tokens by their text, en and ko), the later blocks in one quick beat,
the prompt's columns lifted out of the token table, the top predictions named, the text growing by one
token a pass; and stories refused for the other kind of model."""
from __future__ import annotations

import re

import numpy as np
import pytest

from llmreel.core.errors import InputError
from llmreel.model.checkpoint import load_model
from llmreel.scenes.captions import fmt
from llmreel.scenes.captions_text import quoted
from llmreel.scenes.plan import plan_run, plan_timeline
from llmreel.scenes.story import load_story
from tiny_gpt2 import write_tiny_gpt2

PROMPT = "The cat sat on the"
IDS = [464, 3797, 3332, 319, 262]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return write_tiny_gpt2(tmp_path_factory.mktemp("text-story") / "tiny-gpt2", n_layer=3)


@pytest.fixture(scope="module")
def run(tiny):
    return plan_run(weights=str(tiny), text=PROMPT, generate=3)


def test_a_text_model_gets_the_text_story_with_its_tokens_and_numbers(tiny):
    tl = plan_timeline(weights=str(tiny), text=PROMPT, generate=3)
    assert load_story().name == "sort_explainer" and tl.run.ids == IDS
    caps = {b.id: b.caption for b in tl.beats}
    every = " ".join(c[lang] for c in caps.values() for lang in ("en", "ko"))
    for banned in ("sort", "letter", "A=0", "정렬", "글자"):
        assert banned not in every, banned
    tok, probs = load_model(tiny).tokenizer(), tl.trace["probs"][4]
    first, n_params = int(np.argmax(probs)), f"{load_model(tiny).n_params:,}"
    assert n_params == f"{50257 * 16 + 64 * 16 + 3 * 3280 + 2 * 16:,}"   # wte once (the head is tied), wpe, blocks, ln_f
    assert n_params in caps["introduction.weights"]["en"] and n_params in caps["introduction.weights"]["ko"]
    names = ", ".join(quoted(tok.token_text(i)) for i in IDS)
    assert names == '"The", " cat", " sat", " on", " the"'
    assert names in caps["introduction.tokens"]["en"] and names in caps["introduction.tokens"]["ko"]
    assert "50,257" in caps["introduction.tokens"]["en"]
    top = np.argsort(-probs, kind="stable")[:3]
    logits = ", ".join(f"{quoted(tok.token_text(v))} {fmt(tl.trace['logits'][4, v])}" for v in top)
    assert logits in caps["softmax.logits"]["en"] and logits in caps["softmax.logits"]["ko"]
    assert f"{quoted(tok.token_text(first))} ({fmt(probs[first])})" in caps["output.pick"]["en"]
    new = [int(np.argmax(tl.trace["probs"][c])) for c in range(4, 7)]
    assert tl.output == tok.decode(new) and caps["output.answer"]["en"].endswith(f": {quoted(tl.output)}.")
    assert caps["output.loop.3"]["en"].endswith(f"Next: {quoted(tok.token_text(new[2]))}.")


def test_block_0_in_detail_the_later_blocks_in_one_quick_beat(tiny):
    beats = plan_timeline(weights=str(tiny), text=PROMPT).beats
    later = [b for b in beats if b.chapter == "transformer"]
    assert [b.name for b in later] == ["blocks"] and later[0].fast
    assert {t for s in later[0].steps for t in s.tensors} >= {"h1.attn.q", "h2.mlp.resid"}
    assert later[0].caption["en"].startswith("Each of blocks 1 to 2 repeats")
    seconds = (later[0].last_frame - later[0].first_frame + 1) / 30
    detail = sum(b.last_frame - b.first_frame + 1 for b in beats if b.chapter in ("self-attention", "mlp")) / 30
    assert seconds < 12 < 40 < detail, (seconds, detail)
    subtitles = {b.chapter: b.subtitle for b in beats}
    assert subtitles["introduction"]["en"] == "A model that continues text"


def test_value_texts_lift_the_prompts_columns_and_name_the_top_tokens(tiny, run):
    spec, r = run
    tok = r.model.tokenizer()
    flying = [f for f in spec.flying if f.id.startswith("fly:embedding.token:")]
    assert len(flying) == len(IDS)                                    # one per prompt token
    wte = r.model.params["wte.weight"]
    assert [f.value for f in flying] == pytest.approx([float(wte[i, 0]) for i in IDS])
    lifted = {h.cols for h in spec.highlights if h.block == "wte.weight"}
    assert lifted == {(i, i + 1) for i in IDS}
    logits = next(v for v in spec.value_texts if v.id.startswith("value:softmax.logits:"))
    srcs = re.findall(r"logits\[4,(\d+)\]", logits.id)
    assert len(srcs) == 5
    z = plan_timeline(weights=r.model, text=PROMPT, generate=3).trace["logits"][4]
    want = "   ".join(f"{quoted(tok.token_text(int(v)))} {fmt(z[int(v)])}" for v in srcs)
    assert re.sub(r"\s+", " ", logits.text["en"]) == re.sub(r"\s+", " ", want)       # (wrapped into lines)
    assert {h.rows for h in spec.highlights if h.block == "lm_head.weight"} == {(int(v), int(v) + 1) for v in srcs}
    # the output loop: the text so far, each new token appended in brackets
    grown = [v.text["en"].replace("\n", " ") for v in spec.value_texts if v.id.endswith(":") and v.id.startswith("value:output")]
    new = [tok.token_text(int(v)) for v in np.argmax(plan_timeline(weights=r.model, text=PROMPT, generate=3)
                                                             .trace["probs"][4:7], axis=-1)]
    assert len(grown) == 4
    for n, text in enumerate(grown[:3], 1):
        assert re.sub(r"\s+", " ", text) == re.sub(r"\s+", " ", PROMPT + "".join(f"[{t}]" for t in new[:n]))
    token_labels = {l.text["en"] for l in spec.labels if l.id.startswith("token:embed.tok:")}
    assert {"The", "cat", "sat", "on", "the"} <= token_labels


def test_stories_for_the_other_kind_of_model_are_refused(tiny):
    with pytest.raises(InputError, match="story sort_explainer is written for the letter-sorting model; for this "
                                         "text model use story gpt2_text"):
        plan_timeline("sort_explainer", weights=str(tiny), text="Hi")
    with pytest.raises(InputError, match="story attention_only is written for the letter-sorting model"):
        plan_timeline("attention_only", weights=str(tiny), text="Hi")
    with pytest.raises(InputError, match=r"story gpt2_text is written for a text \(GPT-2-family\) model; name one "
                                         r"with --model PATH"):
        plan_timeline("gpt2_text")
    assert plan_timeline("gpt2_text", weights=str(tiny), text="Hi").beats[0].caption["en"].startswith("Coming up")


def test_the_story_keys_for_text_are_checked(tmp_path):
    bad = tmp_path / "bad.toml"
    for body, match in (('model = "words"', "model = 'words'; accepted: letters, text"),
                        ('[[chapter]]\nslug = "mlp"\ntogether = true', "together = True; accepted: true or false, "
                                                                         "in chapter 'transformer' only"),
                        ('[[chapter]]\nslug = "mlp"\nsubtitle = { fr = "x" }', "unknown key 'fr'")):
        bad.write_text(body + ('\n[[chapter]]\nslug = "introduction"\n' if "chapter" not in body else "\n"))
        with pytest.raises(InputError, match=re.escape(match)):
            load_story(bad)


@pytest.mark.slow
def test_no_text_rule_fault_at_gpt2_width():
    """GPT-2 small's width, heads and vocabulary (two of its twelve layers, seeded random weights): the frame
    check finds no text that breaks a text rule (bench/bench_text_story.py measures all twelve layers in
    every aspect)."""
    from llmreel.model.config import GPTConfig
    from llmreel.scenes.frame_check import TEXT_RULES, check_frames

    spec = plan_run(config=GPTConfig(2, 12, 768, 50257, 1024), text=PROMPT, generate=2)[0]
    assert spec.meta.story == "gpt2_text"
    bad = [f for f in check_frames(spec) if f.rule in TEXT_RULES]
    assert not bad, "\n".join(map(str, bad[:10]))
