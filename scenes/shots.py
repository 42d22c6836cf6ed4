"""Shots: each beat's camera keys, framing its focus blocks (with their labels and value texts) as its Shot
says, clear of the frame's edges and of the caption band."""
from __future__ import annotations

import numpy as np

from llmreel.core.errors import InputError
from llmreel.scenes.camera import caption_lines, frame_box, safe_area
from llmreel.scenes.geometry import label_bounds, union, value_text_bounds
from llmreel.scenes.spec import Beat, Block, CameraKey, Label
from llmreel.scenes.storyboard import BeatPlan, Shot


def block_boxes(spec_blocks: list[Block], labels: list[Label]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Block id -> world box of the block with its name tag and dimension labels."""
    boxes = {b.id: b.bounds() for b in spec_blocks}
    for l in labels:
        if l.block in boxes:
            boxes[l.block] = union([boxes[l.block], label_bounds(l)])
    return boxes


def focus_bounds(spec_blocks: list[Block], labels: list[Label], value_texts, focus: list[str], frames,
                 boxes: dict | None = None) -> tuple:
    """World box of the focus blocks with their labels and the value texts shown during `frames`."""
    boxes = block_boxes(spec_blocks, labels) if boxes is None else boxes
    found = [boxes[i] for i in focus if i in boxes]
    for v in value_texts:
        if v.frames[0] <= frames[1] and v.frames[1] >= frames[0]:
            found.append(value_text_bounds(v))
    return union(found)


def shot_safe_area(beat: Beat, aspect, fill: float = 1.0) -> tuple[float, float, float, float]:
    """Where the beat's subject may sit: clear of the frame edges and of its caption band (the
    longest of its languages, as every language is rendered from the same camera); `fill` < 1 keeps
    the subject to that fraction of it, around its centre."""
    lines = max((caption_lines(t, aspect) for t in beat.caption.values() if t), default=0)
    safe = safe_area(aspect, lines)
    if fill == 1.0:
        return safe
    x0, x1, y0, y1 = safe
    cx, cy, hx, hy = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2 * fill, (y1 - y0) / 2 * fill
    return cx - hx, cx + hx, cy - hy, cy + hy


PAN_MIN = 8            # a focus taller than this many safe-area-shaped windows of its width pans ...
PAN_WINDOWS = 4        # ... from a top window to a bottom one, each 1/PAN_WINDOWS of its height


def shot_boxes(lo, hi, aspect, safe) -> list[tuple[np.ndarray, np.ndarray]]:
    """What a beat's two camera keys frame: the focus box whole (for both keys), or, when the focus is
    much taller than the safe area's shape (the whole model in the output loop), a top and a bottom
    window of it, so the shot pans down the model with the data instead of showing a thin strip."""
    lo, hi = np.asarray(lo, dtype=np.float64), np.asarray(hi, dtype=np.float64)
    x0, x1, y0, y1 = safe
    ax, ay = aspect
    ratio = (y1 - y0) * ay / ((x1 - x0) * ax)                        # safe area height / width
    width, height = hi[0] - lo[0], hi[2] - lo[2]
    if height < PAN_MIN * ratio * width:
        return [(lo, hi), (lo, hi)]
    win = height / PAN_WINDOWS
    top = (np.array([lo[0], lo[1], hi[2] - win]), hi)
    bottom = (lo, np.array([hi[0], hi[1], lo[2] + win]))
    return [top, bottom]


def spec_beats(beats: list[BeatPlan], blocks: list[Block]) -> list[Beat]:
    """The SceneSpec's beats: frames, caption and focus as block ids (every block of each focus tensor)."""
    slots_of: dict[str, list[str]] = {}
    for b in blocks:
        slots_of.setdefault(b.tensor, []).append(b.id)
    out = []
    for b in beats:
        bad = [t for t in b.focus if t != "*" and t not in slots_of]
        if bad:
            raise InputError(f"beat {b.chapter}.{b.base} focus: unknown tensor {bad[0]!r}; accepted: \"*\" (the "
                             f"whole model) or tensors shown as blocks, e.g. {', '.join(list(slots_of)[:4])}")
        focus = [x.id for x in blocks] if "*" in b.focus else [i for t in b.focus for i in slots_of[t]]
        out.append(Beat(id=b.id, first_frame=b.first_frame, last_frame=b.last_frame, caption=dict(b.caption),
                        focus=focus))
    return out


def plan_camera(beats: list[Beat], shots: list[Shot], blocks, labels, value_texts, aspect,
                fps: int) -> list[CameraKey]:
    """Two keys per beat: on arrival (a little after the cut, for the camera to travel) and at its end."""
    keys: list[CameraKey] = []
    boxes = block_boxes(blocks, labels)
    for i, (beat, shot) in enumerate(zip(beats, shots)):
        lo, hi = focus_bounds(blocks, labels, value_texts, beat.focus, (beat.first_frame, beat.last_frame), boxes)
        safe = shot_safe_area(beat, aspect, shot.fill)
        n = beat.last_frame - beat.first_frame
        arrive = beat.first_frame if i == 0 else beat.first_frame + min(int(round(1.2 * fps)), n // 3)
        framed = shot_boxes(lo, hi, aspect, safe) if shot.framing == "auto" else [(lo, hi), (lo, hi)]
        for frame, s, (blo, bhi) in zip((arrive, beat.last_frame), shot.sides(), framed):
            loc, tgt = frame_box(blo, bhi, aspect, lens=shot.lens, direction=(s, -1.0, shot.rise), safe=safe)
            keys.append(CameraKey(float(frame), loc, tgt, shot.lens))
    return keys
