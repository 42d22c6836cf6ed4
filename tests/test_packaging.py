"""The install: editors resolve the `llmreel.*` imports of the checkout, and the wheel builds without a
packaging warning and holds every file of the package folders."""
import ast
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Top-level folder -> installed as llmreel.<folder> ([tool.setuptools] in pyproject.toml).
PACKAGES = ("core", "model", "scenes", "blender_addon", "render_scripts")


def _package_files() -> list[Path]:
    return sorted(p for d in PACKAGES for p in (ROOT / d).rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
                  and not p.name.startswith(".") and not p.name.endswith("~"))


def _llmreel_imports(path: Path):
    """(line, column, 'module.name') of each name in a `from llmreel.X import name`, nested ones too."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("llmreel."):
            for alias in node.names:
                yield alias.lineno, alias.col_offset, f"{node.module}.{alias.name}"


@pytest.mark.slow
def test_jedi_resolves_llmreel_imports_to_checkout_files():
    jedi = pytest.importorskip("jedi")  # the dev extra installs it
    project = jedi.Project(ROOT, environment_path=sys.executable)
    sources = [p for d in ("scenes", "render_scripts") for p in sorted((ROOT / d).rglob("*.py"))]
    checked, unresolved = 0, []
    for path in sources:
        script = jedi.Script(path=str(path), project=project)
        for line, col, name in _llmreel_imports(path):
            checked += 1
            targets = [Path(d.module_path).resolve() for d in script.goto(line, col, follow_imports=True)
                       if d.module_path is not None]
            # The strict editable install links each file; resolving the link must give the source file.
            if not targets or not all(t.is_relative_to(ROOT) and t.relative_to(ROOT).parts[0] in PACKAGES
                                      for t in targets):
                unresolved.append(f"{path.relative_to(ROOT)}:{line} {name} -> {[str(t) for t in targets]}")
    assert checked > 50, f"only {checked} llmreel imports found"
    assert not unresolved, (f"{len(unresolved)} of {checked} imports not resolved into the checkout "
                            "(is the install strict editable? `make test` does it):\n" + "\n".join(unresolved))


@pytest.mark.slow
def test_wheel_builds_quietly_with_every_package_file(tmp_path):
    setuptools = pytest.importorskip("setuptools")
    floor = re.search(r'"setuptools>=([\d.]+)"', (ROOT / "pyproject.toml").read_text()).group(1)
    have = tuple(int(x) for x in setuptools.__version__.split(".")[:3] if x.isdigit())
    assert have >= tuple(int(x) for x in floor.split(".")), (
        f"the venv has setuptools {setuptools.__version__}, pyproject needs >={floor} (`make test` installs it)")
    # A copy of what a source distribution holds, so no stale build/ folder of the checkout gets in.
    src = tmp_path / "src"
    for name in ("pyproject.toml", "README.md"):
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, src / name)
    for d in PACKAGES:
        shutil.copytree(ROOT / d, src / d, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}  # else "byte-compiling disabled"
    run = subprocess.run([sys.executable, "-m", "pip", "wheel", "-v", "--no-deps", "--no-build-isolation",
                          "--disable-pip-version-check", "-w", str(tmp_path / "dist"), str(src)],
                         capture_output=True, text=True, env=env, timeout=300)
    log = run.stdout + run.stderr
    assert run.returncode == 0, log
    noisy = [line for line in log.splitlines() if re.search(r"warn|deprecat|ignored", line, re.I)]
    assert not noisy, "packaging warnings:\n" + "\n".join(noisy)
    (wheel,) = (tmp_path / "dist").glob("llmreel-*.whl")
    shipped = {n for n in zipfile.ZipFile(wheel).namelist() if n.startswith("llmreel/")}
    expected = {"llmreel/" + p.relative_to(ROOT).as_posix() for p in _package_files()}
    assert shipped == expected, (f"missing from the wheel: {sorted(expected - shipped)}; "
                                 f"unexpected: {sorted(shipped - expected)} (see package-data in pyproject.toml)")
