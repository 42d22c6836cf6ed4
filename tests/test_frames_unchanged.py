"""The picture is pinned: frames of the default story rendered now equal the reference PNGs rendered
from the commit before the house restructuring (tests/frames_reference.py). A deliberate picture change
renews the references in the same commit."""
from __future__ import annotations

import numpy as np
import pytest

import frames_reference as ref

pytestmark = [pytest.mark.bpy, pytest.mark.slow]


def test_frames_match_references(bpy_factory, tmp_path):
    bpy = bpy_factory
    got = ref.render_all(tmp_path)
    want = sorted(p.name for p in ref.REFERENCE.glob("*.png"))
    assert want and sorted(got) == want, "the frame list changed: renew tests/reference_frames"
    differ = []
    for name in want:
        a, b = ref.load_png(bpy, ref.REFERENCE / name), ref.load_png(bpy, got[name])
        if a.shape != b.shape or not np.array_equal(a, b):
            n = int((a != b).any(axis=-1).sum()) if a.shape == b.shape else -1
            differ.append(f"{name}: {n} pixels")
    assert not differ, "frames changed: " + "; ".join(differ)
