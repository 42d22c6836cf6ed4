"""scenes/fcurve.py evaluates keys as Blender does: random keys (uneven spacing, peaks, plateaus, runs,
auto / auto-clamped / vector handles, Bezier / linear segments) keyed by the add-on's animate.key with
the camera's smoothing, compared with Blender's own F-curve evaluation at many frames."""
from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.bpy


def test_planner_easing_is_blenders(bpy_factory):
    bpy = bpy_factory
    from llmreel.blender_addon import animate
    from llmreel.scenes import fcurve

    rng = np.random.default_rng(1)
    worst = 0.0
    for trial in range(120):
        n = int(rng.integers(2, 9))
        x = np.cumsum(rng.integers(1, 120, n)).astype(float)
        y = np.round(rng.normal(0, 5, n), 2)
        if trial % 3 == 0:
            y = np.sort(y)                                                 # a monotone run
        if trial % 5 == 0 and n > 3:
            y[2] = y[1]                                                    # a plateau
        types = list(rng.choice(["AUTO_CLAMPED", "AUTO", "VECTOR"], n)) if trial % 4 == 0 else ["AUTO_CLAMPED"] * n
        interp = list(rng.choice(["BEZIER", "LINEAR"], n)) if trial % 7 == 0 else ["BEZIER"] * n
        ob = bpy.data.objects.new("eased", None)
        fc = animate.key(ob, "location", x, y, interpolation=interp, handles=types, smoothing=fcurve.SMOOTHING)
        f = np.linspace(x[0] - 3, x[-1] + 3, 200)
        real = np.array([fc.evaluate(v) for v in f])
        mine = fcurve.evaluate(x, y, f, interp, types)
        worst = max(worst, float(np.abs(real - mine).max() / (np.ptp(y) + 1e-9)))
        bpy.data.objects.remove(ob)
    assert worst < 1e-4, worst
