"""Tokenizer of the sort vocabulary: A, B, C <-> 0, 1, 2."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from llmreel.core.errors import InputError
from llmreel.model.tokenizer import VOCAB, decode, encode

letters = st.text(alphabet="ABC", min_size=1, max_size=20)


@given(letters)
def test_round_trip(text):
    assert decode(encode(text)) == text


@given(letters, st.data())
def test_case_and_spaces_are_ignored(text, data):
    mixed = "".join(c.lower() if data.draw(st.booleans()) else c for c in text)
    spaced = " ".join(mixed)
    assert encode(spaced) == encode(text) == [VOCAB.index(c) for c in text]


def test_examples():
    assert encode("CBABBC") == encode("C B A B B C") == encode("cbabbc") == [2, 1, 0, 1, 1, 2]
    assert decode([0, 1, 1, 1, 2, 2]) == "ABBBCC"


@pytest.mark.parametrize("bad,match", [("CBAD", "'D'"), ("", "empty"), ("   ", "empty"), ("AB-C", "'-'"),
                                       ("ÄBC", "invalid")])
def test_bad_text(bad, match):
    with pytest.raises(InputError, match=match):
        encode(bad)


@given(st.text(alphabet="ABC", min_size=1, max_size=12))
def test_length_is_enforced(text):
    if len(text) == 6:
        assert len(encode(text, length=6)) == 6
    else:
        with pytest.raises(InputError, match="expected exactly 6"):
            encode(text, length=6)


def test_decode_rejects_ids_outside_vocab():
    with pytest.raises(InputError):
        decode([0, 3])
