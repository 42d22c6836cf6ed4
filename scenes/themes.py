"""Colour themes: blue weights, green activations, yellow aggregates, a teal-green residual stream.

Every colour is linear RGB (what Blender's colour attributes and emission shaders take). The value ->
shade map is symmetric (see `Theme.cell_colors`): positive values move from `zero` towards `pos`,
negative ones towards `neg`, so the sign stays readable at a glance.
"""
from __future__ import annotations

from llmreel.core.errors import InputError
from llmreel.scenes.spec import Theme

ROLES = ("weight", "activation", "aggregate", "residual")


def _dark() -> Theme:
    return Theme(
        name="dark",
        background=(0.004, 0.005, 0.010),
        dim=(0.018, 0.020, 0.028),
        flash=(1.0, 0.92, 0.70),
        text=(0.90, 0.92, 0.95),
        text_dim=(0.35, 0.38, 0.45),
        accent=(1.0, 0.45, 0.05),
        flow=(0.10, 0.55, 0.25),
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
