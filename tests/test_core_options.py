"""llmreel.core.options: each accepted range holds at its edges and everything outside is refused with an
InputError that names what is accepted."""
from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from llmreel.core.errors import InputError
from llmreel.core.options import (FPS_RANGE, LANGUAGES, MAX_ASPECT_RATIO, MAX_SIDE, MIN_SIDE, PACE_RANGE,
                                  check_fps, check_language, check_pace, parse_aspect, parse_resolution)

sides = st.integers(min_value=1, max_value=10_000)


@given(sides, sides, st.sampled_from([":", "x", "X", "/"]))
def test_every_aspect_within_1_4_and_4_1_parses_every_other_is_refused(w, h, sep):
    inside = Fraction(1, 4) <= Fraction(w, h) <= 4
    if inside:
        assert parse_aspect(f"{w}{sep}{h}") == (w, h) == parse_aspect((w, h))
    else:
        with pytest.raises(InputError, match="1:4 and 4:1"):
            parse_aspect(f"{w}{sep}{h}")


def test_aspect_edges_and_garbage():
    assert parse_aspect("4:1") == (4, 1) and parse_aspect(" 1 : 4 ") == (1, 4) and MAX_ASPECT_RATIO == 4
    for bad in ("5:1", "1:5", "0:1", "1:0", "-16:9", "16:9:1", "wide", "", "16.5:9", None, (16,)):
        with pytest.raises(InputError, match="aspect"):
            parse_aspect(bad)


@given(st.integers(min_value=-1000, max_value=1000))
def test_fps_is_an_integer_1_to_120(fps):
    lo, hi = FPS_RANGE
    if lo <= fps <= hi:
        assert check_fps(fps) == fps
    else:
        with pytest.raises(InputError, match=f"{lo}..{hi}"):
            check_fps(fps)


def test_fps_range_and_types():
    assert FPS_RANGE == (1, 120)
    for bad in (24.0, "24", True, None, 121, 240):
        with pytest.raises(InputError):
            check_fps(bad)


@given(st.floats(min_value=-10, max_value=10, allow_nan=False))
def test_pace_is_a_number_in_range(pace):
    lo, hi = PACE_RANGE
    if lo <= pace <= hi:
        assert check_pace(pace) == pace
    else:
        with pytest.raises(InputError, match="pace"):
            check_pace(pace)


def test_pace_types():
    assert check_pace(1) == 1.0 and isinstance(check_pace(1), float)
    for bad in (float("nan"), "1", True, None):
        with pytest.raises(InputError):
            check_pace(bad)


def test_languages():
    assert LANGUAGES == ("en", "ko")
    for lang in LANGUAGES:
        assert check_language(lang) == lang
    for bad in ("fr", "EN", "", None, "en "):
        with pytest.raises(InputError, match="en, ko"):
            check_language(bad, "--lang")


@given(st.integers(min_value=0, max_value=20_000), st.integers(min_value=0, max_value=20_000),
       st.sampled_from(["x", "X", "×"]))
def test_resolution_each_side_within_limits(w, h, sep):
    if MIN_SIDE <= w <= MAX_SIDE and MIN_SIDE <= h <= MAX_SIDE:
        assert parse_resolution(f"{w}{sep}{h}") == (w, h)
    else:
        with pytest.raises(InputError, match=f"{MIN_SIDE}..{MAX_SIDE}"):
            parse_resolution(f"{w}{sep}{h}")


def test_resolution_garbage_names_the_option():
    for bad in ("wide", "", None, "1920", "1920x1080x3", "-20x20"):
        with pytest.raises(InputError, match="--resolution"):
            parse_resolution(bad, "--resolution")
