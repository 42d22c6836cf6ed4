"""Tokenizer of the sort task: the letters A, B, C <-> token ids 0, 1, 2."""
from __future__ import annotations

from llmreel.core.errors import InputError

VOCAB = ("A", "B", "C")
_ID = {ch: i for i, ch in enumerate(VOCAB)}


def encode(text: str, *, length: int | None = None) -> list[int]:
    """"CBABBC", "C B A B B C" or "cbabbc" -> [2, 1, 0, 1, 1, 2]. Spaces are ignored, case is not.

    `length`: the exact number of letters required (InputError otherwise)."""
    if not isinstance(text, str):
        raise InputError(f"expected a string of the letters {'/'.join(VOCAB)}, got {type(text).__name__}")
    letters = "".join(text.split()).upper()
    bad = sorted({ch for ch in letters if ch not in _ID})
    if bad:
        raise InputError(f"invalid letter(s) {''.join(bad)!r} in {text!r}; accepted letters: "
                         f"{', '.join(VOCAB)} (case-insensitive, spaces ignored)")
    if not letters:
        raise InputError(f"empty input; expected letters from {', '.join(VOCAB)}, e.g. CBABBC")
    if length is not None and len(letters) != length:
        raise InputError(f"{text!r} has {len(letters)} letter(s); expected exactly {length} "
                         f"letters from {', '.join(VOCAB)}, e.g. CBABBC")
    return [_ID[ch] for ch in letters]


def decode(ids) -> str:
    """[0, 1, 1, 1, 2, 2] -> "ABBBCC"."""
    out = []
    for i in ids:
        i = int(i)
        if not 0 <= i < len(VOCAB):
            raise InputError(f"token id {i} is outside the vocabulary 0..{len(VOCAB) - 1}")
        out.append(VOCAB[i])
    return "".join(out)
