"""Every command checks its destination at the door: a place that cannot be written is refused with one line
naming it, exit 2, before any work (planning, training, building), and nothing new is left behind.

Each command is given work that would itself fail late (an unknown story, found only by planning) or take
long (training), so a door check that ran after the work would show in the message or the time."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from conftest import assert_one_line_error, run_cli

COMMANDS = {  # name -> (arguments before --out, suffix of the file it writes; None: it writes a folder)
    "trace": (["trace", "ABC"], ".npz"),
    "train": (["train", "--quiet", "--full-schedule"], ".safetensors"),
    "plan": (["plan", "no_such_story"], ".npz"),
    "build": (["build", "no_such_story"], ".blend"),
    "render": (["render", "no_such_story"], None),
    "still": (["still", "no_such_story", "--chapter", "1"], ".png"),
    "contact-sheet": (["contact-sheet", "no_such_story"], ".png"),
}
FILE_DESTINATIONS = {
    "parent-is-a-file": "{t}/afile/x{s}",
    "parent-cannot-be-created": "{t}/afile/sub/x{s}",
    "folder-where-a-file-is-wanted": "{t}/dir{s}",
    "proc": "/proc/llmreel-door{s}",
    "proc-new-folder": "/proc/llmreel-door/x{s}",
    "sys": "/sys/llmreel-door{s}",
}
FOLDER_DESTINATIONS = {
    "file-where-a-folder-is-wanted": "{t}/afile",
    "parent-is-a-file": "{t}/afile/out",
    "proc": "/proc/llmreel-door",
    "proc-new-folder": "/proc/llmreel-door/out",
    "sys": "/sys/llmreel-door",
}
CASES = [(cmd, kind) for cmd, (_, suffix) in COMMANDS.items()
         for kind in (FILE_DESTINATIONS if suffix else FOLDER_DESTINATIONS)]


def listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.parametrize("command, kind", CASES, ids=[f"{c}-{k}" for c, k in CASES])
def test_unwritable_destination_is_one_line_before_any_work(tmp_path, command, kind):
    (tmp_path / "afile").write_text("a file")
    for suffix in {s for _, s in COMMANDS.values() if s}:
        (tmp_path / f"dir{suffix}").mkdir()
    args, suffix = COMMANDS[command]
    dest = (FILE_DESTINATIONS if suffix else FOLDER_DESTINATIONS)[kind].format(t=tmp_path, s=suffix)
    before = listing(tmp_path)
    t0 = time.monotonic()
    proc = run_cli(*args, "--out", dest, timeout=120, cwd=tmp_path)
    seconds = time.monotonic() - t0
    assert_one_line_error(proc)
    assert f"--out {dest}" in proc.stderr and "no_such_story" not in proc.stderr, proc.stderr
    assert seconds < 10, f"refused after {seconds:.1f} s: the check ran after the work"
    assert listing(tmp_path) == before
    assert not Path("/proc/llmreel-door").exists() and not Path("/sys/llmreel-door").exists()


@pytest.mark.parametrize("command", [c for c, (_, suffix) in COMMANDS.items() if suffix])
def test_wrong_file_type_is_refused_first(tmp_path, command):
    args, suffix = COMMANDS[command]
    proc = run_cli(*args, "--out", str(tmp_path / "x.txt"), timeout=120, cwd=tmp_path)
    assert_one_line_error(proc)
    assert suffix in proc.stderr and listing(tmp_path) == []


def test_a_file_system_failure_past_the_door_is_one_line_exit_1(tmp_path, monkeypatch, capsys):
    import errno

    from llmreel.model.trace import Trace
    from llmreel.render_scripts import cli

    def full_disk(self, path):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(Trace, "save", full_disk)
    assert cli.main(["trace", "ABC", "--out", str(tmp_path / "t.npz")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "No space left on device" in err and listing(tmp_path) == []
