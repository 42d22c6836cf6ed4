"""Korean particles follow the word as read aloud (core/korean.py)."""
from __future__ import annotations

import pytest

from llmreel.core.korean import particle


@pytest.mark.parametrize("word, pair, want", [
    ("헤드 0", "은/는", "헤드 0은"), ("헤드 2", "은/는", "헤드 2는"), ("헤드 1", "은/는", "헤드 1은"),
    ("블록 5", "이/가", "블록 5가"), ("6", "을/를", "6을"), ("9", "을/를", "9를"),
    ("10", "이/가", "10이"), ("20", "이/가", "20이"), ("100", "을/를", "100을"), ("1000", "이/가", "1000이"),
    ("729", "이/가", "729가"), ("1.50", "이/가", "1.50이"),
    ("A", "을/를", "A를"), ("C", "이/가", "C가"), ("L", "을/를", "L을"), ("N", "과/와", "N과"),
    ("60%", "으로/로", "60%로"), ("97%", "이/가", "97%가"),
    ("글자", "을/를", "글자를"), ("입력", "을/를", "입력을"), ("집", "으로/로", "집으로"), ("서울", "으로/로", "서울로"),
    ("7", "으로/로", "7로"), ("3", "으로/로", "3으로"), ("글자(C)", "을/를", "글자(C)를"),
])
def test_particle(word, pair, want):
    assert particle(word, pair) == want


def test_unreadable_word_is_refused():
    with pytest.raises(ValueError):
        particle("", "을/를")
    with pytest.raises(ValueError):
        particle("→", "을/를")
