"""Story files: the shipped cuts load and plan; bad keys and values are one clear InputError."""
from __future__ import annotations

import numpy as np
import pytest

from llmreel.core.errors import InputError
from llmreel.scenes.plan import plan_scene
from llmreel.scenes.story import DEFAULT_STORY, list_stories, load_story
from llmreel.scenes.storyboard import CHAPTER_SLUGS
from llmreel.scenes.themes import THEMES


def test_shipped_stories_load():
    assert {"sort_explainer", "attention_only"} <= set(list_stories())
    s = load_story(None)
    assert s.path == str(DEFAULT_STORY) and s.input == "CBABBC" and s.fps == 30 and s.aspect == (16, 9)
    assert [c.slug for c in s.chapters] == [c for c in CHAPTER_SLUGS if c != "scale"]     # all but "to scale"
    assert [c.slug for c in load_story("scale").chapters] == ["scale"]
    a = load_story("attention_only")
    assert [c.slug for c in a.chapters] == ["introduction", "self-attention", "projection"]
    assert load_story(DEFAULT_STORY).name == "sort_explainer"


def _story(tmp_path, text: str):
    p = tmp_path / "s.toml"
    p.write_text(text, encoding="utf-8")
    return p


GOOD = 'name = "t"\n[[chapter]]\nslug = "introduction"\n'


@pytest.mark.parametrize("text,needle", [
    ('colour = "red"\n' + GOOD, "unknown key 'colour'"),
    (GOOD + 'speed = 2\n', "unknown key 'speed'"),
    ('name = "t"\n[[chapter]]\nslug = "intro"\n', "bad chapter slug 'intro'"),
    ('fps = 0\n' + GOOD, "fps"),
    ('fps = "30"\n' + GOOD, "fps"),
    ('aspect = "wide"\n' + GOOD, "aspect"),
    ('pace = 9\n' + GOOD, "pace"),
    ('theme = "neon"\n' + GOOD, "theme"),
    ('language = "fr"\n' + GOOD, "language"),
    (GOOD + 'beats = ["overview", "task"]\n', "order"),
    (GOOD + 'beats = ["nope"]\n', "beats"),
    (GOOD + 'seconds = { task = -1 }\n', "seconds.task"),
    (GOOD + 'loop_seconds = 3\n', "loop_seconds"),
    (GOOD + '[chapter.captions.task]\nfr = "x"\n', "unknown key 'fr'"),
    ('name = "t"\n[[chapter]]\nslug = "mlp"\n[[chapter]]\nslug = "embedding"\n', "order"),
    ('name = "t"\n', "chapter"),
    ('name = \n', "not valid TOML"),
])
def test_bad_story_is_one_clear_error(tmp_path, text, needle):
    with pytest.raises(InputError) as e:
        load_story(_story(tmp_path, text))
    assert needle in str(e.value) and "\n" not in str(e.value)


def test_unknown_story_names_the_choices():
    with pytest.raises(InputError, match="sort_explainer"):
        load_story("no_such_story")
    with pytest.raises(InputError, match="not found"):
        load_story("/tmp/definitely/missing.toml")


def test_bad_caption_placeholder_and_bad_input(tmp_path):
    p = _story(tmp_path, GOOD + '[chapter.captions.task]\nen = "Input {inptu}"\n')
    with pytest.raises(InputError, match="inptu"):
        plan_scene(p)
    with pytest.raises(InputError):
        plan_scene(input="CBABBX")
    with pytest.raises(InputError):
        plan_scene(input="CBA")


def test_attention_only_cut():
    spec = plan_scene("attention_only")
    assert [c.slug for c in spec.chapters] == ["introduction", "self-attention", "projection"]
    att = spec.chapter("self-attention")
    # the skipped embedding / layer norm steps run quickly at the start of the attention chapter
    assert "embed.out" in att.tensors and "h0.ln_1" in att.tensors and "h0.attn.probs" in att.tensors
    for b in spec.blocks:
        if b.role == "weight":
            continue
        lit = b.t_on[np.isfinite(b.t_on)]
        if b.chapter in ("self-attention", "projection"):
            ch = spec.chapter(b.chapter)
            assert lit.size and lit.min() >= ch.first_frame and lit.max() <= ch.last_frame, b.id
        else:
            assert lit.size == 0, b.id                  # never reached in this cut
    residual = next(k for k in spec.captions if k.first_frame == spec.chapter("projection").beats[1].first_frame)
    assert residual.text["en"].startswith("Added to the residual stream, the running numbers of each position")


def test_pace_and_fps_scale_the_timeline():
    base = plan_scene()
    slow = plan_scene(pace=2.0)
    assert 1.7 < slow.meta.frame_end / base.meta.frame_end < 2.1
    fast24 = plan_scene(fps=24)
    assert fast24.meta.fps == 24
    assert abs(fast24.meta.frame_end / 24 - base.meta.frame_end / 30) < 0.06 * base.meta.frame_end / 30


def test_themes_keep_roles_apart_and_signs_readable():
    for name in ("dark", "light"):
        th = THEMES[name]
        pos = {r: np.asarray(th.pos[r]) for r in ("weight", "activation", "aggregate", "residual")}
        assert pos["weight"][2] > pos["weight"][1]               # blue weights
        assert pos["activation"][1] > pos["activation"][0]       # green activations
        assert pos["aggregate"][0] > pos["aggregate"][2]         # yellow aggregates
        c = th.cell_colors("activation", np.array([-1.0, 0.0, 1.0]), 1.0)
        assert not np.allclose(c[0], c[2]) and np.allclose(c[1], th.zero["activation"])
    assert plan_scene(theme="light").theme.name == "light"


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from llmreel.scenes.beats import BEATS  # noqa: E402


@st.composite
def cuts(draw):
    """A random story: a non-empty ordered subset of chapters, each with a subset of its beats."""
    slugs = [s for s in CHAPTER_SLUGS if draw(st.booleans())] or [draw(st.sampled_from(CHAPTER_SLUGS))]
    lines = ['name = "cut"', f"pace = {draw(st.sampled_from([0.5, 1.0, 1.5]))}"]
    for slug in slugs:
        names = [b for b, _ in BEATS[slug]]
        keep = [b for b in names if draw(st.booleans())]
        if not set(keep) - {"finding", "check", "how"}:        # those show only where a finding passes
            keep = names[:1] + keep
        lines += ["[[chapter]]", f'slug = "{slug}"', "beats = [" + ", ".join(f'"{b}"' for b in keep) + "]"]
    return "\n".join(lines) + "\n"


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=cuts())
def test_any_cut_plans_in_dependency_order(tmp_path, text):
    from llmreel.model.opgraph import max_over_deps
    from llmreel.scenes.geometry import view

    spec = plan_scene(_story(tmp_path, text))
    ch = spec.chapters
    assert ch[0].first_frame == 1 and all(b.first_frame == a.last_frame + 1 for a, b in zip(ch, ch[1:]))
    # reassemble each tensor's times and check every lit cell comes >= 1 frame after its inputs
    from llmreel.scenes.inputs import load_model as _model
    from llmreel.model.gpt import generate
    cfg, params, _, _ = _model(None, None)
    _, traces = generate(params, cfg, [2, 1, 0, 1, 1, 2], 6)
    trace = traces[-1]
    times = {}
    for b in spec.blocks:
        arr = times.setdefault(b.tensor, np.full(trace[b.tensor].shape, np.nan))
        view(arr, b.index_prefix, b.axis_range, b.transpose)[...] = b.t_on
    for name, t in trace.tensors.items():
        if t.role == "weight":
            continue
        dep = max_over_deps(trace, name, times)
        if name not in times:                                  # merged: as early as possible
            times[name] = dep
            continue
        on = times[name]
        lit = np.isfinite(on)
        assert not np.any(lit & (dep == np.inf)), name
        has = lit & np.isfinite(dep)
        assert np.all(on[has] >= dep[has] + 1 - 1e-3), name
        if lit.any():
            assert on[lit].min() >= 1 and on[lit].max() <= spec.meta.frame_end


def test_a_cut_that_shows_no_beat_is_one_clear_error(tmp_path):
    p = _story(tmp_path, 'name = "cut"\n[[chapter]]\nslug = "self-attention"\nbeats = ["check"]\n')
    with pytest.raises(InputError, match=r"^story cut: its cut shows no beat for this model and input; accepted"):
        plan_scene(p)
