"""Build the Blender extension zip: `python -m llmreel.blender_addon.package_extension --out dist/X.zip`.

Stages the add-on files and blender_manifest.toml, adds the llmreel core as a wheel and safetensors (and
tqdm) wheels for every platform Blender supports, writes the `wheels` list into the manifest, then builds
and validates the zip with the extension tool shipped inside the bpy wheel. No bpy import (works in CI)."""
from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# Blender platform -> pip --platform tag (safetensors ships abi3 wheels for all of them)
PLATFORMS = {"linux-x64": "manylinux_2_17_x86_64", "macos-arm64": "macosx_11_0_arm64",
             "macos-x64": "macosx_10_12_x86_64", "windows-x64": "win_amd64", "windows-arm64": "win_arm64"}


def blender_ext_tool() -> Path:
    """bpy/<ver>/scripts/addons_core/bl_pkg/cli/blender_ext.py of the installed bpy wheel."""
    spec = importlib.util.find_spec("bpy")
    if spec is None or spec.origin is None:
        raise SystemExit("bpy is not installed; `make venv` installs it")
    for ver in sorted(Path(spec.origin).parent.glob("[0-9]*.[0-9]*")):
        tool = ver / "scripts/addons_core/bl_pkg/cli/blender_ext.py"
        if tool.is_file():
            return tool
    raise SystemExit(f"no blender_ext.py under {Path(spec.origin).parent}")


def _pip(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", "-q", *args], check=True)


def collect_wheels(dest: Path) -> list[Path]:
    dest.mkdir(parents=True, exist_ok=True)
    _pip("wheel", "--no-deps", "-w", str(dest), str(ROOT))
    st = importlib.metadata.version("safetensors")
    for tag in PLATFORMS.values():
        _pip("download", f"safetensors=={st}", "--only-binary=:all:", "--platform", tag, "--python-version",
             "3.11", "--implementation", "cp", "--no-deps", "-d", str(dest))
    for pure in ("tqdm", "fonttools"):                   # their py3-none-any wheels serve every platform
        _pip("download", f"{pure}=={importlib.metadata.version(pure)}", "--only-binary=:all:", "--platform", "any",
             "--python-version", "3.11", "--implementation", "py", "--abi", "none", "--no-deps", "-d", str(dest))
    # brotli (WOFF2 for the fast CJK font path) is optional: a platform without a wheel uses the WOFF2 font
    br = importlib.metadata.version("brotli")
    for tag in PLATFORMS.values():
        try:
            _pip("download", f"brotli=={br}", "--only-binary=:all:", "--platform", tag, "--python-version",
                 "3.11", "--implementation", "cp", "--no-deps", "-d", str(dest))
        except subprocess.CalledProcessError:
            print(f"note: no brotli {br} wheel for {tag}; Korean text there uses the slower WOFF2 font")
    return sorted(dest.glob("*.whl"))


def write_manifest(src: Path, dst: Path, wheels: list[Path]) -> None:
    text = src.read_text(encoding="utf-8")
    listed = ",\n".join(f'    "./wheels/{w.name}"' for w in wheels)
    text, n = re.subn(r"(?m)^wheels = \[\]$", f"wheels = [\n{listed},\n]", text)
    if n != 1:
        raise SystemExit(f"{src}: expected one line `wheels = []` to fill")
    dst.write_text(text, encoding="utf-8")


def stage(folder: Path) -> None:
    for f in HERE.glob("*.py"):
        if f.name != "package_extension.py":
            shutil.copy2(f, folder / f.name)
    shutil.copytree(HERE / "fonts", folder / "fonts")
    wheels = collect_wheels(folder / "wheels")
    write_manifest(HERE / "blender_manifest.toml", folder / "blender_manifest.toml", wheels)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "dist" / "llmreel-0.1.0.zip"), help="output .zip")
    args = ap.parse_args(argv)
    out = Path(args.out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tool = blender_ext_tool()
    with tempfile.TemporaryDirectory(prefix="llmreel-ext-") as tmp:
        folder = Path(tmp) / "llmreel"
        folder.mkdir()
        stage(folder)
        subprocess.run([sys.executable, str(tool), "build", "--source-dir", str(folder), "--output-filepath",
                        str(out)], check=True)
    subprocess.run([sys.executable, str(tool), "validate", str(out)], check=True)
    print(f"{out}: built and validated ({out.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
