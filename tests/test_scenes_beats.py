"""Beats: one definition per beat (beats.py), shots independent of the rest of the cut, and a story
file's per-beat overrides ([chapter.beat.<name>]: seconds, caption, focus, shot)."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from llmreel.core.errors import InputError
from llmreel.scenes.beats import BEATS, CHAPTER_BEATS, beat_def, canonical_beats
from llmreel.scenes.camera import fill_fraction
from llmreel.scenes.inputs import load_model
from llmreel.scenes.plan import plan_scene, plan_timeline
from llmreel.scenes.shots import focus_bounds
from llmreel.scenes.storyboard import CHAPTER_SLUGS, SIDES

FILM = [slug for slug in CHAPTER_SLUGS if slug != "scale"]      # the default story's chapters
ALL = [(slug, name) for slug in FILM for name, _ in BEATS[slug]]


@pytest.fixture(scope="module")
def full():
    return plan_scene()


def _story(tmp_path, text: str):
    p = tmp_path / "s.toml"
    p.write_text('name = "t"\n' + text, encoding="utf-8")
    return p


def _cut(drop: set[tuple[str, str]]) -> str:
    """A story of every beat but `drop` (chapters left empty are left out)."""
    lines = []
    for slug in FILM:
        keep = [n for n, _ in BEATS[slug] if (slug, n) not in drop]
        if keep:
            lines += ["[[chapter]]", f'slug = "{slug}"', "beats = [" + ", ".join(f'"{b}"' for b in keep) + "]"]
    return "\n".join(lines) + "\n"


def shots_by_beat(spec) -> dict[str, list[tuple[np.ndarray, float]]]:
    """Beat id -> its camera keys as (unit direction from target to camera, lens)."""
    out = {}
    for b in spec.beats:
        keys = spec.camera_keys(b)
        assert len(keys) >= 2 and [k.frame for k in keys] == sorted(k.frame for k in keys), b.id
        out[b.id] = [((d := np.subtract(k.location, k.target)) / np.linalg.norm(d), k.lens) for k in keys]
    assert sum(map(len, out.values())) == len(spec.camera)
    return out


def test_every_beat_is_defined_once_with_everything():
    for slug, defs in CHAPTER_BEATS.items():
        assert len({d.name for d in defs}) == len(defs)
        for d in defs:
            assert d.chapter == slug and d.seconds > 0 and all(d.caption) and len(d.caption) == 2
    cfg, _, _, _ = load_model(None, None)
    ids = [b.id for b in canonical_beats(cfg, 6, 6)]
    assert len(ids) == len(set(ids))
    assert beat_def("self-attention", "softmax").shot.side == 0.1


def test_a_beats_shot_is_its_own(full):
    """Every beat's camera looks along its own shot's direction: its side angle at the first and last key
    (the whole model from the three-quarter side on the side the shot names), from at least its rise
    (higher for a tall subject), through its lens; a whole-model shot that closes in on numbers (an output
    pass landing on the answer so far) turns to face them by its last key; a close-up whose far labels
    perspective shrinks may look FLAT times as squarely, at both keys alike."""
    from llmreel.scenes.shots import FLAT, LAND_RISE, LAND_SIDE, WHOLE_SIDE

    planned = {b.id: b.shot for b in plan_timeline().beats}          # the default story overrides no shot
    kinds = {b.id: b.shot for b in full.beats}
    numbers = {b.id for b in full.beats for v in full.value_texts
               if v.frames[0] <= b.last_frame and v.frames[1] >= b.first_frame}
    landed = flattened = 0
    for bid, keys in shots_by_beat(full).items():
        shot = planned[bid]
        sides, rises = shot.sides(full.meta.aspect), (shot.rise, shot.rise)
        if kinds[bid] == "establishing":
            s0 = WHOLE_SIDE if shot.side >= 0 else -WHOLE_SIDE
            sides = (s0, s0 + sides[1] - sides[0])
            if bid in numbers:
                sides, rises = (sides[0], sides[1] * LAND_SIDE), (shot.rise, max(shot.rise, LAND_RISE))
                landed += 1
        d0 = keys[0][0]
        if kinds[bid] == "close-up" and not np.isclose(d0[0] / -d0[1], sides[0], atol=1e-9):
            sides = tuple(FLAT * s for s in sides)
            flattened += 1
        for (d, lens), side, rise in zip((keys[0], keys[-1]), sides, rises):
            assert np.isclose(d[0] / -d[1], side, atol=1e-9), bid
            assert d[2] / -d[1] >= rise - 1e-9 and lens == shot.lens, bid
    assert landed >= 5                                   # the output passes
    assert flattened < sum(k == "close-up" for k in kinds.values())   # the rest at their own side


def _check_unchanged(full, spec, dropped):
    before, after = shots_by_beat(full), shots_by_beat(spec)
    assert dropped.isdisjoint(after)
    for bid, keys in after.items():
        # its side angles and lens (how high it looks from follows the subject, which a cut may add to)
        for (d0, l0), (d1, l1) in zip((before[bid][0], before[bid][-1]), (keys[0], keys[-1])):
            assert np.isclose(d0[0] / -d0[1], d1[0] / -d1[1], atol=1e-9) and l0 == l1, \
                f"cutting {dropped} turned {bid}'s camera"


def test_cutting_earlier_beats_keeps_the_softmax_angle(full, tmp_path):
    """The attention softmax's side angle was the global beat index's (0.22, -0.12, 0.16)[i % 3]."""
    for drop in ({("introduction", "task")}, {("introduction", "task"), ("introduction", "tokens")},
                 {(slug, n) for slug in ("introduction", "embedding") for n, _ in BEATS[slug]}):
        spec = plan_scene(_story(tmp_path, _cut(drop)))
        _check_unchanged(full, spec, {f"{s}.{n}" for s, n in drop})
        d, _ = shots_by_beat(spec)["self-attention.softmax"][0]
        assert np.isclose(d[0] / -d[1], 0.1) and d[2] / -d[1] >= 0.1 - 1e-9   # its side; higher if tall


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(drop=st.sets(st.sampled_from(ALL), min_size=1, max_size=4).filter(lambda d: len(d) < len(ALL)))
@example(drop={("self-attention", "qkv")})    # moved the scores' number: its end window grew, and turned
def test_cutting_any_beat_changes_no_other_beats_shot(full, tmp_path, drop):
    spec = plan_scene(_story(tmp_path, _cut(drop)))
    _check_unchanged(full, spec, {f"{s}.{n}" for s, n in drop})


def test_expanded_beats_take_their_angle_from_their_own_index():
    cfg, _, _, _ = load_model(None, None)
    by_id = {b.id: b for b in canonical_beats(cfg, 6, 6)}
    assert [by_id[f"output.loop.{p}"].shot.side for p in range(2, 7)] == [SIDES[p % 3] for p in range(2, 7)]
    assert [by_id[f"transformer.blocks.{i}"].shot.side for i in (1, 2)] == [SIDES[2], SIDES[0]]
    short = {b.id: b for b in canonical_beats(cfg, 6, 3)}
    assert short["output.loop.3"].shot == by_id["output.loop.3"].shot


# ---- story overrides ------------------------------------------------------------------------------------

OVERRIDE = """
[[chapter]]
slug = "self-attention"
beats = ["scores", "softmax"]

[chapter.beat.softmax]
seconds = 12
caption = { en = "Softmax of {input}, once more." }
focus = ["h0.attn.probs"]
shot = { yaw = -20, pitch = 15, orbit = 5, lens = 35, fill = 0.6, framing = "whole" }
"""


def test_overrides_change_that_beat_only(tmp_path):
    spec = plan_scene(_story(tmp_path, OVERRIDE))
    plain = plan_scene(_story(tmp_path, OVERRIDE.split("\n[chapter.beat")[0]))
    scores, soft = spec.chapter("self-attention").beats
    assert soft.last_frame - soft.first_frame + 1 == 12 * 30
    assert soft.caption["en"] == "Softmax of CBABBC, once more."
    assert soft.caption["ko"] == plain.chapter("self-attention").beats[1].caption["ko"]    # ko: the default
    assert sorted(soft.focus) == [f"h0.attn.probs[{h}]" for h in range(3)]
    shots, before = shots_by_beat(spec), shots_by_beat(plain)
    assert all(np.allclose(a[0], b[0]) and a[1] == b[1] for a, b in zip(shots[scores.id], before[scores.id]))
    yaw, pitch, orbit = math.radians(-20), math.radians(15), math.radians(5)
    for (d, lens), angle in zip((shots[soft.id][0], shots[soft.id][-1]), (yaw, yaw + orbit)):
        assert lens == 35.0
        assert math.atan2(d[0], -d[1]) == pytest.approx(angle, abs=1e-9)                 # yaw, then orbited
    d = shots[soft.id][0][0]
    assert math.asin(d[2]) == pytest.approx(pitch, abs=1e-9)                             # pitch at the start
    # fill: the subject spans about 0.6 of what it spans without the override (same caption lines)
    lo, hi = focus_bounds(spec.blocks, spec.labels, spec.value_texts, soft.focus, (soft.first_frame, soft.last_frame))
    w, h, inside = fill_fraction(spec.camera_keys(soft)[-1], lo, hi, spec.meta.aspect)
    assert inside and max(w, h) < 0.7


def test_framing_whole_never_pans(tmp_path):
    """"auto" pans down a subject much taller than the frame (the whole model in the loop), showing part of
    it at each key; "whole" keeps all of it in view at every key."""
    text = '[[chapter]]\nslug = "output"\n'

    def whole_in_view(s) -> dict[str, bool]:
        out = {}
        for i, b in enumerate(s.chapter("output").beats):
            lo, hi = focus_bounds(s.blocks, s.labels, s.value_texts, b.focus, (b.first_frame, b.last_frame))
            out[b.id] = all(fill_fraction(k, lo, hi, s.meta.aspect)[2] for k in s.camera_keys(b))
        return out

    auto = whole_in_view(plan_scene(_story(tmp_path, text)))
    assert not auto["output.loop.2"]
    whole = whole_in_view(plan_scene(_story(tmp_path, text + '[chapter.beat.loop]\nshot = { framing = "whole" }\n')))
    assert all(v for k, v in whole.items() if ".loop." in k)


@pytest.mark.parametrize("text,needle", [
    ('[chapter.beat.soft]\nseconds = 5\n', "beat: unknown key 'soft'; accepted: why, heads, qkv, keys, values, scores, softmax, mix"),
    ('[chapter.beat.softmax]\nsecs = 5\n', "beat.softmax: unknown key 'secs'; accepted: seconds, caption, focus, shot"),
    ('[chapter.beat.softmax]\nseconds = 500\n', "beat.softmax.seconds = 500; accepted: a number 0.5..120"),
    ('[chapter.beat.softmax]\ncaption = { fr = "x" }\n', "unknown key 'fr'; accepted: en, ko"),
    ('[chapter.beat.softmax]\nfocus = []\n', "beat.softmax.focus = []; accepted: a non-empty list of tensor names"),
    ('[chapter.beat.softmax]\nshot = { zoom = 2 }\n', "shot: unknown key 'zoom'; accepted: yaw, pitch, orbit, lens, fill, framing"),
    ('[chapter.beat.softmax]\nshot = { yaw = 90 }\n', "shot.yaw = 90; accepted: a number -60..60"),
    ('[chapter.beat.softmax]\nshot = { lens = "wide" }\n', "shot.lens = 'wide'; accepted: a number 10..300"),
    ('[chapter.beat.softmax]\nshot = { framing = "tight" }\n', "shot.framing = 'tight'; accepted: auto, whole"),
    ('seconds = { softmax = 5 }\n[chapter.beat.softmax]\nseconds = 6\n', "also set in the chapter's seconds table"),
    ('beat = 3\n', "beat must be a table of beat tables"),
])
def test_bad_overrides_are_one_line(tmp_path, text, needle):
    with pytest.raises(InputError) as e:
        plan_scene(_story(tmp_path, '[[chapter]]\nslug = "self-attention"\n' + text))
    assert needle in str(e.value) and "\n" not in str(e.value)


def test_unknown_focus_tensor_is_refused_at_planning(tmp_path):
    with pytest.raises(InputError, match=r"beat self-attention.softmax focus: unknown tensor 'h9.attn.q'; "
                                         r"accepted: \"\*\" \(the whole model\) or tensors or block ids shown as blocks"):
        plan_scene(_story(tmp_path, '[[chapter]]\nslug = "self-attention"\n[chapter.beat.softmax]\n'
                                    'focus = ["h0.attn.q", "h9.attn.q"]\n'))


def test_old_style_overrides_still_work():
    """attention_only sets seconds and a caption in the chapter's seconds / captions tables."""
    spec = plan_scene("attention_only")
    qkv = next(b for b in spec.chapter("self-attention").beats if b.id == "self-attention.qkv")
    assert qkv.caption["en"].startswith("Position 5's numbers times head 0's query weights")
    assert qkv.last_frame - qkv.first_frame + 1 == round(9 * 1.1 * 30)
