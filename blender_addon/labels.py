"""Labels: the text beside each block (name, axes, formula), shown over the frames the spec gives.

    add_labels(spec, coll, language, vis, texts)
"""
from __future__ import annotations

from llmreel.scenes.hud import pick

from . import keys
from .text import make_text


def add_labels(spec, coll, language: str, vis, texts) -> None:
    for label in spec.labels:
        color = getattr(spec.theme, label.color, spec.theme.text)
        obj = make_text(f"label {label.id}", pick(label.text, language), label.size, color, coll,
                        location=label.location, align=label.align, pending=texts, turn=label.rotation)
        obj[keys.LABEL] = label.id
        vis.during(obj, label.visible)
