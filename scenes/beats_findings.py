"""What this model learned, in the film: one beat per finding, shown on the film's own input right after the
pass that computes it, and a closing "How it sorts".

The findings (model/findings.py: over all 729 inputs, where each head's attention goes from the predicting
column, and what removing the head costs) come measured with the weights (model/findings_cache.py); which
beats appear, the heads they show and every number follow from them. A finding's beat frames its head's
attention shares: the predicting column, each attended letter's cell and its share beside it. Its captions are
findings_text.FILM_FINDING and FILM_CHECK (over all inputs). "How it sorts" (findings_text.how_it_sorts) shows
those heads again; where no head passes, it says the work is spread over several heads, over the whole model
with every head's shares framed.

A finding is shown at one of its output letters: the first whose predicting column gives the kind of letter
at least half of the head's attention on this input (else its first). It follows the beat that computes that
column: block 0's self-attention (letter 1, block 0), block l's beat (letter 1, later blocks), pass s of
the output loop (letters 2-5) or the complete answer (letter 6).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from llmreel.model.findings import HOLD_SHARE, Evidence, Finding, Findings, evidence_at
from llmreel.model.findings_text import FILM_CHECK, FILM_FINDING, FILM_HOW, film_fields, film_how_fields
from llmreel.model.gpt import SORT_LENGTH
from llmreel.scenes.geometry import block_cell, leader
from llmreel.scenes.moments import Moments
from llmreel.scenes.storyboard import SIDES, BeatDef, BeatPlan, Ctx, Shot
from llmreel.scenes.text_metrics import CAP

TEXT_CELLS = 3.0            # an attended letter's share: its capitals this many cells tall


@dataclass(frozen=True)
class Shown:
    finding: Finding
    evidence: Evidence               # on the film's input, at the output letter shown

    @property
    def block(self) -> str:
        """Its head's attention shares (block id): rows are the attended positions, columns the attending."""
        return f"h{self.finding.layer}.attn.probs[{self.finding.head}]"

    @property
    def values(self) -> str:
        """Its head's value vectors (block id), which those shares gather: framed beside them."""
        return f"h{self.finding.layer}.attn.v[{self.finding.head}]"

    @property
    def chapter(self) -> str:
        return home(self.evidence.step, self.finding.layer)[0]


def home(step: int, layer: int) -> tuple[str, str]:
    """(chapter, beat name) of the beat that computes output letter `step`'s predicting column in `layer`:
    a finding's beat follows it."""
    if step == SORT_LENGTH:
        return "output", "answer"                  # the last letter's pass completes the answer
    if step > 1:
        return "output", f"loop.{step}"
    return ("self-attention", "mix") if layer == 0 else ("transformer", f"blocks.{layer}")


@dataclass(frozen=True)
class FilmFindings:
    findings: Findings
    shown: tuple[Shown, ...]


def film_findings(r: Findings, trace, seq) -> FilmFindings:
    """r's findings on the film's run: `trace` the last pass's (every column), `seq` the input and its 6 letters."""
    shown = []
    for f in r.findings:
        ev = [evidence_at(trace, seq, f, s) for s in f.steps]
        shown.append(Shown(f, next((e for e in ev if e.share >= HOLD_SHARE), ev[0])))
    return FilmFindings(r, tuple(shown))


def has_findings(config, n_in: int, n_out: int) -> bool:
    """Whether this run is one the findings describe: the sort model writing the 6 letters of 6."""
    return config.vocab_size == 3 and n_in == n_out == SORT_LENGTH and config.block_size >= 2 * SORT_LENGTH - 1


# ---- focus moments -------------------------------------------------------------------------------------

def attended(shown: Shown, m: Moments, beat: BeatPlan, start: float = 0.0) -> None:
    """The predicting column of the head's shares framed; then each attended letter's cell framed instead,
    with the letter and its real share beside the block (TEXT_CELLS cells tall, so the camera comes close to
    the block) and a leader line from the cell to it, from `start` (a share of the beat) on."""
    e, bid = shown.evidence, shown.block
    b = m.blocks.get(bid)
    if b is None:
        return
    tensor = f"h{e.layer}.attn.probs"
    m.highlight(beat, bid, (0, e.column + 1), (e.column, e.column + 1), frames=m.window(beat, start, 0.3))
    for k, p in enumerate(sorted(e.marked)):
        cell = (tensor, (e.head, e.column, p))
        m.value(beat, f"{e.letters[p]} {{}}", [cell], cell, frames=m.window(beat, start, 1.0), percent=True,
                size=TEXT_CELLS * b.pitch / CAP, beside=True)
        m.highlight(beat, bid, (p, p + 1), (e.column, e.column + 1), frames=m.window(beat, 0.3, 1.0),
                    leader=leader(b, block_cell(b, cell[1]), m.values[-1], k))


def heads_framed(blocks: list[str], m: Moments, beat: BeatPlan) -> None:
    for bid in blocks:
        b = m.blocks.get(bid)
        if b is not None:
            m.highlight(beat, bid, (0, b.shape[0]), (0, b.shape[1]), frames=m.window(beat, 0.1, 0.98))


# ---- the beats -----------------------------------------------------------------------------------------

def finding_beats(d: BeatDef, ctx: Ctx) -> list[BeatPlan]:
    """One beat per finding shown in d's chapter ("finding.<letter>.<block>.<head>", "check.…" for its check
    over all inputs, on the same close-up), placed by `in_place`."""
    film: FilmFindings | None = ctx.findings
    if film is None:
        return []
    out = []
    for k, s in enumerate(x for x in film.shown if x.chapter == d.chapter):
        e = s.evidence
        out.append(d.plan(ctx, name=f"{d.name}.{e.step}.{e.layer}.{e.head}", focus=[s.values, s.block], shows=[s.block],
                          layer=e.layer, pass_index=e.step, moments=partial(attended, s),
                          fields=film_fields(e, s.finding, film.findings), shot=Shot(side=SIDES[k % 3], kind="medium")))
    return out


def how_beats(d: BeatDef, ctx: Ctx) -> list[BeatPlan]:
    """The closing summary: the findings' heads as their beats showed them (attended cells and shares), or,
    when none passes, the whole model with every head's attention shares framed."""
    film: FilmFindings | None = ctx.findings
    if film is None:
        return []
    fields = film_how_fields(film.findings)
    if film.shown:
        return [d.plan(ctx, pass_index=ctx.n_out, focus=[b for s in film.shown for b in (s.values, s.block)],
                       shows=list(dict.fromkeys(s.block for s in film.shown)), fields=fields,
                       moments=lambda m, beat: [attended(s, m, beat, start=0.1) for s in film.shown])]
    cfg = ctx.config
    heads = [f"h{i}.attn.probs[{h}]" for i in range(cfg.n_layer) for h in range(cfg.n_head)]
    return [d.plan(ctx, pass_index=ctx.n_out, moments=partial(heads_framed, heads), fields=fields)]


def in_place(beats: list[BeatPlan]) -> list[BeatPlan]:
    """The finding beats moved to just after the beat that computes their column, each check after its finding
    (in finding order)."""
    moved = [b for b in beats if b.base in ("finding", "check")]
    out = [b for b in beats if b.base not in ("finding", "check")]
    for b in moved:
        after = home(b.pass_index, b.layer)[1] if b.base == "finding" else "finding" + b.name[len("check"):]
        at = next((i for i, x in enumerate(out) if x.chapter == b.chapter and x.name == after), None)
        if at is None:
            at = max((i for i, x in enumerate(out) if x.chapter == b.chapter), default=len(out) - 1)
        while b.base == "finding" and at + 1 < len(out) and out[at + 1].base in ("finding", "check"):
            at += 1
        out.insert(at + 1, b)
    return out


def _finding(chapter: str, name: str, caption: tuple[str, str]) -> BeatDef:
    return BeatDef(chapter, name, 6.0, caption, expand=finding_beats)


FINDING_IN = {ch: [_finding(ch, "finding", FILM_FINDING), _finding(ch, "check", FILM_CHECK)]
              for ch in ("self-attention", "transformer", "output")}
HOW = BeatDef("output", "how", 12.0, FILM_HOW, shot=Shot(side=-0.12), shows=lambda ctx: [], expand=how_beats)
