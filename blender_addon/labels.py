"""Labels: the text beside each block (name, axes, formula), shown over the frames the spec gives; a title
that rides along a pan (Label.slide: scenes/sticky.py) is a text object of its own whose location and scale
are keyed, linear between keys as the planner measured them.

    add_labels(spec, coll, language, vis, texts)
"""
from __future__ import annotations

import numpy as np

from llmreel.scenes.hud import pick

from . import keys
from .animate import key_vector
from .text import make_text


def never_shown(label, meta) -> bool:
    """Shown in no frame of the story: level of detail found it legible nowhere (scenes/legibility.plan_lod
    gives it the frame after the last). GPT-2's text story has ~8,400 such labels (4 M vertices of text)."""
    return bool(label.visible) and all(b < meta.frame_start or a > meta.frame_end for a, b in label.visible)


def add_labels(spec, coll, language: str, vis, texts) -> None:
    """Every label the story shows somewhere (never_shown ones are not built)."""
    for label in spec.labels:
        if never_shown(label, spec.meta):
            continue
        color = getattr(spec.theme, label.color, spec.theme.text)
        obj = make_text(f"label {label.id}", pick(label.text, language), label.size, color, coll,
                        location=label.location, align=label.align, pending=None if label.slide else texts,
                        turn=label.rotation)
        obj[keys.LABEL] = label.id
        if label.slide:
            slide_text(obj, label)
        vis.during(obj, label.visible)


def slide_text(obj, label) -> None:
    """Key the text object's location (its place moved by (dx, 0, dz)) and uniform scale at each of the
    label's slide keys, LINEAR (held past the ends, as scenes/screen.slide_values reads them)."""
    k = np.asarray(label.slide, dtype=np.float64)
    loc = np.asarray(label.location, dtype=np.float64) + np.c_[k[:, 1], np.zeros(len(k)), k[:, 2]]
    key_vector(obj, "location", k[:, 0], loc, interpolation="LINEAR")
    key_vector(obj, "scale", k[:, 0], np.repeat(k[:, 3:4], 3, axis=1), interpolation="LINEAR")
