"""Korean particles chosen for the word they follow, as it is read aloud (을/를, 이/가, 은/는, 과/와, 으로/로).

A particle's form depends on whether the word's last syllable ends in a consonant (받침): 블록 0은 (영),
헤드 2는 (이), A를 (에이), 60%로 (퍼센트). Digits are read in Sino-Korean, a number ending in zeros by its
unit (10 십, 100 백, 1000 천, 10000 만; after a decimal point digit by digit), Latin capitals by their Korean names, % as 퍼센트.
"""
from __future__ import annotations

PAIRS = {"을/를": ("을", "를"), "이/가": ("이", "가"), "은/는": ("은", "는"), "과/와": ("과", "와"),
         "으로/로": ("으로", "로")}
_RIEUL = 8                                   # index of ㄹ among the final consonants of a Hangul syllable
# the final consonant index of each digit as read alone (0: none): 영 일 이 삼 사 오 육 칠 팔 구
_DIGIT_FINAL = {"0": 21, "1": _RIEUL, "2": 0, "3": 16, "4": 0, "5": 0, "6": 1, "7": _RIEUL, "8": _RIEUL, "9": 0}
_UNIT_FINAL = {1: 17, 2: 1, 3: 4, 4: 4}     # 십 (ㅂ), 백 (ㄱ), 천 (ㄴ), 만 (ㄴ)
_LATIN_FINAL = {"L": _RIEUL, "M": 16, "N": 4, "R": _RIEUL}   # 엘 엠 엔 알; every other capital ends in a vowel
_SKIP = " )]}>|'\"’”.,"          # closing marks, read past ("<|endoftext|>" reads as its word)


def final_consonant(word: str) -> int:
    """The final-consonant index (0 = none, 8 = ㄹ, as in Unicode's Hangul syllable table) of `word` read aloud."""
    text = word.rstrip(_SKIP)
    if not text:
        raise ValueError(f"no word to attach a particle to in {word!r}")
    last = text[-1]
    if "가" <= last <= "힣":
        return (ord(last) - 0xAC00) % 28
    if last == "%":
        return 0                                                                       # 퍼센트
    if last.isdigit():
        digits = _number_tail(text)
        zeros = len(digits) - len(digits.rstrip("0"))
        decimal = text[:len(text) - len(digits)].endswith(".")      # 1.50: 일 점 오 영, digit by digit
        if zeros and digits.strip("0") and not decimal:
            return _UNIT_FINAL.get(min(zeros, 4), 4)
        return _DIGIT_FINAL[last]
    if last.isascii() and last.isalpha():
        return _LATIN_FINAL.get(last.upper(), 0)
    raise ValueError(f"cannot tell how {word!r} ends when read aloud")


def _number_tail(text: str) -> str:
    """The integer digits at the end of text ("3.50" -> "50", "A10" -> "10")."""
    i = len(text)
    while i and text[i - 1].isdigit():
        i -= 1
    return text[i:]


def pair_of(spec: str) -> str | None:
    """The PAIRS key a template's particle spec names, in either order ("를/을", "와/과" too); None if none."""
    forms = tuple(spec.split("/"))
    return next((k for k, v in PAIRS.items() if forms in (v, v[::-1])), None)


def particle(word: str, pair: str) -> str:
    """word followed by the form of `pair` ("을/를", ...) that fits it: particle("헤드 0", "은/는") -> "헤드 0은"."""
    pair = pair_of(pair) or pair
    after_consonant, after_vowel = PAIRS[pair]
    final = final_consonant(word)
    if pair == "으로/로":
        return word + (after_consonant if final not in (0, _RIEUL) else after_vowel)
    return word + (after_consonant if final else after_vowel)
