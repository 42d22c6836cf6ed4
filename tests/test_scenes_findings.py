"""What the model learned, in the film (scenes/beats_findings.py): each finding shown on the film's input right
after the pass that computes it, its check over all inputs, and "How it sorts"; with the shipped weights, the
same weights with two heads swapped (the finding must follow its head), and the shipped weights with the
finding's head blinded (its beats disappear and the film says the work is spread over several heads)."""
from __future__ import annotations

import re

import numpy as np
import pytest

from llmreel.model.findings_cache import cached_find
from llmreel.model.findings_text import pct
from llmreel.model.gpt import generate
from llmreel.model.weights import load_weights
from llmreel.scenes.plan import plan_run, plan_timeline
from llmreel.scenes.reading import caption_seconds
from test_model_findings import _blind          # zero query weights: the head's attention spread evenly


@pytest.fixture(autouse=True)
def _own_cache(monkeypatch, tmp_path_factory):
    monkeypatch.setenv("LLMREEL_CACHE", str(tmp_path_factory.getbasetemp() / "findings-cache"))


def _swapped(params, config, layer, a, b):
    """The same model with heads a and b of `layer` swapped (their query, key and value columns and their rows
    of the output projection): every answer and every share is the same, under the other head's number."""
    out = {k: v.copy() for k, v in params.items()}
    A, C = config.head_dim, config.n_embd
    w, bias, proj = (out[f"h{layer}.attn.{n}"] for n in ("c_attn.weight", "c_attn.bias", "c_proj.weight"))
    for part in range(3):                                           # q, k, v
        ia, ib = slice(part * C + a * A, part * C + (a + 1) * A), slice(part * C + b * A, part * C + (b + 1) * A)
        w[:, ia], w[:, ib] = w[:, ib].copy(), w[:, ia].copy()
        bias[ia], bias[ib] = bias[ib].copy(), bias[ia].copy()
    ra, rb = slice(a * A, (a + 1) * A), slice(b * A, (b + 1) * A)
    proj[ra], proj[rb] = proj[rb].copy(), proj[ra].copy()
    return out


def _numbers(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"\d+", text)]


def _check_film(weights=None):
    """The film's findings beats against the findings measured for `weights` and the film's own trace."""
    r = cached_find(weights)
    tl = plan_timeline(weights=weights)
    ids = [b.id for b in tl.beats]
    config, params = load_weights() if weights is None else weights
    _, traces = generate(params, config, [2, 1, 0, 1, 1, 2], 6)
    trace = traces[-1]
    for f in r.findings:
        found = [b for b in tl.beats if b.base == "finding" and (b.layer, b.pass_index) in
                 {(f.layer, s) for s in f.steps} and b.name.endswith(f".{f.layer}.{f.head}")]
        assert len(found) == 1, (f, ids)
        b = found[0]
        step, col = b.pass_index, 5 + b.pass_index - 1
        # after the beat that computes its column; its check right after it
        i = ids.index(b.id)
        before = {6: "output.answer", 1: "self-attention.mix" if f.layer == 0 else f"transformer.blocks.{f.layer}"}
        assert ids[i - 1] == before.get(step, f"output.loop.{step}") and ids[i + 1] == b.id.replace("finding", "check")
        row = trace[f"h{f.layer}.attn.probs"][f.head, col, :col + 1]
        letters = "CBABBC" + tl.output
        marked = [p for p in range(6) if letters[p] == tl.output[step - 1]] if f.hypothesis == "answer" else None
        en, ko = b.caption["en"], b.caption["ko"]
        assert f"block {f.layer}'s head {f.head} " in en and f"블록 {f.layer}의 헤드 {f.head}" in ko
        assert f"from position {col}," in en and f"위치 {col}에서" in ko
        if marked is not None:
            top = sorted(marked, key=lambda p: -row[p])[:3]
            assert _numbers(en)[-2 * len(top):] == [v for p in top for v in (pct(row[p]), p)], en
            assert f"{pct(row[marked].sum())}% of its attention" in en
        check = next(x for x in tl.beats if x.id == ids[i + 1]).caption["en"]
        m = next(m for m in r.measures if (m.layer, m.head, m.step, m.hypothesis) == (f.layer, f.head, step, f.hypothesis))
        assert f"{pct(m.rate)}% of all 729 inputs" in check
        assert f"{pct(f.ablation.accuracy)}%" in check and ("instead of" in check) == f.causal
    assert sum(b.base == "finding" for b in tl.beats) == len(r.findings)
    how = tl.beats[-2]                                      # then the recap closes the film (issue 12)
    assert how.id == "output.how" and how.caption["en"].startswith("How it sorts: ")
    assert tl.beats[-1].id == "output.recap"
    if r.spread_steps:
        assert "spread over several heads" in how.caption["en"] and "여러 헤드에 나뉘어" in how.caption["ko"]
    for b in tl.beats:
        assert (b.last_frame - b.first_frame + 1) >= caption_seconds(b.caption) * tl.fps
    return r, tl


def test_shipped_weights_show_their_finding_on_the_input():
    r, tl = _check_film()
    assert [(f.layer, f.head, f.steps) for f in r.findings] == [(0, 0, (6,))]        # docs/findings.md
    spec, _ = plan_run()
    finding = next(b for b in spec.beats if b.id == "output.finding.6.0.0")
    values = [v for v in spec.value_texts if v.id.startswith("value:output.finding.6.0.0:")]
    assert sorted(v.text["ko"] for v in values) == sorted(v.text["en"] for v in values) == ["C 26%", "C 36%"]  # at 0, 5
    assert {v.id.rsplit(":", 1)[1] for v in values} == {"h0.attn.probs[0,10,0]", "h0.attn.probs[0,10,5]"}
    marks = [(h.rows, h.cols) for h in spec.highlights if h.id.startswith("hl:output.finding.6.0.0:")]
    assert ((0, 11), (10, 11)) in marks and ((0, 1), (10, 11)) in marks and ((5, 6), (10, 11)) in marks
    assert "h0.attn.probs[0]" in finding.focus and finding.shows == ["h0.attn.probs[0]"]
    # a leader from each attended cell's frame to its number: from the cell's right edge, ending left of the text
    from llmreel.scenes.geometry import value_text_bounds
    b = spec.block("h0.attn.probs[0]")
    led = {h.rows[0]: h.leader for h in spec.highlights if h.id.startswith("hl:output.finding.6.0.0:") and h.leader}
    assert sorted(led) == [0, 5]
    for row, v in zip((0, 5), sorted(values, key=lambda v: -v.location[2])):    # row 0's number on top
        (x0, _, z0), end = led[row][0], led[row][-1]
        assert np.isclose(x0, b.origin[0] + 10.5 * b.pitch) and np.isclose(z0, b.origin[2] - row * b.pitch)
        lo, hi = value_text_bounds(v)
        assert lo[0] - b.pitch < end[0] < lo[0] and lo[2] < end[2] < hi[2], (row, v.text)
    how = [(h.rows, h.cols) for h in spec.highlights if h.id.startswith("hl:output.how:")]   # shown again
    assert sorted(how) == sorted(marks)
    assert sorted(v.text["en"] for v in spec.value_texts if v.id.startswith("value:output.how:")) == ["C 26%", "C 36%"]


def test_the_finding_follows_its_head():
    config, params = load_weights()
    r, tl = _check_film((config, _swapped(params, config, 0, 0, 1)))
    assert [(f.layer, f.head, f.steps) for f in r.findings] == [(0, 1, (6,))]
    assert "output.finding.6.0.1" in {b.id for b in tl.beats} and "block 0's head 0" not in \
        " ".join(b.caption["en"] for b in tl.beats if b.base in ("finding", "check", "how"))


def test_a_blinded_head_loses_its_beats_and_the_work_is_spread():
    config, params = load_weights()
    weights = (config, _blind(params, config, 0, 0))
    r, tl = _check_film(weights)
    assert not r.findings and not any(b.base in ("finding", "check") for b in tl.beats)
    assert tl.beats[-2].caption["en"] == "How it sorts: for every letter the work is spread over several heads."
    spec, _ = plan_run(weights=weights)
    framed = {h.block for h in spec.highlights if h.id.startswith("hl:output.how:")}
    assert framed == {f"h{i}.attn.probs[{h}]" for i in range(3) for h in range(3)}


def test_no_findings_for_a_text_model_or_another_length():
    from llmreel.model.config import GPTConfig
    from llmreel.model.weights import init_params
    cfg = GPTConfig(n_layer=1, n_head=2, n_embd=8, vocab_size=20, block_size=16)
    tl = plan_timeline(input=[3, 1, 4], weights=(cfg, init_params(cfg, 0)))
    assert not any(b.base in ("finding", "check", "how") for b in tl.beats)
    tl = plan_timeline(input=[2, 1, 0])                     # the sort model given three ids: not the 729
    assert not any(b.base in ("finding", "check", "how") for b in tl.beats)


def test_each_finding_follows_the_beat_that_computes_its_column():
    """Findings at letter 1 of block 0 and of block 2, and at letter 3 (the shipped finding's numbers moved to
    other heads and letters): each beat right after the beat computing its column, its check right after it."""
    from dataclasses import replace

    from llmreel.model.findings import Measure
    from llmreel.scenes.beats import canonical_beats
    from llmreel.scenes.beats_findings import film_findings
    r = cached_find()
    f = r.findings[0]
    moved = [replace(f, layer=0, head=1, steps=(1,)), replace(f, layer=2, head=0, steps=(1,)),
             replace(f, layer=1, head=2, steps=(3,)), replace(f, layer=0, head=2, steps=(3,))]
    m = next(m for m in r.measures if (m.layer, m.head, m.step) == (0, 0, 6) and m.hypothesis == f.hypothesis)
    measures = r.measures + [Measure(**{**m.__dict__, "layer": g.layer, "head": g.head, "step": g.steps[0]})
                             for g in moved]
    config, params = load_weights()
    seq, traces = generate(params, config, [2, 1, 0, 1, 1, 2], 6)
    film = film_findings(replace(r, findings=moved, measures=measures), traces[-1], seq)
    ids = [b.id for b in canonical_beats(config, 6, 6, film)]
    for before, beat in [("self-attention.mix", "self-attention.finding.1.0.1"),
                         ("transformer.blocks.2", "transformer.finding.1.2.0"),
                         ("output.loop.3", "output.finding.3.1.2")]:
        i = ids.index(beat)
        assert ids[i - 1] == before and ids[i + 1] == beat.replace("finding", "check"), ids[i - 2:i + 2]
    i = ids.index("output.finding.3.0.2")                   # two findings after one pass: one after the other
    assert ids[i - 2:i] == ["output.finding.3.1.2", "output.check.3.1.2"] and ids[i + 2] == "output.loop.4"
    assert ids.index("output.how") == ids.index("output.answer") + 1          # no finding at letter 6 here
