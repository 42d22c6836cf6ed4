"""A damaged or foreign spec file is bad input (one line, exit 2), never a traceback."""
from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import assert_one_line_error, run_cli
from llmreel.core.errors import InputError
from llmreel.scenes.plan import plan_scene
from llmreel.scenes.spec import SceneSpec


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    path = tmp_path_factory.mktemp("spec") / "spec.npz"
    plan_scene("attention_only").save(path)
    with np.load(path, allow_pickle=False) as z:
        return path, {k: z[k] for k in z.files}


def _damage(doc: dict, how: str) -> dict:
    if how == "missing meta":
        del doc["meta"]
    elif how == "blocks not a list":
        doc["blocks"] = 7
    elif how == "block missing field":
        del doc["blocks"][0]["origin"]
    elif how == "camera key wrong type":
        doc["camera"][0] = "left"
    elif how == "doc not a table":
        doc = [doc]
    return doc


@pytest.mark.parametrize("how", ["missing meta", "blocks not a list", "block missing field",
                                 "camera key wrong type", "doc not a table"])
def test_damaged_spec_is_bad_input(saved, tmp_path, how):
    path, arrays = saved
    assert SceneSpec.load(path) is not None
    doc = _damage(json.loads(str(arrays["__spec__"])), how)
    bad = tmp_path / "bad.npz"
    np.savez(bad, **{**arrays, "__spec__": np.array(json.dumps(doc))})
    with pytest.raises(InputError):
        SceneSpec.load(bad)


def test_build_refuses_damaged_spec_in_one_line(saved, tmp_path):
    path, arrays = saved
    doc = _damage(json.loads(str(arrays["__spec__"])), "block missing field")
    bad = tmp_path / "bad.npz"
    np.savez(bad, **{**arrays, "__spec__": np.array(json.dumps(doc))})
    proc = run_cli("build", "--spec", str(bad), "--out", str(tmp_path / "x.blend"))
    assert_one_line_error(proc)
    assert "spec" in proc.stderr and not (tmp_path / "x.blend").exists()
