"""Colour themes: blue weights, green activations, yellow aggregates, a teal-green residual stream.

Every colour is linear RGB (what Blender's colour attributes and emission shaders take). `slide_theme`
gives a theme's variant for a still that lands on a light or dark slide. The value ->
shade map is symmetric (see `Theme.cell_colors`): positive values move from `zero` towards `pos`,
negative ones towards `neg`, so the sign stays readable at a glance.
"""
from __future__ import annotations

import dataclasses

from llmreel.core.errors import InputError
from llmreel.scenes.spec import Theme

ROLES = ("weight", "activation", "aggregate", "residual")


def _dark() -> Theme:
    return Theme(
        name="dark",
        background=(0.004, 0.005, 0.010),
        dim=(0.035, 0.039, 0.052),
        flash=(1.0, 0.92, 0.70),
        text=(0.90, 0.92, 0.95),
        text_dim=(0.35, 0.38, 0.45),
        accent=(1.0, 0.45, 0.05),
        flow=(0.10, 0.55, 0.25),
        flow_residual=(0.10, 0.90, 0.70),
        outline=(0.0, 0.0, 0.0),
        zero={"weight": (0.025, 0.030, 0.070), "activation": (0.020, 0.045, 0.025),
              "aggregate": (0.060, 0.050, 0.010), "residual": (0.015, 0.050, 0.045)},
        pos={"weight": (0.20, 0.35, 1.00), "activation": (0.15, 0.90, 0.25),
             "aggregate": (1.00, 0.80, 0.05), "residual": (0.10, 0.90, 0.70)},
        neg={"weight": (0.50, 0.12, 0.95), "activation": (0.90, 0.20, 0.10),
             "aggregate": (0.70, 0.25, 0.90), "residual": (0.95, 0.25, 0.15)},
    )


def _light() -> Theme:
    return Theme(
        name="light",
        background=(0.92, 0.93, 0.95),
        dim=(0.80, 0.81, 0.84),
        flash=(1.0, 0.55, 0.10),
        text=(0.02, 0.02, 0.03),
        text_dim=(0.30, 0.32, 0.36),
        accent=(0.90, 0.20, 0.02),
        flow=(0.25, 0.65, 0.35),
        flow_residual=(0.00, 0.40, 0.32),
        outline=(1.0, 1.0, 1.0),
        zero={"weight": (0.82, 0.84, 0.95), "activation": (0.82, 0.92, 0.83),
              "aggregate": (0.95, 0.92, 0.78), "residual": (0.80, 0.92, 0.90)},
        pos={"weight": (0.05, 0.10, 0.60), "activation": (0.03, 0.40, 0.08),
             "aggregate": (0.70, 0.50, 0.00), "residual": (0.00, 0.40, 0.32)},
        neg={"weight": (0.55, 0.02, 0.30), "activation": (0.65, 0.08, 0.02),
             "aggregate": (0.40, 0.08, 0.55), "residual": (0.70, 0.10, 0.05)},
    )


THEMES: dict[str, Theme] = {"dark": _dark(), "light": _light()}
DEFAULT_THEME = "dark"


def get_theme(name: str | None) -> Theme:
    """The theme called `name` (default "dark"); InputError listing the accepted names otherwise."""
    name = DEFAULT_THEME if name is None else name
    try:
        return THEMES[name]
    except (KeyError, TypeError):
        raise InputError(f"unknown theme {name!r}; accepted: {', '.join(THEMES)}") from None


# A still that lands on a slide: the colours of everything that is not a value's cell (texts, their
# outlines, flow paths, highlight frames, and `dim`: cells not yet computed, the plates and backdrop
# behind blocks) chosen for the slide's background, so nothing shows as a dark box on a white slide; the
# cells that hold values keep the theme's colour language. Every text colour reads at least 4.5:1 (WCAG)
# against its slide: see `contrast`.
SLIDES: dict[str, dict] = {
    "light": {"background": (1.0, 1.0, 1.0), "text": (0.015, 0.015, 0.02), "text_dim": (0.10, 0.11, 0.13),
              "accent": (0.40, 0.07, 0.0), "flow": (0.02, 0.22, 0.06), "flow_residual": (0.0, 0.25, 0.20),
              "outline": (1.0, 1.0, 1.0), "dim": (0.80, 0.81, 0.84)},
    "dark": {"background": (0.0, 0.0, 0.0), "text": (0.90, 0.92, 0.95), "text_dim": (0.35, 0.38, 0.45),
             "accent": (1.0, 0.45, 0.05), "flow": (0.10, 0.55, 0.25), "flow_residual": (0.10, 0.90, 0.70),
             "outline": (0.0, 0.0, 0.0), "dim": (0.018, 0.020, 0.028)},
}
TEXT_COLOURS = ("text", "text_dim", "accent")      # the theme colours texts are drawn in


def check_slide(on: str | None, what: str = "slide background") -> str | None:
    """`on` if it names a slide background (or is None); InputError listing the accepted ones otherwise."""
    if on is not None and on not in SLIDES:
        raise InputError(f"unknown {what} {on!r}; accepted: {', '.join(SLIDES)}")
    return on


def slide_theme(theme: Theme, on: str | None) -> Theme:
    """`theme` for a still on a light or dark slide (None: `theme` itself)."""
    if check_slide(on) is None:
        return theme
    return dataclasses.replace(theme, name=f"{theme.name}-on-{on}", **SLIDES[on])


def luminance(rgb) -> float:
    """WCAG relative luminance of a linear RGB colour."""
    r, g, b = (float(x) for x in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    """WCAG contrast ratio (1..21) of two linear RGB colours."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)
