"""Accepted values of the options every command and story shares, each defined once, with its parser.

Each parser returns the clean value or raises InputError naming the problem and what is accepted.
Where two rules once disagreed the stricter one holds everywhere: aspect 1:4..4:1, fps 1..120.
"""
from __future__ import annotations

import re

from llmreel.core.errors import InputError

LANGUAGES = ("en", "ko")                                 # caption and label languages
LANGUAGE_NAMES = {"en": "English", "ko": "한국어 (Korean)"}
FPS_RANGE = (1, 120)
PACE_RANGE = (0.25, 4.0)                                 # duration multiplier
MAX_ASPECT_RATIO = 4.0                                   # long side / short side
MIN_SIDE, MAX_SIDE = 16, 16384                           # pixels per side of a render
DEVICES = ("cpu", "gpu")                                 # what Cycles computes on (`--device`)


def check_language(value, where: str = "language") -> str:
    if value not in LANGUAGES:
        raise InputError(f"unknown {where} {value!r}; accepted: {', '.join(LANGUAGES)}")
    return value


def check_device(value, where: str = "device") -> str:
    if value not in DEVICES:
        raise InputError(f"unknown {where} {value!r}; accepted: {', '.join(DEVICES)}")
    return value


def parse_aspect(value, where: str = "aspect") -> tuple[int, int]:
    """"16:9" (or "16x9", "16/9", (16, 9)) -> (16, 9); between 1:4 and 4:1."""
    if isinstance(value, (tuple, list)) and len(value) == 2:
        value = f"{value[0]}:{value[1]}"
    m = re.fullmatch(r"\s*(\d+)\s*[:/xX]\s*(\d+)\s*", str(value))
    if not m or int(m.group(1)) <= 0 or int(m.group(2)) <= 0:
        raise InputError(f"bad {where} {value!r}; accepted: W:H with positive integers, e.g. 16:9, 9:16, 1:1")
    w, h = int(m.group(1)), int(m.group(2))
    if max(w / h, h / w) > MAX_ASPECT_RATIO:
        raise InputError(f"bad {where} {value!r}; accepted: a ratio between 1:4 and 4:1")
    return w, h


def check_fps(value, where: str = "fps") -> int:
    lo, hi = FPS_RANGE
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise InputError(f"bad {where} {value!r}; accepted: an integer {lo}..{hi}")
    return value


def check_pace(value, where: str = "pace") -> float:
    lo, hi = PACE_RANGE
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= float(value) <= hi:
        raise InputError(f"bad {where} {value!r}; accepted: a number {lo:g}..{hi:g} (duration multiplier)")
    return float(value)


def parse_resolution(text, where: str = "resolution") -> tuple[int, int]:
    """'1920x1080' -> (1920, 1080); each side MIN_SIDE..MAX_SIDE pixels."""
    m = re.fullmatch(r"\s*(\d+)\s*[xX×]\s*(\d+)\s*", text or "")
    if not m:
        raise InputError(f"bad {where} {text!r}; accepted: WIDTHxHEIGHT, e.g. 1920x1080")
    w, h = int(m.group(1)), int(m.group(2))
    if not (MIN_SIDE <= w <= MAX_SIDE and MIN_SIDE <= h <= MAX_SIDE):
        raise InputError(f"bad {where} {text!r}; accepted: each side {MIN_SIDE}..{MAX_SIDE} pixels")
    return w, h
