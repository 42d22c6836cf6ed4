"""The story's beats, chapter by chapter: one BeatDef per beat (storyboard.BeatDef) holds its seconds,
caption templates, steps, focus, focus-moments recipe and shot; they are defined in

- beats_embedding.py   introduction, embedding, layer-norm
- beats_block.py       self-attention, projection, mlp, transformer
- beats_output.py      softmax, output
- beats_findings.py    what the model learned: a beat per finding (after the pass it is seen in), "How it sorts"
- beats_scale.py       scale (the four models side by side; scale.py draws them)

To change a beat, change its BeatDef; a story file may override its fields per beat (story.py).
"""
from __future__ import annotations

from llmreel.model.config import GPTConfig
from llmreel.scenes import beats_block, beats_embedding, beats_findings, beats_output, beats_scale
from llmreel.scenes.storyboard import CHAPTER_SLUGS, BeatDef, BeatPlan, Ctx

CHAPTER_BEATS: dict[str, list[BeatDef]] = {
    "introduction": beats_embedding.INTRODUCTION,
    "embedding": beats_embedding.EMBEDDING,
    "layer-norm": beats_embedding.LAYER_NORM,
    "self-attention": beats_block.SELF_ATTENTION + beats_findings.FINDING_IN["self-attention"],
    "projection": beats_block.PROJECTION,
    "mlp": beats_block.MLP,
    "transformer": beats_block.TRANSFORMER + beats_findings.FINDING_IN["transformer"],
    "softmax": beats_output.SOFTMAX,
    "output": beats_output.OUTPUT + beats_findings.FINDING_IN["output"] + [beats_findings.HOW, beats_output.RECAP],
    "scale": beats_scale.SCALE_BEATS,
}
assert list(CHAPTER_BEATS) == CHAPTER_SLUGS

# chapter -> [(beat name, default seconds)] (story files may pick a subset and override any field)
BEATS: dict[str, list[tuple[str, float]]] = {ch: [(d.name, d.seconds) for d in defs]
                                             for ch, defs in CHAPTER_BEATS.items()}


def beat_names(slug: str) -> list[str]:
    return [d.name for d in CHAPTER_BEATS[slug]]


def beat_def(slug: str, name: str) -> BeatDef:
    return next(d for d in CHAPTER_BEATS[slug] if d.name == name)


def canonical_beats(config: GPTConfig, n_in: int, n_out: int, findings=None) -> list[BeatPlan]:
    """Every beat of the full story, in order, with its steps, focus and shot (seconds = defaults);
    `findings` (beats_findings.FilmFindings) adds what the model learned."""
    ctx = Ctx(config, n_in, n_out, findings)
    return beats_findings.in_place([b for defs in CHAPTER_BEATS.values() for d in defs for b in d.plans(ctx)])
