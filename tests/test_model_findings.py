"""What the model learned (model/findings*.py): measured over all 729 inputs with the shipped weights, with
weights trained here from another seed, and with the shipped weights after one finding's head is blinded."""
from __future__ import annotations

import json
import re

import numpy as np
import pytest

from conftest import assert_one_line_error, run_cli
from llmreel.core.errors import InputError
from llmreel.model.backprop import forward_batch
from llmreel.model.findings import HOLD_SHARE, Findings, evidence, find
from llmreel.model.findings_text import WHAT, how_it_sorts, pct, sentences, spread, evidence_sentence
from llmreel.model.gpt import forward, generate
from llmreel.model.train import all_inputs, greedy_sort_batch, train
from llmreel.model.weights import load_weights, weights_digest


@pytest.fixture(scope="module")
def shipped() -> Findings:
    return find()


@pytest.fixture(scope="module")
def other_seed() -> Findings:
    res = train(seed=2, progress=False)                 # ~5-10 s here; stops once every input sorts
    assert res.all_sorted, res.accuracy
    return find((res.config, res.params))


def _blind(params, config, layer, head):
    """A copy of params whose head (layer, head) has zero query weights and bias: every score is 0, so its
    attention is spread evenly over the visible positions."""
    out = {k: v.copy() for k, v in params.items()}
    A = config.head_dim
    out[f"h{layer}.attn.c_attn.weight"][:, head * A:(head + 1) * A] = 0
    out[f"h{layer}.attn.c_attn.bias"][head * A:(head + 1) * A] = 0
    return out


@pytest.fixture(scope="module")
def blinded(shipped):
    assert shipped.findings, "the shipped weights have no finding to break"
    f = shipped.findings[0]
    config, params = load_weights()
    return f, find((config, _blind(params, config, f.layer, f.head)))


def _all_sentences(r: Findings) -> list[str]:
    out = []
    for f in r.findings:
        s = sentences(f, r.n_inputs)
        out += [*s.claim, *s.check]
    return out + list(spread(r) or ()) + list(how_it_sorts(r))


def _independent_rate(params, config, layer, head, step, rule) -> tuple[int, float]:
    """The hold count and mean share recomputed another way: the batched pass (backprop.forward_batch) over
    input + the model's answer, and the class from each row's letters in plain Python."""
    inputs = all_inputs()
    outputs = greedy_sort_batch(params, config, inputs)
    seq = np.concatenate([inputs, outputs], 1)
    _, cache = forward_batch(params, config, seq[:, :11], keep=True)
    col = 5 + step - 1
    probs = cache[f"h{layer}.probs"][:, head, col, :col + 1]                      # [N, col + 1]
    hold, shares = 0, []
    for row, p in zip(seq, probs):
        marked = [i for i in range(col + 1) if rule(row, i, col, step)]
        share = float(sum(p[i] for i in marked))
        shares.append(share)
        hold += share >= HOLD_SHARE
    return hold, float(np.mean(shares))


RULES = {   # the hypotheses restated position by position
    "answer": lambda row, i, col, step: i < 6 and row[i] == row[6 + step - 1],
    "written": lambda row, i, col, step: i >= 6,
    "same": lambda row, i, col, step: i < 6 and row[i] == row[col],
    "later": lambda row, i, col, step: i < 6 and row[i] > row[col],
}


def test_shipped_weights_findings_are_measured_and_sentences_follow(shipped):
    r = shipped
    assert r.base_sorted == r.n_inputs == 729
    assert r.findings or spread(r), "neither a finding nor the spread sentence"
    covered = {s for f in r.findings for s in f.steps}
    assert set(r.spread_steps) == set(range(1, 7)) - covered
    assert (spread(r) is None) == (not r.spread_steps)
    config, params = load_weights()
    for f in r.findings:
        for s in f.steps:
            m = next(m for m in r.measures if (m.layer, m.head, m.step, m.hypothesis) == (f.layer, f.head, s, f.hypothesis))
            assert m.passes and m.n_hold * 100 >= 95 * 729 and m.n_hold >= 2 * m.n_chance and m.share >= 2 * m.even
            hold, share = _independent_rate(params, config, f.layer, f.head, s, RULES[f.hypothesis])
            assert abs(hold - m.n_hold) <= 2 and abs(share - m.share) < 1e-4      # float32 rounding at 1/2 only
        a = f.ablation
        assert a.causal == ((a.base_sorted - a.n_sorted) * 100 >= 5 * a.n_inputs)
    # a measurement that does not pass has no sentence: each claim names a finding's head, and only those
    claims = [sentences(f, r.n_inputs).claim[0] for f in r.findings]
    named = {tuple(map(int, m)) for c in claims for m in re.findall(r"block (\d+)'s head (\d+)", c)}
    assert named == {(f.layer, f.head) for f in r.findings}
    assert all(WHAT[f.hypothesis][0] in c for f, c in zip(r.findings, claims))


def test_another_seed_has_its_own_findings_and_sentences(shipped, other_seed):
    r = other_seed
    assert r.base_sorted == 729 and (r.findings or spread(r))
    for f in r.findings:
        claim_en, claim_ko = sentences(f, r.n_inputs).claim
        assert f"block {f.layer}'s head {f.head} " in claim_en and f"블록 {f.layer}의 헤드 {f.head}" in claim_ko
    # the sentences are computed from these weights, not carried over from the shipped ones
    assert _all_sentences(r) != _all_sentences(shipped)
    assert [(f.layer, f.head, f.steps, f.rate) for f in r.findings] != \
        [(f.layer, f.head, f.steps, f.rate) for f in shipped.findings]


def test_a_blinded_head_loses_its_sentence(shipped, blinded):
    f, r = blinded
    claim_en, claim_ko = sentences(f, shipped.n_inputs).claim
    assert (f.layer, f.head, f.hypothesis) not in {(g.layer, g.head, g.hypothesis) for g in r.findings}
    words = _all_sentences(r)
    assert claim_en not in words and claim_ko not in words
    assert f"block {f.layer}'s head {f.head} looks at {WHAT[f.hypothesis][0]}" not in how_it_sorts(r)[0]
    for s in f.steps:                                    # its attention is now even: share == even share
        m = next(m for m in r.measures if (m.layer, m.head, m.step, m.hypothesis) == (f.layer, f.head, s, f.hypothesis))
        assert abs(m.share - m.even) < 1e-5 and not m.passes


def _numbers(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"\d+", text)]


def test_every_number_in_a_sentence_is_the_measured_value(shipped, other_seed, blinded):
    for r in (shipped, other_seed, blinded[1]):
        for f in r.findings:
            s = sentences(f, r.n_inputs)
            a = f.ablation
            claim = [*f.steps, f.layer, f.head, pct(f.rate), r.n_inputs, pct(f.chance), pct(f.share), pct(f.even)]
            assert _numbers(s.claim[0]) == claim
            ko = [*f.steps, f.layer, f.head, r.n_inputs, pct(f.rate), pct(f.chance), pct(f.share), pct(f.even)]
            assert _numbers(s.claim[1]) == ko                             # Korean names the inputs first
            check = [pct(a.base_accuracy), pct(a.accuracy)] if a.causal else [pct(a.accuracy), pct(a.base_accuracy)]
            assert _numbers(s.check[0]) == check and _numbers(s.check[1]) == check
            assert pct(f.rate) >= 95
        if r.spread_steps:
            assert _numbers(spread(r)[0]) == list(r.spread_steps) or len(r.spread_steps) == 6


def test_korean_sentences_choose_particles(shipped, other_seed):
    for r in (shipped, other_seed):
        for text in [s for s in _all_sentences(r) if re.search("[가-힣]", s)]:
            assert not re.search(r"\((을|를|이|가|은|는|과|와|으로|로)\)", text), text
        for f in r.findings:
            ko = sentences(f, r.n_inputs).claim[1]
            assert f"헤드 {f.head}{'은' if f.head in (0, 1, 3, 6, 7, 8) else '는'} " in ko


def test_evidence_shows_the_finding_on_the_input_with_real_shares(shipped):
    config, params = load_weights()
    for f in shipped.findings:
        for e in evidence(shipped, f, "cbabbc"):
            _, traces = generate(params, config, [2, 1, 0, 1, 1, 2], 6)           # the plain loop, no draft
            row = traces[e.step - 1][f"h{f.layer}.attn.probs"][f.head, -1]
            assert np.allclose(e.shares, row, atol=1e-5) and abs(sum(e.shares) - 1) < 1e-5
            assert e.text == "CBABBC" and e.output == "ABBBCC" and e.column == 5 + e.step - 1
            assert list(e.marked) == [i for i in range(e.column + 1) if RULES[f.hypothesis](
                [2, 1, 0, 1, 1, 2, 0, 1, 1, 1, 2, 2], i, e.column, e.step)]
            en, ko = evidence_sentence(e)
            each = [v for p in sorted(e.marked, key=lambda p: -e.shares[p]) for v in (pct(e.shares[p]), p)]
            assert _numbers(en) == [e.step, f.layer, f.head, pct(e.share), e.column] + each
            assert f"{pct(e.share)}%" in ko and f"위치 {e.column}에서" in ko


def test_head_ablation_traced_equals_batched_and_is_recorded():
    config, params = load_weights()
    inputs = all_inputs()[::37]
    batched = greedy_sort_batch(params, config, inputs, ablate=[(0, 0)])
    for row, want in zip(inputs, batched):
        seq, _ = generate(params, config, row.tolist(), 6, ablate=[(0, 0)])
        assert seq[6:] == want.tolist()
    tr = forward(params, config, [2, 1, 0, 1, 1, 2], ablate=[(0, 0)])
    assert not tr["h0.attn.y"][:, :config.head_dim].any() and tr["h0.attn.y"][:, config.head_dim:].any()
    assert tr.tensors["h0.attn.y"].op.params["zeroed_heads"] == [0]
    assert "zeroed_heads" not in forward(params, config, [2, 1, 0]).tensors["h0.attn.y"].op.params
    with pytest.raises(InputError, match="head"):
        greedy_sort_batch(params, config, inputs, ablate=[(3, 0)])


def test_cli_findings_prints_table_sentences_and_evidence(shipped):
    proc = run_cli("findings", "--input", "CBABBC", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert [(f["layer"], f["head"], f["steps"]) for f in data["findings"]] == \
        [(f.layer, f.head, list(f.steps)) for f in shipped.findings]
    assert data["how_it_sorts"]["en"] == how_it_sorts(shipped)[0]
    assert len(data["ablations"]) == 9 and all(f["evidence"] for f in data["findings"])
    for args in (["--input", "CBAXBC"], ["--input", "CBA"], ["--json", "--markdown"],
                 ["--weights", "missing.safetensors"], ["--config", "nope"]):
        assert_one_line_error(run_cli("findings", *args))


def test_docs_findings_is_the_command_output(shipped):
    from pathlib import Path
    from llmreel.model.findings_report import markdown_report
    doc = Path(__file__).resolve().parents[1] / "docs" / "findings.md"
    want = markdown_report(shipped, "CBABBC", "llmreel findings --markdown --input CBABBC")
    assert doc.read_text(encoding="utf-8") == want, \
        "docs/findings.md is stale: llmreel findings --markdown --input CBABBC > docs/findings.md"


def _same_findings(a: Findings, b: Findings) -> bool:
    """Equal but for float rounding (another BLAS may move a share in its last bits, a count at 1/2 by one)."""
    if (a.n_inputs, a.base_sorted, len(a.measures)) != (b.n_inputs, b.base_sorted, len(b.measures)):
        return False
    key = lambda f: (f.layer, f.head, f.hypothesis, f.steps, f.ablation.n_sorted)   # noqa: E731
    close = all(abs(m.n_hold - n.n_hold) <= 2 and abs(m.share - n.share) < 1e-5
                and (m.layer, m.head, m.step, m.hypothesis, m.n_chance) == (n.layer, n.head, n.step, n.hypothesis, n.n_chance)
                for m, n in zip(a.measures, b.measures))
    return close and [key(f) for f in a.findings] == [key(f) for f in b.findings] and \
        [(x.n_sorted, x.letters) for x in a.ablations] == [(x.n_sorted, x.letters) for x in b.ablations]


def test_shipped_findings_file_is_current(shipped, monkeypatch, tmp_path):
    """The plan reads the shipped weights' findings from weights/nano_sort.findings.json (no measuring)."""
    from llmreel.model import findings_cache
    monkeypatch.setenv("LLMREEL_CACHE", str(tmp_path))
    monkeypatch.setattr(findings_cache, "find", lambda w: pytest.fail("measured again"))
    got = findings_cache.cached_find()
    assert _same_findings(got, shipped), "stale: python -m llmreel.model.findings_cache"
    assert got.params and not list(tmp_path.iterdir())


def test_other_weights_are_measured_once_then_read(blinded, monkeypatch, tmp_path):
    from llmreel.model import findings_cache
    f, r = blinded
    config, params = load_weights()
    params = _blind(params, config, f.layer, f.head)
    monkeypatch.setenv("LLMREEL_CACHE", str(tmp_path))
    calls = []
    monkeypatch.setattr(findings_cache, "find", lambda w: calls.append(w) or r)     # measured above already
    first = findings_cache.cached_find((config, params))
    second = findings_cache.cached_find((config, params))
    assert len(calls) == 1 and first is r and _same_findings(second, r) and second.params is params
    [entry] = tmp_path.iterdir()
    doc = json.loads(entry.read_text(encoding="utf-8"))
    assert doc["digest"] == weights_digest(config, params) != weights_digest(*load_weights())
    doc["criterion"]["min_percent"] = 90                                 # measured with another criterion
    entry.write_text(json.dumps(doc), encoding="utf-8")
    findings_cache.cached_find((config, params))
    assert len(calls) == 2 and json.loads(entry.read_text(encoding="utf-8"))["criterion"]["min_percent"] == 95


def test_film_captions_carry_the_measured_numbers(shipped, other_seed, blinded):
    """findings_text.FILM_*: the film's sentences on CBABBC, every number from the evidence and the measures."""
    from llmreel.model.findings_text import FILM_CHECK, FILM_FINDING, film_fields, film_how_fields
    from llmreel.scenes.captions import render
    for r in (shipped, other_seed, blinded[1]):
        how = film_how_fields(r)
        run = lambda st: [st[0], st[-1]] if len(st) > 2 and list(st) == list(range(st[0], st[-1] + 1)) else list(st)  # noqa: E731
        want = [v for f in r.findings for v in (*run(f.steps), f.layer, f.head) + ((pct(f.ablation.accuracy),)
                                                                                 if f.causal else ())]
        spread = run(r.spread_steps) if 0 < len(r.spread_steps) < 6 else []
        assert _numbers(how["how"]) == want + spread
        assert sorted(_numbers(how["how_ko"])) == sorted(_numbers(how["how"]))
        assert ("every letter" in how["how"]) == (len(r.spread_steps) == 6)
        for f in r.findings:
            for e in evidence(r, f, "CBABBC"):
                fields = film_fields(e, f, r)
                en, ko = (render(t, fields, "test") for t in FILM_FINDING)
                top = sorted(e.marked, key=lambda p: -e.shares[p])
                assert _numbers(en) == [e.step, e.column, f.layer, f.head, pct(e.share)] + \
                    [v for p in top[:3] for v in (pct(e.shares[p]), p)] + ([pct(sum(e.shares[p] for p in top[3:])),
                                                                          len(top) - 3] if len(top) > 3 else [])
                assert f"{e.output[e.step - 1]}" in en and f"헤드 {f.head}" in ko and f"{pct(e.share)}%를" in ko
                m = next(m for m in r.measures if (m.layer, m.head, m.step, m.hypothesis) ==
                         (f.layer, f.head, e.step, f.hypothesis))
                check_en, check_ko = (render(t, fields, "test") for t in FILM_CHECK)
                a = f.ablation
                want = [pct(m.rate), r.n_inputs, pct(a.accuracy)] + ([pct(a.base_accuracy)] if a.causal else [])
                assert _numbers(check_en) == want and sorted(_numbers(check_ko)) == sorted(want)
                assert not re.search(r"\((을|를|이|가|은|는|과|와|으로|로)\)", ko + check_ko)
