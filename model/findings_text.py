"""The findings in words, English and Korean: hand-written templates filled with measured values.

Which sentences appear, the heads they name and every number in them come from a `Findings`
(llmreel.model.findings); nothing here is decided in advance. Percentages are `pct` of the measured value.
Korean particles are chosen for the word they follow (core.korean), never hedged like 을(를).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from llmreel.core.korean import particle
from llmreel.model.findings import (CAUSAL_POINTS, CHANCE_FACTOR, HOLD_SHARE, MIN_PERCENT, Evidence, Finding,
                                    Findings, HYPOTHESES)

# what each hypothesis's class is, as a noun phrase (en, ko)
WHAT = {
    "answer": ("the input letters equal to the letter it is about to write", "지금 쓸 글자와 같은 입력 글자"),
    "written": ("the letters it has already written", "이미 쓴 글자"),
    "same": ("the input letters equal to the letter in its own column", "자기 열의 글자와 같은 입력 글자"),
    "later": ("the input letters that come later in the alphabet than the letter in its own column",
              "자기 열의 글자보다 알파벳에서 뒤에 오는 입력 글자"),
}
assert set(WHAT) == set(HYPOTHESES)


def pct(x: float) -> int:
    """A fraction as a whole percentage, halves rounded up (0.9739 -> 97)."""
    return int(math.floor(100 * x + 0.5))


def _join_en(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def letters_en(steps) -> str:
    """(6,) -> "letter 6"; (1, 6) -> "letters 1 and 6"."""
    return ("letter " if len(steps) == 1 else "letters ") + _join_en([str(s) for s in steps])


def letters_ko(steps) -> str:
    """(6,) -> "6번째 글자"; (1, 2, 6) -> "1번째, 2번째와 6번째 글자" (와 follows 째, a vowel)."""
    parts = [f"{s}번째" for s in steps]
    return (parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + "와 " + parts[-1]) + " 글자"


def head_en(layer: int, head: int) -> str:
    return f"block {layer}'s head {head}"


def head_ko(layer: int, head: int) -> str:
    return f"블록 {layer}의 헤드 {head}"


@dataclass(frozen=True)
class Sentences:
    """One finding in words: the claim (where the head looks) and its check (what removing the head costs)."""
    finding: Finding
    claim: tuple[str, str]                     # (en, ko)
    check: tuple[str, str]


def sentences(f: Finding, n_inputs: int) -> Sentences:
    what_en, what_ko = WHAT[f.hypothesis]
    many = len(f.steps) > 1
    claim_en = (f"Writing {letters_en(f.steps)}, {head_en(f.layer, f.head)} puts at least half of its attention on "
                f"{what_en} in {'at least ' if many else ''}{pct(f.rate)}% of the {n_inputs} inputs (evenly spread "
                f"attention would in {pct(f.chance)}%): on average {pct(f.share)}% of it, where evenly spread "
                f"attention would give {pct(f.even)}%.")
    claim_ko = (f"{particle(letters_ko(f.steps), '을/를')} 쓸 때, {particle(head_ko(f.layer, f.head), '은/는')} "
                f"{n_inputs}개 입력 중 {pct(f.rate)}%{' 이상' if many else ''}에서 어텐션의 절반 이상을 {what_ko}에 "
                f"둡니다(고르게 나누면 {pct(f.chance)}%). 평균 {particle(f'{pct(f.share)}%', '으로/로')}, "
                f"고르게 나눌 때의 {pct(f.even)}%보다 많습니다.")
    a = f.ablation
    if a.causal:
        check_en = (f"Removing that head drops the sorted inputs from {pct(a.base_accuracy)}% to "
                    f"{pct(a.accuracy)}%: the model relies on it.")
        check_ko = (f"이 헤드를 없애면 정렬되는 입력이 {pct(a.base_accuracy)}%에서 "
                    f"{particle(f'{pct(a.accuracy)}%', '으로/로')} 줄어듭니다. 모델은 이 헤드에 기댑니다.")
    else:
        check_en = (f"Removing that head still leaves {pct(a.accuracy)}% of the inputs sorted (from "
                    f"{pct(a.base_accuracy)}%): the model does not need it alone.")
        check_ko = (f"이 헤드를 없애도 {particle(f'{pct(a.accuracy)}%', '이/가')} 정렬됩니다(원래 "
                    f"{pct(a.base_accuracy)}%). 모델이 이 헤드 하나에 기대지는 않습니다.")
    return Sentences(f, (claim_en, claim_ko), (check_en, check_ko))


def spread(r: Findings) -> tuple[str, str] | None:
    """For the output letters no finding covers: the work is spread over several heads (None if none)."""
    steps = r.spread_steps
    if not steps:
        return None
    every = len(steps) == 6
    en = (f"For {'every letter' if every else letters_en(steps)}, no single head's attention passes this test: "
          f"the work is spread over several heads.")
    ko = (f"{'모든 글자' if every else letters_ko(steps)}에서는 이 기준을 통과하는 헤드가 없습니다. "
          f"일이 여러 헤드에 나뉘어 있습니다.")
    return en, ko


def how_it_sorts(r: Findings) -> tuple[str, str]:
    """The closing summary: what passed, and where the work is spread."""
    en, ko = [], []
    for f in r.findings:
        what_en, what_ko = WHAT[f.hypothesis]
        a = f.ablation
        en.append(f"to write {letters_en(f.steps)}, {head_en(f.layer, f.head)} looks at {what_en}"
                  + (f" (without it {pct(a.accuracy)}% sort)" if a.causal else ""))
        ko.append(f"{particle(letters_ko(f.steps), '을/를')} 쓸 때 {particle(head_ko(f.layer, f.head), '은/는')} "
                  f"{particle(what_ko, '을/를')} 봅니다" + (f"(이 헤드 없이는 {pct(a.accuracy)}%만 정렬)" if a.causal else ""))
    steps = r.spread_steps
    if steps:
        every = len(steps) == 6
        en.append(f"for {'every letter' if every else letters_en(steps)} the work is spread over several heads")
        ko.append(f"{'모든 글자' if every else letters_ko(steps)}에서는 일이 여러 헤드에 나뉘어 있습니다")
    return "How it sorts: " + "; ".join(en) + ".", "정렬하는 방법: " + " ".join(c + "." for c in ko)


def evidence_sentence(e: Evidence) -> tuple[str, str]:
    """One input, one step: where the head's attention goes, with the real percentages."""
    what_en, what_ko = WHAT[e.hypothesis]
    top = sorted(e.marked, key=lambda p: -e.shares[p])
    each_en = _join_en([f"{pct(e.shares[p])}% to position {p} ({e.letters[p]})" for p in top])
    each_ko = ", ".join(f"위치 {p}({e.letters[p]})에 {pct(e.shares[p])}%" for p in top)
    en = (f"On {e.text}, writing letter {e.step} ({e.output[e.step - 1]}), {head_en(e.layer, e.head)} gives "
          f"{pct(e.share)}% of its attention from position {e.column} to {what_en}: {each_en}.")
    ko = (f"{e.text}에서 {e.step}번째 글자({e.output[e.step - 1]})를 쓸 때, {particle(head_ko(e.layer, e.head), '은/는')} "
          f"위치 {e.column}에서 어텐션의 {pct(e.share)}%를 {what_ko}에 둡니다: {each_ko}.")
    return en, ko


def criterion(lang: str = "en") -> str:
    """The test every finding passed, in words, with the thresholds the code uses."""
    if lang == "ko":
        return (f"기준: 헤드가 예측하는 열에서 어텐션의 {pct(HOLD_SHARE)}% 이상을 한 종류의 글자에 두는 입력이 "
                f"{MIN_PERCENT}% 이상이고, 어텐션을 고르게 나눌 때보다 {CHANCE_FACTOR}배 이상 자주, 평균 몫도 "
                f"{CHANCE_FACTOR}배 이상일 것. 헤드를 없앴을 때 정확도가 {CAUSAL_POINTS}포인트 이상 떨어지면 인과적.")
    return (f"Criterion: from the predicting column the head puts at least {pct(HOLD_SHARE)}% of its attention on "
            f"one kind of letter in at least {MIN_PERCENT}% of the inputs, at least {CHANCE_FACTOR} times as often "
            f"as evenly spread attention would, with at least {CHANCE_FACTOR} times its mean share. Causal: "
            f"removing the head costs at least {CAUSAL_POINTS} points of accuracy.")


# ---- the film (scenes/beats_findings.py): each finding on the film's own input, in one caption -------------

# str.format templates (en, ko) filled by `film_fields`; a story file may override them and use the same fields
FILM_FINDING = (
    "Letter {step} ({letter}): from position {column}, {head} gives {share}% of its attention to {what}: {each}.",
    "{step}번째 글자({letter}): {head_ko:은/는} 위치 {column}에서 {what_ko}에 어텐션의 {share}%를 둡니다: {each_ko}.")
FILM_CHECK = (
    "It does the same for {rate}% of all {n_inputs} inputs; {check}",
    "{n_inputs}개 입력 중 {rate}%에서 그렇습니다. {check_ko}")
FILM_HOW = ("{how}", "{how_ko}")
LISTED = 3                  # the largest shares named one by one; the rest summed


def _what_on(e: Evidence) -> tuple[str, str]:
    """The finding's kind of letter as it reads on this input (the letters named)."""
    answer, own = e.output[e.step - 1], e.letters[e.column]
    return {
        "answer": (f"input letters equal to {answer}, the one it writes",
                   f"지금 쓸 글자 {particle(answer, '과/와')} 같은 입력 글자"),
        "written": ("the letters it has already written", "이미 쓴 글자"),
        "same": (f"input letters equal to its own, {own}", f"자기 글자 {particle(own, '과/와')} 같은 입력 글자"),
        "later": (f"input letters later in the alphabet than its own, {own}",
                  f"알파벳에서 자기 글자 {own}보다 뒤에 오는 입력 글자"),
    }[e.hypothesis]


def film_fields(e: Evidence, f: Finding, r: Findings) -> dict[str, str]:
    """The fields of FILM_FINDING and FILM_CHECK: the evidence on the film's input (its real shares) and the
    finding over all inputs (its rate at this letter, and what removing its head costs)."""
    m = next(m for m in r.measures if (m.layer, m.head, m.step, m.hypothesis) == (f.layer, f.head, e.step, f.hypothesis))
    top = sorted(e.marked, key=lambda p: -e.shares[p])
    listed, rest = top[:LISTED], top[LISTED:]
    each_en = [f"{pct(e.shares[p])}% to position {p}" for p in listed]
    each_ko = [f"위치 {p}에 {pct(e.shares[p])}%" for p in listed]
    if rest:
        other = pct(sum(e.shares[p] for p in rest))
        each_en.append(f"{other}% to the other {len(rest)}")
        each_ko.append(f"나머지 {len(rest)}곳에 {other}%")
    a = f.ablation
    if a.causal:
        check = (f"without this head, {pct(a.accuracy)}% sort instead of {pct(a.base_accuracy)}%.",
                 f"이 헤드가 없으면 {pct(a.accuracy)}%만 정렬됩니다(원래 {pct(a.base_accuracy)}%).")
    else:
        check = (f"without it, {pct(a.accuracy)}% still sort: the model does not need it alone.",
                 f"이 헤드가 없어도 {particle(f'{pct(a.accuracy)}%', '이/가')} 정렬됩니다. 모델이 이 헤드 하나에 기대지는 않습니다.")
    what = _what_on(e)
    return {"step": str(e.step), "letter": e.output[e.step - 1], "column": str(e.column),
            "head": head_en(e.layer, e.head), "head_ko": head_ko(e.layer, e.head), "share": str(pct(e.share)),
            "what": what[0], "what_ko": what[1], "each": _join_en(each_en), "each_ko": ", ".join(each_ko),
            "rate": str(pct(m.rate)), "n_inputs": str(r.n_inputs), "check": check[0], "check_ko": check[1]}


# the film's closing summary, shorter than how_it_sorts: (en, ko) noun phrases a head looks at
SHORT = {"answer": ("input letters equal to the one it writes", "지금 쓸 글자와 같은 입력 글자"),
         "written": ("the letters already written", "이미 쓴 글자"),
         "same": ("input letters equal to its own", "자기 글자와 같은 입력 글자"),
         "later": ("input letters later than its own in the alphabet", "자기 글자보다 알파벳에서 뒤에 오는 입력 글자")}
assert set(SHORT) == set(HYPOTHESES)


def span(steps) -> tuple[str, str]:
    """Output letters in words, a run of three or more as a range: (1, 2, 3, 4, 5) -> "letters 1 to 5",
    "1~5번째 글자"; else letters_en / letters_ko."""
    if len(steps) > 2 and list(steps) == list(range(steps[0], steps[-1] + 1)):
        return f"letters {steps[0]} to {steps[-1]}", f"{steps[0]}~{steps[-1]}번째 글자"
    return letters_en(steps), letters_ko(steps)


def film_how_fields(r: Findings) -> dict[str, str]:
    """The fields of FILM_HOW: the closing summary, each finding's head and what it looks at (and what
    removing it costs, when that is causal), then the letters where the work is spread over several heads."""
    en, ko = [], []
    for f in r.findings:
        (s_en, s_ko), (w_en, w_ko), a = span(f.steps), SHORT[f.hypothesis], f.ablation
        en.append(f"for {s_en}, {head_en(f.layer, f.head)} looks at {w_en}"
                  + (f" (without it {pct(a.accuracy)}% sort)" if a.causal else ""))
        ko.append(f"{particle(s_ko, '은/는')} {particle(head_ko(f.layer, f.head), '이/가')} {particle(w_ko, '을/를')} "
                  f"보고 씁니다" + (f"(이 헤드 없이는 {pct(a.accuracy)}%만 정렬)" if a.causal else ""))
    if r.spread_steps:
        every = len(r.spread_steps) == 6
        s_en, s_ko = ("every letter", "모든 글자") if every else span(r.spread_steps)
        en.append(f"for {s_en} the work is spread over several heads")
        ko.append(f"{s_ko}에서는 일이 여러 헤드에 나뉘어 있습니다")
    return {"how": "How it sorts: " + "; ".join(en) + ".", "how_ko": "정렬하는 방법: " + " ".join(c + "." for c in ko)}
