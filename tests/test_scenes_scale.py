"""The scale chapter (scenes/scale.py, scenes/beats_scale.py): the four models at true relative size, their
parameter counts from model/config.py, the pull-back from nano-gpt to GPT-3, and the chapter inside any
story (apart from the wall of blocks, each camera seeing only its own)."""
from __future__ import annotations

import numpy as np
import pytest

from llmreel.model.config import PRESETS, n_params
from llmreel.scenes.hud import DEPTH_SPAN
from llmreel.scenes.legibility import block_screen
from llmreel.scenes.plan import plan_scene
from llmreel.scenes.scale import MODELS, count_en, count_ko, fields, model_params
from llmreel.scenes.screen import Cameras, overlaps


@pytest.fixture(scope="module")
def spec():
    return plan_scene("scale")


def test_counts_are_computed_from_the_configs():
    assert [count_en(model_params(p)) for _, p, _ in MODELS] == ["85,728", "124M", "1.56B", "175B"]
    assert model_params("nano-sort") == n_params(PRESETS["nano-sort"]) == 85_728          # head untied
    assert model_params("gpt2") == 124_439_808                                             # head tied
    assert [count_ko(model_params(p)) for _, p, _ in MODELS] == ["8만 5,728", "1억 2,400만", "15억 6,000만",
                                                                "1,750억"]
    f = fields()
    assert f["gpt3_layers"] == "96" and f["gpt3_width"] == "12,288" and f["ratio"] == "2.04 million"


def test_captions_and_labels_name_each_model_and_its_count(spec):
    caps = [b.caption for b in spec.beats]
    assert [b.id for b in spec.beats] == ["scale.nano", "scale.gpt2", "scale.gpt2-xl", "scale.gpt3"]
    for cap, (_, preset, name) in zip(caps, MODELS):
        assert name in cap["en"] and count_en(model_params(preset)) in cap["en"]
        assert name in cap["ko"] and count_ko(model_params(preset)) in cap["ko"]
    assert "GPT-3은" in caps[3]["ko"] and "GPT-2 XL은" in caps[2]["ko"]             # 삼 -> 은, 엘 -> 은
    texts = {l.text["en"] for l in spec.labels}
    assert {"nano-gpt", "85,728 parameters", "GPT-3", "175B parameters"} <= texts


def test_area_on_screen_is_the_parameter_count_at_one_pitch(spec):
    """Every model's slabs cover (in world units, at one shared size per parameter) its parameter count
    less its biases and layer-norm scales and shifts (nano-gpt: 1,968 of 85,728; GPT-3: 0.001%); its own
    coordinates stay small."""
    per_cell = {s.scale / PRESETS[p].n_embd for s, (_, p, _) in zip(spec.solids, MODELS)}
    assert max(per_cell) / min(per_cell) - 1 < 1e-9                                      # one pitch for all
    cell = per_cell.pop()
    for s, (_, preset, _) in zip(spec.solids, MODELS):
        b = s.boxes.astype(np.float64)
        area = np.sum((b[:, 3] - b[:, 0]) * (b[:, 5] - b[:, 2])) * s.scale ** 2 / cell ** 2
        cfg = PRESETS[preset]
        weights = model_params(preset) - cfg.n_layer * 13 * cfg.n_embd - 2 * cfg.n_embd     # the matrices
        assert abs(area / weights - 1) < 1e-6, (s.id, area, weights)
        assert np.abs(s.boxes).max() < 200, s.id                                       # local units: C cells


def test_camera_pulls_back_from_nano_gpt_until_gpt3_fills_the_frame(spec):
    frames = np.arange(spec.meta.frame_start, spec.meta.frame_end + 1, dtype=np.float64)
    cams = Cameras(spec.camera, frames)
    dist = np.linalg.norm(cams.location - cams.target, axis=1)
    assert np.all(np.diff(dist) >= -1e-9 * dist[1:])                                    # never comes closer
    assert dist[-1] / dist[0] > 1000
    xy, on = block_screen(spec.solids, cams, spec.meta.aspect, frames)
    width, height = xy[..., 1] - xy[..., 0], xy[..., 3] - xy[..., 2]
    assert width[0, 0] > 0.55 and width[-1, 3] > 0.55 and height[-1, 3] > 0.45    # nano-gpt first, GPT-3 last
    assert width[-1, :3].sum() < 0.1                                    # the others beside it, small
    nano = spec.beats[0]
    seen = (xy[..., 4] > 0) & overlaps(xy, np.array([[0.0, 1.0, 0.0, 1.0]]))[..., 0]
    assert not seen[nano.first_frame - 1:nano.last_frame, 1:].any()     # it starts on nano-gpt alone
    gpt2 = next(b for b in spec.beats if b.id == "scale.gpt2")
    assert width[gpt2.arrive - 1, 1] > 0.55 and width[gpt2.arrive - 1, 0] < 0.05
    # the HUD plane, its clip start and the background keep in step with the distance: one depth ratio
    m = np.array([v for _, v in spec.hud.scale])
    assert len(m) == len(spec.camera) and m[0] == 1.0 and m[-1] > 10
    d = np.array([np.linalg.norm(np.subtract(k.location, k.target)) for k in sorted(spec.camera, key=lambda k: k.frame)])
    assert (d / m).max() / (d / m).min() <= DEPTH_SPAN * (1 + 1e-9)


def test_scale_chapter_ends_any_story_apart_from_its_wall(tmp_path):
    """attention_only with the scale chapter after it: the models stand above the wall, so no shot of the
    wall shows a model and no shot of the models shows a block."""
    text = open(plan_scene.__globals__["load_story"]("attention_only").path, encoding="utf-8").read()
    p = tmp_path / "s.toml"
    p.write_text(text + '\n[[chapter]]\nslug = "scale"\n', encoding="utf-8")
    s = plan_scene(p)
    assert [c.slug for c in s.chapters][-1] == "scale" and len(s.solids) == 4 and s.blocks
    start = s.chapter("scale").first_frame
    frames = np.arange(s.meta.frame_start, s.meta.frame_end + 1, 2, dtype=np.float64)
    cams = Cameras(s.camera, frames)
    for things, when in ((s.solids, frames < start), (s.blocks, frames >= start)):
        xy, on = block_screen(things, cams, s.meta.aspect, frames)
        seen = on & (xy[..., 4] > 0) & overlaps(xy, np.array([[0.0, 1.0, 0.0, 1.0]]))[..., 0]
        assert not seen[when].any(), frames[when][seen[when].any(1)][:5]
    assert s.beats[-1].caption["en"] == plan_scene("scale").beats[-1].caption["en"]


def test_a_scale_beat_focus_names_a_model(tmp_path):
    from llmreel.core.errors import InputError
    p = tmp_path / "s.toml"
    p.write_text('name = "s"\n[[chapter]]\nslug = "scale"\n[chapter.beat.gpt2]\nfocus = ["wte.weight"]\n',
                 encoding="utf-8")
    with pytest.raises(InputError, match="scale:gpt2-xl"):
        plan_scene(p)
    p.write_text('name = "s"\n[[chapter]]\nslug = "scale"\nbeats = ["nano", "gpt3"]\n'
                 '[chapter.beat.gpt3]\nfocus = ["scale:gpt2-xl"]\n', encoding="utf-8")
    s = plan_scene(p)                                    # a cut straight from nano-gpt out to GPT-2 XL
    assert [b.focus for b in s.beats] == [["scale:nano"], ["scale:gpt2-xl"]]
