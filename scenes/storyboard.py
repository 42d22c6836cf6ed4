"""The storyboard's vocabulary: the chapters (nine about nano-gpt, then "scale"), what a beat is (BeatDef: its definition; BeatPlan: one
beat of a planned story), its Shot, reveal steps of the model's tensors, and the timing rules.

A *step* is a group of tensors revealed together over a slice of token columns; a beat runs its steps
one after another. Chapters 1-8 compute the first pass (columns 0..n_in-1); chapter 9's loop reveals one
new column per later pass. Beats a cut leaves out hand their steps to the next beat it keeps, so the
dependency order holds in every cut. The beats themselves are defined in beats_*.py (see beats.py).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Callable

from llmreel.model.config import GPTConfig
from llmreel.scenes.reading import caption_seconds

# slug, title (en, ko), subtitle (en, ko)
# slug, title (en, ko), subtitle (en, ko). A title that is a glossary term is defined by its card: the
# subtitle says what it is, in terms defined before (glossary.py).
CHAPTERS: list[tuple[str, tuple[str, str], tuple[str, str]]] = [
    ("introduction", ("Introduction", "소개"), ("Sorting letters, one prediction at a time", "글자 정렬, 한 번에 한 예측씩")),
    ("embedding", ("Embedding", "임베딩"), ("Each letter's first numbers", "글자마다 처음 받는 수")),
    ("layer-norm", ("Layer norm", "레이어 정규화"), ("Every column brought to one scale", "모든 열을 같은 크기로")),
    ("self-attention", ("Self-attention", "셀프 어텐션"),
     ("Each position gathers from the positions before it", "각 위치가 앞 위치들에서 모은다")),
    ("projection", ("Projection", "투영"), ("The heads mixed back into one column", "헤드들을 한 열로 다시 섞는다")),
    ("mlp", ("MLP", "MLP"), ("Each column alone: expand, bend, project back", "열마다 따로: 늘리고, 굽히고, 되돌린다")),
    ("transformer", ("Transformer", "트랜스포머"),
     ("Each block: layer norm, self-attention, layer norm, MLP", "블록마다: 레이어 정규화, 셀프 어텐션, 레이어 정규화, MLP")),
    ("softmax", ("Softmax", "소프트맥스"), ("From scores to the next letter", "점수에서 다음 글자로")),
    ("output", ("Output", "출력"), ("Pick, feed back, repeat", "고르고, 되먹이고, 반복")),
    ("scale", ("To scale", "실제 크기로"), ("nano-gpt beside GPT-2 and GPT-3", "nano-gpt 옆의 GPT-2와 GPT-3")),
]
CHAPTER_SLUGS = [c[0] for c in CHAPTERS]
SCALE = "scale"                 # the chapter any story may end on: models to scale, no tensor of its own

FRAME_START = 1
DEFAULT_LOOP_SPEEDUP = 0.8
MIN_SWEEP_SECONDS = 0.3      # an op's cells light over at least this long (first pass)
STEP_SECONDS = 0.36          # smallest first-pass step slot: the sweep plus a gap
LOOP_STEP_SECONDS = 1 / 15   # smallest step slot in the fed-back passes (two frames at 30 fps)
LOOP_HOLD = 0.3              # share of a fed-back pass left after its last step: the picked letter, held
LEAD_SECONDS = 1.0           # before a beat's first step: the camera's move to the beat's shot


Cols = tuple[int, int]


def wide(aspect) -> bool:
    """A frame at least 1.3 times wider than tall: its value texts hold lines of 34 characters, and a shot's
    `wide_side` applies."""
    w, h = aspect
    return w >= 1.3 * h


@dataclass
class Step:
    tensors: tuple[str, ...]
    cols: Cols                      # [first, stop) token columns revealed


FRAMINGS = ("auto", "whole")
SHOT_KINDS = ("establishing", "medium", "close-up", "insert")   # what its level of detail must show


@dataclass(frozen=True)
class Shot:
    """How a beat's camera frames its focus (the subject): seen from direction (side, -1, rise), i.e. from
    the subject towards the camera (the wall faces -Y), drifting sideways by `drift` over the beat (a slow
    orbit; None: 0.07 back towards straight on), through a `lens` mm lens, the subject filling `fill` of
    the safe area (clear of the frame's edges and of the caption band); `framing` "auto" pans down a
    subject much taller than the frame, "whole" always shows it whole. `kind` (SHOT_KINDS) says what the
    frame check expects to read in it; "auto": establishing for the whole model, close-up for three
    blocks or fewer, else medium. `wide_side`: the side in a wide frame (16:9), where a row wider than
    the frame seen more from its side is shortened towards the frame's own shape. `fixed_angle`: the
    story set the angle (yaw, orbit), which the camera keeps (else a close-up may look more squarely)."""
    side: float = 0.0
    wide_side: float | None = None
    rise: float = 0.10
    drift: float | None = None
    lens: float = 50.0
    fill: float = 1.0
    framing: str = "auto"
    kind: str = "auto"
    fixed_angle: bool = False

    def kind_for(self, n_blocks: int, whole: bool) -> str:
        if self.kind != "auto":
            return self.kind
        return "establishing" if whole else "close-up" if n_blocks <= 3 else "medium"

    def sides(self, aspect=(16, 9)) -> tuple[float, float]:
        """The side component at the shot's first and last key in a frame of `aspect`."""
        side = self.wide_side if self.wide_side is not None and wide(aspect) else self.side
        drift = self.drift if self.drift is not None else (0.07 if side < 0 else -0.07)
        return side, side + drift


SIDES = (0.22, -0.12, 0.16)        # the side angles beats take in turn (a beat names its own)


@dataclass(frozen=True)
class Ctx:
    """What a beat's steps and focus depend on: the model and the input and output lengths."""
    config: GPTConfig
    n_in: int
    n_out: int
    findings: object = None         # beats_findings.FilmFindings: what the model learned, shown on this input


@dataclass
class BeatPlan:
    chapter: str
    name: str                       # e.g. "qkv", "blocks.2", "loop.3"
    seconds: float                  # before the global pace
    steps: list[Step]
    focus: list[str]                # tensor names (every block of each; "*": all) the shot frames
    shows: list[str] = field(default_factory=list)   # tensors the caption talks about (lit by its midpoint)
    fast: bool = False              # fed-back pass: short steps
    layer: int = 0
    pass_index: int = 0             # 1-based generation pass shown (loop beats)
    first_frame: int = 0
    last_frame: int = 0
    caption: dict[str, str] = field(default_factory=dict)       # filled in, per language
    templates: dict[str, str] = field(default_factory=dict)     # caption templates, per language
    fields: dict[str, str] = field(default_factory=dict)        # its own caption fields (beats_findings)
    shot: Shot = Shot()
    moments: Callable | None = None   # recipe(m: moments.Moments, beat) adding its focus moments
    subtitle: dict[str, str] = field(default_factory=dict)     # the story's own chapter subtitle, per language

    @property
    def id(self) -> str:
        return f"{self.chapter}.{self.name}"

    @property
    def base(self) -> str:
        """The beat's name in its chapter's list (a story's key): "blocks" for "blocks.2"."""
        return self.name.split(".")[0]


def no_steps(ctx: Ctx) -> list[Step]:
    return []


def whole_model(ctx: Ctx) -> list[str]:
    return ["*"]


@dataclass(frozen=True)
class BeatDef:
    """One beat, everything about it in one place: its chapter and name, default seconds, caption templates
    (en, ko; str.format fields from captions.caption_context and plan.beat_fields), the steps it reveals
    and the tensors its shot frames (functions of the Ctx), its focus-moments recipe and its shot.
    `expand` (optional) makes several beats of it (one per later transformer block, per fed-back pass)."""
    chapter: str
    name: str
    seconds: float
    caption: tuple[str, str]
    steps: Callable[[Ctx], list[Step]] = no_steps
    focus: Callable[[Ctx], list[str]] = whole_model
    moments: Callable | None = None
    shot: Shot = Shot()
    shows: Callable[[Ctx], list[str]] | None = None     # None: the tensors its steps reveal
    expand: Callable[["BeatDef", Ctx], list[BeatPlan]] | None = None

    def plans(self, ctx: Ctx) -> list[BeatPlan]:
        return self.expand(self, ctx) if self.expand else [self.plan(ctx)]

    def plan(self, ctx: Ctx, **kw) -> BeatPlan:
        """This beat as one BeatPlan; `kw` replaces fields (name, steps, focus, shot, ...)."""
        en, ko = self.caption
        b = BeatPlan(self.chapter, self.name, self.seconds, [], [], templates={"en": en, "ko": ko},
                     shot=self.shot, moments=self.moments)
        if "steps" not in kw:
            b.steps = self.steps(ctx)
        if "focus" not in kw:
            b.focus = self.focus(ctx)
        b = replace(b, **kw)
        if self.shows is not None:
            b.shows = self.shows(ctx)
        elif not b.shows:
            b.shows = list(dict.fromkeys(t for s in b.steps for t in s.tensors))
        return b


def ln_steps(name: str, cols: Cols) -> list[Step]:
    return [Step((f"{name}.mean",), cols), Step((f"{name}.rstd",), cols), Step((name,), cols)]


def ln_focus(name: str) -> list[str]:
    return [f"{name}.weight", f"{name}.bias", f"{name}.mean", f"{name}.rstd", name]


def layer_steps(i: int, cols: Cols) -> dict[str, list[Step]]:
    """Steps of transformer block i by the beat that explains them (chapters 3-6)."""
    p = f"h{i}"
    return {
        "ln_1": ln_steps(f"{p}.ln_1", cols),
        "qkv": [Step((f"{p}.attn.q", f"{p}.attn.k", f"{p}.attn.v"), cols)],
        "scores": [Step((f"{p}.attn.scores",), cols)],
        "softmax": [Step((f"{p}.attn.max",), cols), Step((f"{p}.attn.expsum",), cols),
                    Step((f"{p}.attn.probs",), cols)],
        "mix": [Step((f"{p}.attn.y",), cols)],
        "project": [Step((f"{p}.attn.proj",), cols)],
        "residual": [Step((f"{p}.attn.resid",), cols)],
        "ln_2": ln_steps(f"{p}.ln_2", cols),
        "expand": [Step((f"{p}.mlp.fc",), cols)],
        "gelu": [Step((f"{p}.mlp.gelu",), cols)],
        "mlp_project": [Step((f"{p}.mlp.proj",), cols)],
        "mlp_residual": [Step((f"{p}.mlp.resid",), cols)],
    }


def layer_focus(i: int) -> dict[str, list[str]]:
    p = f"h{i}"
    heads = [f"{p}.attn.c_attn.weight", f"{p}.attn.c_attn.bias", f"{p}.attn.q", f"{p}.attn.k", f"{p}.attn.v"]
    soft = [f"{p}.attn.scores", f"{p}.attn.max", f"{p}.attn.expsum", f"{p}.attn.probs"]
    return {
        "ln_1": ["embed.out" if i == 0 else f"h{i - 1}.mlp.resid"] + ln_focus(f"{p}.ln_1"),
        "qkv": heads,
        "scores": [f"{p}.attn.q", f"{p}.attn.k", f"{p}.attn.scores"],
        "softmax": soft,
        "mix": soft + [f"{p}.attn.v", f"{p}.attn.y"],
        "project": [f"{p}.attn.c_proj.weight", f"{p}.attn.c_proj.bias", f"{p}.attn.proj"],   # not the heads: too wide to read
        "residual": [f"{p}.attn.c_proj.weight", f"{p}.attn.proj", f"{p}.attn.resid"],
        "ln_2": [f"{p}.attn.resid"] + ln_focus(f"{p}.ln_2"),
        "expand": [f"{p}.mlp.c_fc.weight", f"{p}.mlp.c_fc.bias", f"{p}.mlp.fc"],
        "gelu": [f"{p}.mlp.fc", f"{p}.mlp.gelu"],
        "mlp_project": [f"{p}.mlp.c_proj.weight", f"{p}.mlp.c_proj.bias", f"{p}.mlp.proj"],
        "mlp_residual": [f"{p}.mlp.c_proj.weight", f"{p}.mlp.proj", f"{p}.mlp.resid"],
    }


def head0(*names: str):
    """Block 0's head-0 slices of `names` (e.g. "q" -> "h0.attn.q[0]", "weight.q" -> "h0.attn.c_attn.weight.q[0]"):
    the head whose numbers the captions quote; the other heads compute beside it, off the close-up."""
    return lambda ctx: [f"h0.attn.c_attn.{n}[0]" if "." in n else f"h0.attn.{n}[0]" for n in names]


def all_steps_for(config: GPTConfig, cols: Cols) -> list[Step]:
    """Every activation step of one pass, in compute order (used by the fed-back passes)."""
    steps = [Step(("embed.tok", "embed.pos"), cols), Step(("embed.out",), cols)]
    for i in range(config.n_layer):
        for group in layer_steps(i, cols).values():
            steps += group
    steps += ln_steps("ln_f", cols)
    steps += [Step(("logits",), cols), Step(("logits.max",), cols), Step(("logits.expsum",), cols),
              Step(("probs",), cols)]
    return steps


def min_frames(beat: BeatPlan, fps: int) -> int:
    """Shortest a beat may be: room for its steps, and time to read its caption in every language
    (reading.caption_seconds)."""
    lead_tail = sum(_lead_tail(beat, fps)) + 1
    # Step slots are set in seconds, so a story lasts as long at 12 fps as at 30 (a slot may then hold a
    # fractional number of frames: reveal times are fractional too).
    slot = LOOP_STEP_SECONDS if beat.fast else max(STEP_SECONDS, MIN_SWEEP_SECONDS + 2 / 30)
    steps = math.ceil(len(beat.steps) * slot * fps / (1 - LOOP_HOLD if beat.fast else 1))
    return max(steps + lead_tail, math.ceil(caption_seconds(beat.caption) * fps) + 1)


def reveal_window(beat: BeatPlan, fps: int) -> tuple[float, float]:
    """Frames [first, last] within which the beat's steps sweep (after a short lead-in)."""
    n = beat.last_frame - beat.first_frame + 1
    lead, tail = _lead_tail(beat, fps)
    lead, tail = min(lead, max(1, n // 6)), min(tail, max(1, n // 10))
    if beat.fast:                   # a fed-back pass ends on the letter it picks: time to read it
        tail = max(tail, round(LOOP_HOLD * n))
    return float(beat.first_frame + lead), float(beat.last_frame - tail)


def _lead_tail(beat: BeatPlan, fps: int) -> tuple[int, int]:
    """Frames before the first step and after the last one (shorter in the fed-back passes)."""
    if beat.fast:
        return math.ceil(0.15 * fps), math.ceil(0.15 * fps)
    return math.ceil(LEAD_SECONDS * fps), math.ceil(0.4 * fps)


def arrival(first: int, last: int, fps: int) -> int:
    """The frame a beat's camera arrives at its shot: when a (not fed-back) beat's first step starts."""
    return first + min(math.ceil(LEAD_SECONDS * fps), max(1, (last - first + 1) // 6))
