"""Time to read a caption: the one rule every beat's length keeps (storyboard.min_frames).

A caption stays on screen at least max(2 s, words / 2.5 per s); in a formula each number is a word
("0.0097 + −0.45 = −0.44" is five: three numbers and two operators). Korean is read at most 12
characters a second, Latin letters, digits, spaces and punctuation counting half. A caption shown in
both languages needs the longer of the two. Reading minimums win over the pace (a fast pace shortens a
beat down to them, never below).
"""
from __future__ import annotations

import re
import unicodedata

MIN_SECONDS = 2.0
WORDS_PER_SECOND = 2.5
KO_CHARS_PER_SECOND = 12.0
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_OPERATORS = set("+−-=×÷·/<>→√Σ%")


def words(text: str) -> int:
    """Words as read: whitespace-separated pieces with a letter, digit or operator in them; a piece
    holding several numbers ("48×48", "A=0,") counts each number."""
    n = 0
    for piece in text.split():
        if any(c.isalnum() or c in _OPERATORS for c in piece):
            n += max(1, len(_NUMBER.findall(piece)))
    return n


def korean_chars(text: str) -> float:
    """Characters a Korean reader spends time on: Hangul (and any other script) 1, Latin letters,
    digits, spaces, punctuation and symbols half."""
    return sum(0.5 if _light(c) else 1.0 for c in text)


def _light(c: str) -> bool:
    return (c.isascii() and (c.isalnum() or c.isspace())) or c.isspace() or \
        unicodedata.category(c)[0] in "PS"


def reading_seconds(text: str, language: str) -> float:
    """Shortest time `text` may stay on screen in `language` ("ko": by characters, else by words)."""
    if language == "ko":
        return max(MIN_SECONDS, korean_chars(text) / KO_CHARS_PER_SECOND)
    return max(MIN_SECONDS, words(text) / WORDS_PER_SECOND)


def caption_seconds(caption: dict[str, str]) -> float:
    """Shortest time a caption ({language: text}) may stay on screen: the slowest language's."""
    return max((reading_seconds(t, lang) for lang, t in caption.items()), default=MIN_SECONDS)
