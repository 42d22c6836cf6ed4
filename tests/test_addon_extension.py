"""`make addon`'s zip: builds, validates with Blender's extension tool, installs with `install-files` into a
temporary user folder and, in a process where the repo's llmreel is NOT importable, enables and builds."""
from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import textwrap
import zipfile

import pytest

pytestmark = [pytest.mark.bpy, pytest.mark.slow]

_ENABLE = textwrap.dedent("""
    import sys
    sys.path.append(sys.argv[1])          # site-packages for bpy/numpy only; -S skipped the editable .pth
    try:
        import llmreel
        raise SystemExit("the repo's llmreel is importable")
    except ImportError:
        pass
    import bpy  # noqa: I001 - bpy first: it puts Blender's script modules (addon_utils) on sys.path
    import addon_utils
    addon_utils.extensions_refresh(ensure_wheels=True)
    mod = addon_utils.enable("bl_ext.user_default.llmreel", default_set=True, handle_error=None)
    assert mod is not None
    import llmreel.scenes.plan
    print("CORE", llmreel.scenes.plan.__file__)
    assert bpy.ops.llmreel.build() == {"FINISHED"}
    blocks = [o for o in bpy.data.objects if o.get("llmreel_block")]
    print("BLOCKS", len(blocks), "CHAPTERS", len(bpy.context.scene.llmreel.chapters))
""")


@pytest.fixture(scope="module")
def extension_zip(tmp_path_factory):
    pytest.importorskip("bpy")
    from llmreel.blender_addon import package_extension

    out = tmp_path_factory.mktemp("ext") / "llmreel-0.1.0.zip"
    try:
        package_extension.main(["--out", str(out)])
    except subprocess.CalledProcessError as exc:
        pytest.skip(f"package registry unreachable for wheel downloads: {exc}")
    return out


def test_zip_contents_and_validation(extension_zip):
    from llmreel.blender_addon import package_extension

    names = zipfile.ZipFile(extension_zip).namelist()
    assert "blender_manifest.toml" in names and "__init__.py" in names and "build.py" in names
    wheels = [n for n in names if n.startswith("wheels/")]
    assert any(n.startswith("wheels/llmreel-") for n in wheels)
    for tag in package_extension.PLATFORMS.values():
        assert any("safetensors" in n and tag.split("_")[0] in n for n in wheels), tag
    manifest = zipfile.ZipFile(extension_zip).read("blender_manifest.toml").decode()
    assert all(f'"./{w}"' in manifest for w in wheels) and "package_extension.py" not in names
    tool = package_extension.blender_ext_tool()
    proc = subprocess.run([sys.executable, str(tool), "validate", str(extension_zip)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_install_enable_build_without_repo(extension_zip, tmp_path):
    from llmreel.blender_addon import package_extension

    user = tmp_path / "user"
    repo = user / "extensions" / "user_default"
    repo.mkdir(parents=True)
    tool = package_extension.blender_ext_tool()
    proc = subprocess.run([sys.executable, str(tool), "install-files", "--local-dir", str(repo), str(extension_zip)],
                          capture_output=True, text=True)
    assert proc.returncode == 0 and (repo / "llmreel" / "blender_manifest.toml").is_file(), proc.stdout + proc.stderr
    env = {**os.environ, "BLENDER_USER_RESOURCES": str(user)}
    env.pop("PYTHONPATH", None)
    proc = subprocess.run([sys.executable, "-S", "-c", _ENABLE, sysconfig.get_paths()["purelib"]],
                          capture_output=True, text=True, timeout=600, cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    assert f"CORE {user}" in proc.stdout                               # the wheel's copy, not the repo's
    blocks = int(proc.stdout.split("BLOCKS ")[1].split()[0])
    assert blocks > 50
