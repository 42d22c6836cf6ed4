"""Time to read (scenes/reading.py): every caption of every story stays on screen long enough to read in
both languages, at any pace and input; the default film stays under six minutes."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmreel.scenes.plan import plan_timeline
from llmreel.scenes.reading import caption_seconds, korean_chars, reading_seconds, words
from llmreel.scenes.story import list_stories
from tiny_gpt2 import story_kwargs

MAX_FILM_SECONDS = 6 * 60


@pytest.mark.parametrize("text, n", [
    ("Layer norm again, now before the MLP.", 7),
    ("Token plus position: −0.016 + 0.025 = 0.0097.", 8),          # three numbers, two operators
    ("projected by a 48 by 48 weight matrix", 8), ("a 48×48 matrix", 4),
    ("A=0, B=1, C=2.", 3), ("The answer — ABBBCC.", 3), ("", 0),
])
def test_words_count_each_number(text, n):
    assert words(text) == n


def test_korean_counts_latin_digits_spaces_and_punctuation_half():
    assert korean_chars("정렬") == 2 and korean_chars("A 1.") == 2 and korean_chars("블록 2는") == 4
    assert reading_seconds("짧다", "ko") == 2.0                    # never under 2 s
    assert reading_seconds("가" * 36, "ko") == 3.0                  # 12 characters a second
    assert reading_seconds(" ".join(["word"] * 10), "en") == 4.0     # 2.5 words a second
    assert caption_seconds({"en": "Short.", "ko": "가" * 60}) == 5.0   # the slower language sets it


@pytest.mark.parametrize("pace", [0.5, 1.0, 2.0])
@pytest.mark.parametrize("story", list_stories())
@settings(max_examples=6, deadline=None)
@given(letters=st.text(alphabet="ABC", min_size=6, max_size=6), fps=st.sampled_from([12, 24, 30]))
def test_every_caption_stays_long_enough_to_read(story, pace, letters, fps):
    """The reading minimum wins over the pace: even at pace 0.5 no caption goes before it is read."""
    run = plan_timeline(story, pace=pace, fps=fps, **story_kwargs(story, letters))
    for b in run.beats:
        shown = (b.last_frame - b.first_frame + 1) / fps
        for lang, text in b.caption.items():
            need = reading_seconds(text, lang)
            assert shown >= need, (story, pace, fps, b.id, lang, text, f"{shown:.2f} s < {need:.2f} s")


def test_default_film_stays_under_six_minutes():
    run = plan_timeline(pace=1.0)
    seconds = (run.beats[-1].last_frame - run.beats[0].first_frame + 1) / run.fps
    print(f"default film: {seconds:.1f} s")
    assert seconds < MAX_FILM_SECONDS, f"the default film lasts {seconds:.1f} s (limit {MAX_FILM_SECONDS} s)"
    assert seconds > 60, f"the default film lasts {seconds:.1f} s"
