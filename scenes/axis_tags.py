"""Axis tags in words, and where they sit beside their block.

A close-up names each axis of a block by what it counts ("48 numbers", "11 positions", "3 letters"; Korean
"수 48개", "위치 11개", "글자 3개"), never by a letter that reads like a token ("C", "T"); an axis of one
stays "1". Words are wider than letters, and a block's rectangle (layout.py) must not grow for them, so:
- the row tag is written up the block's left edge, turned a quarter turn (as a chart's vertical axis
  title), where it costs one line's height of width instead of a word's; a block too short for it (three
  rows of letters) keeps it level, left of the block;
- the column tag stands over the block, under the tensor's name, where the caption band at the foot of
  the frame does not reach it.
"""
from __future__ import annotations

from llmreel.scenes.text_metrics import advance_width, ink_box

TURN = 90.0            # degrees counter-clockwise, as the viewer sees the wall: the row tag reads upwards

# axis -> what it counts (None: letters or tokens, by the model's vocabulary)
_UNITS: dict[str, str | None] = {"C": "numbers", "A": "numbers", "4C": "numbers", "T": "positions",
                                 "Tk": "positions", "block": "positions", "vocab": None}
# English unit -> (singular, Korean noun)
_FORMS: dict[str, tuple[str, str]] = {"numbers": ("number", "수"), "positions": ("position", "위치"),
                                      "letters": ("letter", "글자"), "tokens": ("token", "토큰")}


def axis_words(axis: str, n: int, letters: bool = True) -> dict[str, str]:
    """The tag of an axis of length `n` in English and Korean ("48 numbers", "수 48개"); `letters`: the
    model's tokens are letters (else a vocabulary axis counts tokens). An axis without a unit ("1") stays."""
    if axis not in _UNITS:
        return {"en": axis, "ko": axis}
    unit = _UNITS[axis] or ("letters" if letters else "tokens")
    one, ko = _FORMS[unit]
    return {"en": f"{n:,} {one if n == 1 else unit}", "ko": f"{ko} {n:,}개"}


def _inks(texts: dict[str, str], size: float) -> list[tuple[float, float, float, float]]:
    return [ink_box(s, size) for s in texts.values() if s]


def turned(texts: dict[str, str], size: float, length: float) -> bool:
    """Whether a row tag is written turned: it is a word (not "1") whose ink, in every language, is no
    longer than the block's side `length`."""
    inks = _inks(texts, size)
    return any(" " in s for s in texts.values()) and all(x1 - x0 <= length for x0, x1, _, _ in inks)


def thickness(texts: dict[str, str], size: float) -> tuple[float, float]:
    """(lowest, highest) ink of the texts across their baselines (descenders below 0): a turned tag's
    extent across the block's side."""
    inks = _inks(texts, size)
    return min(y0 for _, _, y0, _ in inks), max(y1 for _, _, _, y1 in inks)


def row_tag_width(texts: dict[str, str], size: float, length: float) -> float:
    """Width a row tag takes left of its block: a line's ink when turned, else its widest text."""
    if turned(texts, size, length):
        lo, hi = thickness(texts, size)
        return hi - lo
    return max(advance_width(s, size) for s in texts.values())


def col_tag_width(texts: dict[str, str], size: float) -> float:
    return max(advance_width(s, size) for s in texts.values())
