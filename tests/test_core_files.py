"""llmreel.core.files: atomic writes (whole file or the old one, never a temporary left) and the door checks
(a destination that cannot be written is refused naming it, and the check leaves nothing behind)."""
from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmreel.core.errors import InputError
from llmreel.core.files import (atomic_output, check_input_file, check_output_file, check_output_folder, temp_sibling,
                                write_bytes_atomic, write_text_atomic)


def listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


class Boom(Exception):
    pass


# ---- atomic_output ---------------------------------------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(old=st.one_of(st.none(), st.binary(max_size=64)), new=st.binary(max_size=64),
       fail=st.sampled_from(["none", "before-write", "after-write", "interrupt"]))
def test_atomic_output_gives_the_new_file_or_keeps_the_old_and_never_leaves_a_temp(tmp_path_factory, old,
                                                                                    new, fail):
    d = tmp_path_factory.mktemp("atomic")
    path = d / "out.bin"
    if old is not None:
        path.write_bytes(old)
    error = {"none": None, "before-write": Boom, "after-write": Boom, "interrupt": KeyboardInterrupt}[fail]
    try:
        with atomic_output(path) as tmp:
            assert tmp.parent == path.parent.resolve() and tmp.suffix == ".bin" and not tmp.exists()
            if fail == "before-write":
                raise error()
            tmp.write_bytes(new)
            if error:
                raise error()
    except (Boom, KeyboardInterrupt):
        assert error is not None
        assert (path.read_bytes() if path.exists() else None) == old
    else:
        assert error is None and path.read_bytes() == new
    assert listing(d) == ([] if old is None and error else ["out.bin"])


def test_atomic_output_refuses_a_writer_that_wrote_nothing(tmp_path):
    path = tmp_path / "a.npz"
    path.write_bytes(b"old")
    with pytest.raises(OSError, match="nothing was written"):
        with atomic_output(path):
            pass
    assert path.read_bytes() == b"old" and listing(tmp_path) == ["a.npz"]


def test_atomic_output_relative_bare_name_gives_an_absolute_temp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with atomic_output("x.png") as tmp:
        assert tmp.is_absolute() and tmp.parent == tmp_path.resolve()
        tmp.write_bytes(b"png")
    assert (tmp_path / "x.png").read_bytes() == b"png" and listing(tmp_path) == ["x.png"]


def test_atomic_output_usual_file_mode_and_parents(tmp_path):
    write_text_atomic(tmp_path / "a" / "b" / "t.txt", "한국어")
    path = tmp_path / "a" / "b" / "t.txt"
    assert path.read_text("utf-8") == "한국어"
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask
    write_bytes_atomic(path, b"again")
    assert path.read_bytes() == b"again" and listing(tmp_path / "a" / "b") == ["t.txt"]


def test_temp_sibling_is_hidden_unique_and_keeps_the_suffix(tmp_path):
    a, b = temp_sibling(tmp_path / "v.mp4"), temp_sibling(tmp_path / "v.mp4")
    assert a != b and a.name.startswith(".v.") and a.suffix == ".mp4" and a.parent == tmp_path


# ---- door checks -----------------------------------------------------------------------------------
@pytest.fixture
def place(tmp_path):
    (tmp_path / "afile").write_text("a file")
    (tmp_path / "dir.png").mkdir()
    return tmp_path


def check_png(dest):
    return check_output_file(dest, "--out", (".png",))


BAD = [  # (check, destination, words in the message); {t} is the temp folder
    (check_png, "{t}/afile/x.png", "afile is a file, not a folder"),           # parent is a file
    (check_png, "{t}/afile/sub/deeper/x.png", "afile is a file, not a folder"),  # a parent that cannot be made
    (check_png, "{t}/dir.png", "is a folder"),                                  # a folder where a file is wanted
    (check_png, "/proc/llmreel-x.png", "cannot write in /proc"),                # pseudo file systems
    (check_png, "/proc/llmreel-new/x.png", "cannot write in /proc/llmreel-new"),
    (check_png, "/sys/llmreel-x.png", "cannot write in /sys"),
    (check_png, "{t}/" + "n" * 250 + ".png", "cannot write in"),                # its temporary name is too long
    (check_png, "{t}/x.txt", "ending in .png"),
    (check_png, "{t}/x.PNG", "ending in .png"),
    (check_output_folder, "{t}/afile", "is a file; expected a folder"),        # a file where a folder is wanted
    (check_output_folder, "{t}/afile/out", "afile is a file, not a folder"),
    (check_output_folder, "/proc/llmreel-out", "cannot write in /proc/llmreel-out"),
    (check_output_folder, "/sys/llmreel-out", "cannot write in /sys/llmreel-out"),
]


@pytest.mark.parametrize("check, dest, words", BAD, ids=[f"{c.__name__} {w}" for c, _, w in BAD])
def test_unwritable_destination_is_refused_naming_it_and_nothing_is_left(place, check, dest, words):
    dest = dest.format(t=place)
    before = listing(place)
    with pytest.raises(InputError) as err:
        check(dest)
    msg = str(err.value)
    assert words in msg and msg.startswith(f"--out {dest}") and "\n" not in msg
    assert listing(place) == before


def test_good_destinations_pass_and_leave_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "old.png").write_bytes(b"old")
    for dest in ("x.png", "old.png", "new/deeper/x.png", str(tmp_path / "abs.png")):
        assert check_output_file(dest, "--out", (".png",)) == Path(dest)
    for dest in (".", "out", "new/deeper/out", str(tmp_path)):
        assert check_output_folder(dest) == Path(dest)
    assert listing(tmp_path) == ["old.png"] and (tmp_path / "old.png").read_bytes() == b"old"


@pytest.mark.skipif(os.geteuid() == 0, reason="permission bits do not stop root")
def test_read_only_folder_is_refused(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        with pytest.raises(InputError, match="Permission denied"):
            check_output_file(ro / "x.png")
        with pytest.raises(InputError, match="Permission denied"):
            check_output_folder(ro / "out")
    finally:
        ro.chmod(0o755)


def test_check_input_file(tmp_path):
    (tmp_path / "ok.npz").write_bytes(b"x")
    (tmp_path / "empty.npz").write_bytes(b"")
    (tmp_path / "dir.npz").mkdir()
    assert check_input_file(tmp_path / "ok.npz", "--spec", (".npz",)) == tmp_path / "ok.npz"
    for name, words in (("missing.npz", "no such file"), ("empty.npz", "is empty"), ("dir.npz", "is a folder"),
                        ("/dev/null", "not a regular file"), ("ok.npz", "unsupported type")):
        path = name if name.startswith("/") else tmp_path / name
        with pytest.raises(InputError, match=words) as err:
            check_input_file(path, "--spec", (".wav",) if name == "ok.npz" else (".npz",))
        assert str(err.value).startswith(f"--spec {path}:")
