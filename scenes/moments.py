"""Focus moments: highlight frames, flying cells, value texts (and the odd label or block preview), all
with REAL values from the trace. `Moments` is the toolkit; each beat's recipe (beats_*.py) uses it.

A ValueText's id names its sources in order: "value:<beat>:<tensor>[i,j];<tensor>[k];..." and its text
shows exactly those values (two decimals, real minus sign; or whole percentages) in that order, so a test can check every
number on screen against the trace.
"""
from __future__ import annotations

import numpy as np

from llmreel.core.options import LANGUAGES
from llmreel.model.findings_text import pct
from llmreel.scenes.captions import fmt
from llmreel.scenes.geometry import block_cell, cell_point, value_text_box
from llmreel.scenes.packer import text_width
from llmreel.scenes.legibility import MIN_VALUE_CAP
from llmreel.scenes.paths import tube_boxes
from llmreel.scenes.spec import Block, FlyingCell, Highlight, Label, ValueText, Theme
from llmreel.scenes.storyboard import BeatPlan, arrival, wide
from llmreel.scenes.text_metrics import CAP

VALUE_SIZE = 2.0        # value texts, times the base tag size: >= 18 px cap height at 1080p (16:9) in their shots
OF_TITLE = 2 / 3        # ... at least this share of the title of the block they are about: beside GPT-2's
                        # 3,072-tall MLP blocks (titled 184 units) a number a shot must keep legible at 96
                        # units held the camera to their top, labels and all (nano's never reach it)
TOGETHER = 0.75         # of a frame's width and height that a beat's numbers may span together, in the frame
                        # where they are MIN_VALUE_CAP tall (the rest: the safe margins, perspective, the blocks)


PORTRAIT_LINE = 12      # characters a portrait frame's one-line number breaks at, in two (Moments.value)


def line_chars(aspect) -> int:
    """Characters a value text line may hold: its numbers must be 4% of the frame's short side, so a
    portrait or square frame holds about half of what a wide one does."""
    return 34 if wide(aspect) else 18


def numbers_span(aspect, size: float) -> tuple[float, float]:
    """(width, height) in world units that the numbers of one beat, `size` large, may span together: TOGETHER
    of the frame in which they are MIN_VALUE_CAP tall (one shot must hold them all at that size)."""
    w, h = aspect
    short = CAP * size / MIN_VALUE_CAP
    return TOGETHER * short * w / min(w, h), TOGETHER * short * h / min(w, h)


def wrap_formula(text: str, width: int) -> str:
    """`text` broken into lines of at most `width` characters where it can, at the gaps between terms
    ('mean 0.1   1/std 2') or before '=' and '+' past the first third of the line, else at the last
    space that fits: '(x − mean) × 17.57 × γ 0.89 + β −0.018 = 0.13' -> '(x − mean) × 17.57\n× γ 0.89 + β
    −0.018\n= 0.13'."""
    lines, rest = [], text
    while len(rest) > width:
        spaces = [i for i in range(1, width + 1) if rest[i] == " " and rest[i - 1] != " "]
        if not spaces:
            cut = rest.find(" ", width)
            if cut < 0:
                break
            spaces = [cut]
        late = [i for i in spaces if i >= width // 3]
        gaps = [i for i in late if rest[i + 1:i + 3] == "  "]
        ops = [i for i in late if rest[i + 1] in "=+"]
        cut = (gaps or ops or spaces)[-1]
        lines.append(rest[:cut].strip())
        rest = rest[cut:].strip()
    return "\n".join(lines + [rest])


def languages(text: str | dict[str, str]) -> dict[str, str]:
    """A value text's language -> text: one string (numbers and formulas) reads the same in every one."""
    return dict(text) if isinstance(text, dict) else {lang: text for lang in LANGUAGES}


def next_pick(name: str) -> dict[str, str]:
    """The value text format of the token picked next, by name (braces doubled), with its probability."""
    return {"en": f"next: {name}   p = {{}}", "ko": f"다음: {name}   p = {{}}"}


def _src(name: str, index) -> str:
    return f"{name}[{','.join(str(int(i)) for i in index)}]"


def _find(blocks: dict[str, Block], tensor: str, index) -> Block | None:
    for b in blocks.values():
        if b.tensor != tensor:
            continue
        try:
            block_cell(b, index)
            return b
        except IndexError:
            continue
    return None


class Moments:
    """What the recipes see (the trace, the blocks by id, the base tag size, fps, the input length, the
    story's input and output text, its last frame, how a token reads) and what they make."""

    def __init__(self, trace, blocks: dict[str, Block], theme: Theme, size: float, fps: int, n_in: int,
                 input_text: str = "", output: str = "", frame_end: int = 0, line_chars: int = 10_000,
                 streams=(), token_name=None, drawings=(), aspect=None, titles=None):
        self.trace, self.blocks, self.theme, self.size, self.fps = trace, blocks, theme, size, fps
        self.titles = titles or {}          # block id -> its title's size
        self.aspect = aspect                # the frame's (w, h): a beat's numbers must fit one frame together
        # the residual stream's tube, segment by segment: numbers are not written across it
        self.streams = tube_boxes(streams)
        # drawings on the wall (GELU's curve): numbers are not written over them either
        self.drawings = [(np.min(p.points, axis=0) - p.width, np.max(p.points, axis=0) + p.width) for p in drawings]
        self.line_chars = line_chars        # a value text longer than this breaks into lines
        self.n_in, self.input_text, self.output, self.frame_end = n_in, input_text, output, frame_end
        self.token_name = token_name or str         # a token id -> how it reads (a text model's token text)
        self.highlights: list[Highlight] = []
        self.flying: list[FlyingCell] = []
        self.values: list[ValueText] = []
        self.labels: list[Label] = []

    @property
    def t(self) -> int:
        """The column that makes the first prediction (the last input column)."""
        return self.n_in - 1

    def window(self, beat: BeatPlan, a: float = 0.15, b: float = 0.98) -> tuple[float, float]:
        n = beat.last_frame - beat.first_frame
        return float(beat.first_frame + round(a * n)), float(beat.first_frame + round(b * n))

    def settled(self, beat: BeatPlan, b: float = 1.0) -> tuple[float, float]:
        """From the camera's arrival at the beat's shot to `b` of the beat: a number the shot is framed for
        shows as soon as the shot does (a close-up of a thin column held empty had waited for it)."""
        return float(arrival(beat.first_frame, beat.last_frame, self.fps)), self.window(beat, 0, b)[1]

    def lit(self, tensor: str, index) -> float | None:
        """The frame the cell showing tensor[index] lights, None when no block shows it."""
        b = _find(self.blocks, tensor, index)
        return None if b is None else float(b.t_on[block_cell(b, index)])

    def highlight(self, beat: BeatPlan, block_id: str, rows, cols, frames=None, leader=()) -> None:
        b = self.blocks.get(block_id)
        if b is None:
            return
        R, K = b.shape
        rows = (max(0, rows[0]), min(R, rows[1]))
        cols = (max(0, cols[0]), min(K, cols[1]))
        if rows[0] >= rows[1] or cols[0] >= cols[1]:
            return
        self.highlights.append(Highlight(id=f"hl:{beat.id}:{block_id}:{len(self.highlights)}", block=block_id,
                                         rows=rows, cols=cols, frames=frames or self.window(beat),
                                         leader=[tuple(map(float, p)) for p in leader]))

    def column(self, beat: BeatPlan, block_id: str, col: int, frames=None) -> None:
        b = self.blocks.get(block_id)
        if b is not None:
            self.highlight(beat, block_id, (0, b.shape[0]), (col, col + 1), frames)

    def value(self, beat: BeatPlan, fmt_text: str | dict[str, str], sources: list[tuple[str, tuple]],
              anchor: tuple[str, tuple], frames=None, small: bool | None = None, percent: bool = False,
              size: float | None = None, beside: bool = False, now: bool = False, chars: int | None = None,
              hang: bool = False, prefer=(), across: bool = False) -> ValueText | None:
        """Text `fmt_text` (one format for every language, or language -> format where it has words) with {}
        filled by the sources' values, placed right of the anchor block where every language's text fits; `small`
        (captions.fmt) True: two significant digits under 0.1, probabilities too (None: not for those);
        `percent`: as whole percentages ("36%"); `size`: its text size (default VALUE_SIZE tags); `beside`:
        right of the block at the nearest free height before any other side (a column of numbers); `now`:
        clear only of the numbers on screen at the same time from the first try (a number that follows
        another about the same cell takes its spot); `hang`: beside the block, its first line at the anchor
        cell's height (a list about its first entry's cell, read from the top). Returns the text placed (None
        when the anchor block or a source is not in this plan)."""
        b = _find(self.blocks, *anchor)
        if b is None or any(s[0] not in self.trace for s in sources):
            return None
        raw = [self.trace[name][tuple(idx)] for name, idx in sources]
        vals = [f"{pct(v)}%" if percent else fmt(v, small="probs" not in name if small is None else small)
                for v, (name, _) in zip(raw, sources)]
        size = size or self.number_size(b.id)
        cell = block_cell(b, anchor[1])
        f0, f1 = frames or self.window(beat, 0.25, 1.0)
        lit = float(b.t_on[cell])                    # a number shows once the cell it reports has lit
        if f0 < lit < f1 - 0.5 * (f1 - f0):
            f0 = float(np.ceil(lit))
        # narrower lines where a line has no room; then clear only of the numbers on screen at the same time
        # (each number keeps its own spot where it can, so the shots of successive beats agree)
        first = min(self.line_chars, chars or self.line_chars)      # `chars`: lines at most this long
        fmts = languages(fmt_text)
        longest = max(len(f.format(*vals)) for f in fmts.values())
        if self.aspect and self.aspect[0] < self.aspect[1] and longest <= first:
            # a portrait frame's width is its short side: one line, legible, spans most of it and leaves the
            # blocks it describes cut; two lines (the result under its formula) leave them room
            first = max(PORTRAIT_LINE, -(-longest // 2))
        tries = [(c, None) for c in (first, *(c for c in (24, 18, 12) if c < first))]
        tries = ([] if now else tries) + [(c, (f0, f1)) for c, _ in tries]
        # first where the beat's numbers, with those placed before, still fit one frame at their legible size
        with_beat = self.beat_numbers(beat, size)
        for (width, during), together in [(t, with_beat) for t in tries if with_beat] + [(t, None) for t in tries]:
            text = {lang: wrap_formula(f.format(*vals), width) for lang, f in fmts.items()}
            loc = self.place(text, size, b, cell, during, beside=beside, together=together, hang=hang, first=prefer,
                             across=across)
            if loc is not None:
                break
        else:
            text = {lang: wrap_formula(f.format(*vals), self.line_chars) for lang, f in fmts.items()}
            loc = self.place(text, size, b, cell, None, fallback=True)
        self.values.append(ValueText(id=f"value:{beat.id}:" + ";".join(_src(n, i) for n, i in sources),
                                     text=text, location=loc, size=float(size), frames=(f0, f1), block=b.id))
        return self.values[-1]

    def number_size(self, block_id: str) -> float:
        """A number's text size about a cell of `block_id`."""
        return max(VALUE_SIZE * self.size, OF_TITLE * self.titles.get(block_id, 0.0))

    def beat_numbers(self, beat: BeatPlan, size: float):
        """(the boxes of the numbers placed so far that show during `beat`, the (width, height) all of the
        beat's numbers may span: numbers_span), None when there are none or the frame is not known."""
        boxes = [value_text_box(v.text, v.size, v.location) for v in self.values
                 if v.frames[0] <= beat.last_frame and v.frames[1] >= beat.first_frame]
        return (boxes, numbers_span(self.aspect, size)) if boxes and self.aspect else None

    def addition(self, beat: BeatPlan, a: str, b: str, total: str) -> None:
        """The followed column (t) of `a`, `b` and their sum `total` framed, and their first numbers as
        'a + b = total'."""
        t = self.t
        for bid in (a, b, total):
            self.column(beat, bid, t)
        # in two lines ("a + b" over "= total"): one line as wide as three blocks widened every shot of them
        self.value(beat, "{} + {} = {}", [(a, (t, 0)), (b, (t, 0)), (total, (t, 0))], (total, (t, 0)), chars=18)

    def place(self, text: dict[str, str], size: float, b: Block, cell: tuple[int, int],
              frames: tuple[float, float] | None, fallback: bool = False, beside: bool = False,
              first=(), together=None, hang: bool = False, across: bool = False) -> tuple[float, float, float] | None:
        """Where a value text (language -> text: the box around all of them must fit, so the frame holds in
        either language) about `cell` of block b goes: beside the block at the cell's height (right,
        then left), else under or over the block (clear of it, however many lines the text has), else right of
        the residual stream it would cross (`beside`: right of the block at the nearest free height first); the
        first spot whose text box keeps clear of every block (its cells
        and a tag's height around them), of the stream's tube and of the texts placed before it (only
        those that show during some of `frames`, if given); None when none does (with `fallback`: the first spot).
        `first`: (x, z) spots to try before those; `together` (Moments.beat_numbers): only spots where the
        text and those boxes span at most that (width, height); `hang`: beside the block with the first line,
        not the last, at the cell's height; `across`: past the residual stream right after beside the block
        (the numbers then stand beside the whole group the stream feeds, not over or under it)."""
        lo, hi = b.bounds()
        w = max(text_width(t, size) for t in text.values())
        gap = 1.0 * self.size
        z = float(np.clip(cell_point(b, *cell)[2] - 0.3 * size, lo[2] + 0.3 * size, hi[2] - 0.85 * size))
        y = float(lo[1] - 0.05)
        own_lo, own_hi = value_text_box(text, size, (0.0, 0.0, 0.0))      # its ink about its baseline's centre
        top = own_hi[2]                                                   # its ink above the baseline
        if hang:                    # the lines above the last one: the first line at the cell's height
            z -= top - value_text_box({k: t.split("\n")[0] for k, t in text.items()}, size, (0.0, 0.0, 0.0))[1][2]
        under = ((lo[0] + hi[0]) / 2, lo[2] - 2.5 * gap - top)
        over = ((lo[0] + hi[0]) / 2, hi[2] + 3.0 * gap + 0.3 * size)
        # beside the block at the cell's height, else on the side of the block nearer the cell
        spots = [(hi[0] + gap + w / 2, z), (lo[0] - 2.5 * gap - w / 2, z),
                 *((over, under) if z > (lo[2] + hi[2]) / 2 else (under, over))]
        if beside:                  # right of the block, as near the cell's height as is free
            spots[1:1] = [(spots[0][0], z + sign * k * 0.25 * size) for k in range(1, 17) for sign in (-1, 1)]
        # beside the block but past the residual stream it would cross (the stream runs down the wall's right)
        past = [(sh[0] + gap + w / 2, z) for sl, sh in self.streams
                if sl[2] <= z <= sh[2] and sl[0] > hi[0] and sl[0] < hi[0] + gap + w]
        at = 1 if across else len(spots)
        spots[at:at] = past
        spots[:0] = first
        pad = np.array([0.5 * self.size, 0.0, 1.2 * self.size])
        obstacles = [(bl - pad, bh + pad) for bl, bh in (o.bounds() for o in self.blocks.values())]
        obstacles += [value_text_box(v.text, v.size, v.location) for v in self.values
                      if frames is None or (v.frames[0] <= frames[1] and frames[0] <= v.frames[1])]
        obstacles += [(lo_ - pad, hi_ + pad) for lo_, hi_ in self.streams + self.drawings]
        if together:
            boxes, (span_w, span_h) = together
            b_lo, b_hi = np.min([a for a, _ in boxes], axis=0), np.max([c for _, c in boxes], axis=0)
        for x, zz in spots:
            tl, th = own_lo + (x, y, zz), own_hi + (x, y, zz)
            if together and (max(th[0], b_hi[0]) - min(tl[0], b_lo[0]) > span_w
                             or max(th[2], b_hi[2]) - min(tl[2], b_lo[2]) > span_h):
                continue                    # too far from the beat's other numbers for one frame to hold them
            if not any(tl[0] < oh[0] and ol[0] < th[0] and tl[2] < oh[2] and ol[2] < th[2] for ol, oh in obstacles):
                return float(x), y, float(zz)
        return (float(spots[0][0]), y, float(spots[0][1])) if fallback else None

    def fly(self, beat: BeatPlan, src: tuple[str, tuple], dst_block: str, dst_cell: tuple[float, float]) -> None:
        a = _find(self.blocks, *src)
        d = self.blocks.get(dst_block)
        if a is None or d is None:
            return
        r, c = block_cell(a, src[1])
        v = float(self.trace[src[0]][tuple(src[1])])
        color = tuple(float(x) for x in self.theme.cell_colors(a.role, np.array([v]), a.scale)[0])
        f0, f1 = self.window(beat, 0.2, 0.6)
        self.flying.append(FlyingCell(id=f"fly:{beat.id}:{len(self.flying)}", value=v, color=color,
                                      start=cell_point(a, r, c), end=cell_point(d, *dst_cell),
                                      frames=(f0, f1), hold=float(round(0.3 * (beat.last_frame - f1)))))


def focus_moments(beats: list[BeatPlan], m: Moments) -> Moments:
    """Run every beat's focus-moments recipe (its BeatDef's `moments`) in story order."""
    for beat in beats:
        if beat.moments is not None:
            beat.moments(m, beat)
    return m
