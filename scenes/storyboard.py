"""The storyboard as data: nine chapters, their beats, which tensors each beat computes, and timing.

A *step* is a group of tensors revealed together over a slice of token columns; a beat runs its steps
one after another. Chapters 1-8 compute the first pass (columns 0..n_in-1); chapter 9's loop reveals one
new column per later pass. Beats a cut leaves out hand their steps to the next beat it keeps, so the
dependency order holds in every cut.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from llmreel.model.config import GPTConfig

# slug, title (en, ko), subtitle (en, ko)
CHAPTERS: list[tuple[str, tuple[str, str], tuple[str, str]]] = [
    ("introduction", ("Introduction", "소개"), ("A GPT that sorts letters", "글자를 정렬하는 GPT")),
    ("embedding", ("Embedding", "임베딩"), ("Tokens become vectors", "토큰이 벡터가 된다")),
    ("layer-norm", ("Layer norm", "레이어 정규화"), ("Every column rescaled", "각 열을 다시 맞춘다")),
    ("self-attention", ("Self-attention", "셀프 어텐션"), ("Tokens look at earlier tokens", "토큰이 앞의 토큰을 본다")),
    ("projection", ("Projection", "투영"), ("Heads joined, added back", "헤드를 합쳐 더한다")),
    ("mlp", ("MLP", "MLP"), ("Expand, bend, project", "확장, 비선형, 투영")),
    ("transformer", ("Transformer", "트랜스포머"), ("The same block, again", "같은 블록을 반복")),
    ("softmax", ("Softmax", "소프트맥스"), ("Scores become probabilities", "점수가 확률이 된다")),
    ("output", ("Output", "출력"), ("Pick, feed back, repeat", "고르고, 되먹이고, 반복")),
]
CHAPTER_SLUGS = [c[0] for c in CHAPTERS]

# chapter -> [(beat name, default seconds)] (story files may pick a subset and change seconds)
BEATS: dict[str, list[tuple[str, float]]] = {
    "introduction": [("task", 8.0), ("tokens", 7.0), ("weights", 8.0), ("overview", 9.0)],
    "embedding": [("token", 7.0), ("position", 6.0), ("sum", 6.0)],
    "layer-norm": [("column", 9.0), ("all", 5.0)],
    "self-attention": [("qkv", 9.0), ("scores", 8.0), ("softmax", 7.0), ("mix", 7.0)],
    "projection": [("project", 6.0), ("residual", 6.0)],
    "mlp": [("norm", 5.0), ("expand", 6.0), ("gelu", 6.0), ("project", 5.0), ("residual", 5.0)],
    "transformer": [("blocks", 7.0)],            # one beat per block after the first: blocks.1, blocks.2 ...
    "softmax": [("norm", 5.0), ("logits", 6.0), ("probs", 8.0)],
    "output": [("pick", 7.0), ("loop", 7.0), ("answer", 6.0)],   # loop: one beat per fed-back pass
}
DEFAULT_LOOP_SPEEDUP = 0.8
MIN_SWEEP_SECONDS = 0.3      # an op's cells light over at least this long (first pass)
STEP_SECONDS = 0.36          # smallest first-pass step slot: the sweep plus a gap
LOOP_STEP_SECONDS = 1 / 15   # smallest step slot in the fed-back passes (two frames at 30 fps)


def beat_names(slug: str) -> list[str]:
    return [b for b, _ in BEATS[slug]]


Cols = tuple[int, int]


@dataclass
class Step:
    tensors: tuple[str, ...]
    cols: Cols                      # [first, stop) token columns revealed


@dataclass
class BeatPlan:
    chapter: str
    name: str                       # e.g. "qkv", "blocks.2", "loop.3"
    seconds: float                  # before the global pace
    steps: list[Step]
    focus: list[str]                # tensor names (every block of each) the shot frames
    fast: bool = False              # fed-back pass: short steps
    layer: int = 0
    pass_index: int = 0             # 1-based generation pass shown (loop beats)
    first_frame: int = 0
    last_frame: int = 0
    caption: dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.chapter}.{self.name}"


def _ln(name: str, cols: Cols) -> list[Step]:
    return [Step((f"{name}.mean",), cols), Step((f"{name}.rstd",), cols), Step((name,), cols)]


def _ln_focus(name: str) -> list[str]:
    return [f"{name}.weight", f"{name}.bias", f"{name}.mean", f"{name}.rstd", name]


def layer_steps(i: int, cols: Cols) -> dict[str, list[Step]]:
    """Steps of transformer block i by the beat that explains them (chapters 3-6)."""
    p = f"h{i}"
    return {
        "ln_1": _ln(f"{p}.ln_1", cols),
        "qkv": [Step((f"{p}.attn.q", f"{p}.attn.k", f"{p}.attn.v"), cols)],
        "scores": [Step((f"{p}.attn.scores",), cols)],
        "softmax": [Step((f"{p}.attn.max",), cols), Step((f"{p}.attn.expsum",), cols),
                    Step((f"{p}.attn.probs",), cols)],
        "mix": [Step((f"{p}.attn.y",), cols)],
        "project": [Step((f"{p}.attn.proj",), cols)],
        "residual": [Step((f"{p}.attn.resid",), cols)],
        "ln_2": _ln(f"{p}.ln_2", cols),
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
        "ln_1": ["embed.out" if i == 0 else f"h{i - 1}.mlp.resid"] + _ln_focus(f"{p}.ln_1"),
        "qkv": heads,
        "scores": [f"{p}.attn.q", f"{p}.attn.k", f"{p}.attn.scores"],
        "softmax": soft,
        "mix": soft + [f"{p}.attn.v", f"{p}.attn.y"],
        "project": [f"{p}.attn.c_proj.weight", f"{p}.attn.c_proj.bias", f"{p}.attn.proj"],   # not the heads: too wide to read
        "residual": [f"{p}.attn.c_proj.weight", f"{p}.attn.proj", f"{p}.attn.resid"],
        "ln_2": [f"{p}.attn.resid"] + _ln_focus(f"{p}.ln_2"),
        "expand": [f"{p}.mlp.c_fc.weight", f"{p}.mlp.c_fc.bias", f"{p}.mlp.fc"],
        "gelu": [f"{p}.mlp.fc", f"{p}.mlp.gelu"],
        "mlp_project": [f"{p}.mlp.c_proj.weight", f"{p}.mlp.c_proj.bias", f"{p}.mlp.proj"],
        "mlp_residual": [f"{p}.mlp.c_proj.weight", f"{p}.mlp.proj", f"{p}.mlp.resid"],
    }


def _all_steps_for(config: GPTConfig, cols: Cols) -> list[Step]:
    """Every activation step of one pass, in compute order (used by the fed-back passes)."""
    steps = [Step(("embed.tok", "embed.pos"), cols), Step(("embed.out",), cols)]
    for i in range(config.n_layer):
        for group in layer_steps(i, cols).values():
            steps += group
    steps += _ln("ln_f", cols)
    steps += [Step(("logits",), cols), Step(("logits.max",), cols), Step(("logits.expsum",), cols),
              Step(("probs",), cols)]
    return steps


def canonical_beats(config: GPTConfig, n_in: int, n_out: int) -> list[BeatPlan]:
    """Every beat of the full story, in order, with its steps and focus (seconds = defaults)."""
    first, c0 = (0, n_in), (0, 1)
    rest = (1, n_in)
    sec = {(ch, b): s for ch, beats in BEATS.items() for b, s in beats}
    L0, F0 = layer_steps(0, first), layer_focus(0)
    model = ["*"]                                            # "*": every block
    out: list[BeatPlan] = []

    def add(ch, name, steps, focus, **kw):
        base = name.split(".")[0]
        out.append(BeatPlan(ch, name, sec[(ch, base)], steps, focus, **kw))

    add("introduction", "task", [], model)
    add("introduction", "tokens", [], ["wte.weight", "wpe.weight", "embed.tok", "embed.pos"])
    add("introduction", "weights", [], ["h0.ln_1.weight", "h0.attn.c_attn.weight", "h0.attn.q", "h0.attn.k",
                                        "h0.attn.v", "h0.attn.y"])
    add("introduction", "overview", [], model)
    add("embedding", "token", [Step(("embed.tok",), first)], ["wte.weight", "embed.tok"])
    add("embedding", "position", [Step(("embed.pos",), first)], ["wpe.weight", "embed.pos"])
    add("embedding", "sum", [Step(("embed.out",), first)], ["embed.tok", "embed.pos", "embed.out"])
    ln1 = "h0.ln_1"
    add("layer-norm", "column", _ln(ln1, c0), F0["ln_1"])
    add("layer-norm", "all", _ln(ln1, rest), F0["ln_1"])
    # Q, K, V: first the focus token (the last input column: it sees every earlier token), then the rest
    t = n_in - 1
    qkv = L0["qkv"][0].tensors
    add("self-attention", "qkv", [Step(qkv, (t, t + 1))] + ([Step(qkv, (0, t))] if t else []), F0["qkv"])
    for b in ("scores", "softmax", "mix"):
        add("self-attention", b, L0[b], F0[b])
    add("projection", "project", L0["project"], F0["project"])
    add("projection", "residual", L0["residual"], F0["residual"])
    add("mlp", "norm", L0["ln_2"], F0["ln_2"])
    add("mlp", "expand", L0["expand"], F0["expand"])
    add("mlp", "gelu", L0["gelu"], F0["gelu"])
    add("mlp", "project", L0["mlp_project"], F0["mlp_project"])
    add("mlp", "residual", L0["mlp_residual"], F0["mlp_residual"])
    if config.n_layer == 1:
        add("transformer", "blocks.0", [], model)
    for i in range(1, config.n_layer):
        steps = [s for group in layer_steps(i, first).values() for s in group]
        focus = sorted({t for f in layer_focus(i).values() for t in f})
        add("transformer", f"blocks.{i}", steps, focus, layer=i)
    add("softmax", "norm", _ln("ln_f", first), [f"h{config.n_layer - 1}.mlp.resid"] + _ln_focus("ln_f"))
    add("softmax", "logits", [Step(("logits",), first)], ["ln_f", "lm_head.weight", "logits"])
    add("softmax", "probs", [Step(("logits.max",), first), Step(("logits.expsum",), first),
                             Step(("probs",), first)], ["logits", "logits.max", "logits.expsum", "probs"])
    add("output", "pick", [], ["logits", "probs"], pass_index=1)
    for p in range(2, n_out + 1):
        col = n_in + p - 2                                   # the token fed back after pass p-1
        add("output", f"loop.{p}", _all_steps_for(config, (col, col + 1)), model, fast=True, pass_index=p)
    add("output", "answer", [], ["logits", "probs"], pass_index=n_out)
    return out


def min_frames(beat: BeatPlan, fps: int) -> int:
    """Shortest a beat may be: room for its steps and for its captions (max(1.5 s, chars / 12) s)."""
    lead_tail = sum(_lead_tail(beat, fps)) + 1
    # Step slots are set in seconds, so a story lasts as long at 12 fps as at 30 (a slot may then hold a
    # fractional number of frames: reveal times are fractional too).
    slot = LOOP_STEP_SECONDS if beat.fast else max(STEP_SECONDS, MIN_SWEEP_SECONDS + 2 / 30)
    steps = math.ceil(len(beat.steps) * slot * fps)
    text = max((max(1.5, len(t) / 12.0) for t in beat.caption.values()), default=1.5)
    return max(steps + lead_tail, math.ceil(text * fps) + 1)


def reveal_window(beat: BeatPlan, fps: int) -> tuple[float, float]:
    """Frames [first, last] within which the beat's steps sweep (after a short lead-in)."""
    n = beat.last_frame - beat.first_frame + 1
    lead, tail = _lead_tail(beat, fps)
    lead, tail = min(lead, max(1, n // 6)), min(tail, max(1, n // 10))
    return float(beat.first_frame + lead), float(beat.last_frame - tail)


def _lead_tail(beat: BeatPlan, fps: int) -> tuple[int, int]:
    """Frames before the first step and after the last one (shorter in the fed-back passes)."""
    if beat.fast:
        return math.ceil(0.15 * fps), math.ceil(0.15 * fps)
    return math.ceil(0.6 * fps), math.ceil(0.4 * fps)
