"""A hostile tar stream from the container never writes outside the destination (``dynclient.pods.tarsafe``).

Each case is a crafted stream (``..`` climbs, absolute names, symlinks then files written through them, hard
links out, a symlink already in the local tree) extracted into ``out`` inside a sandbox that also holds a
sentinel tree; the sandbox outside ``out`` must be byte for byte as before, and ``out`` must hold exactly
the expected tree. Every case runs twice: with the descriptor walk (POSIX) and with the by-path fallback.
"""

from __future__ import annotations

import io
import os
import stat
import tarfile
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import pytest

from dynclient.pods import tarsafe
from dynclient.pods.copyerrors import LocalFileError, TarStreamError
from dynclient.pods.tarsafe import HARDLINK, OUTSIDE, SYMLINK, THROUGH_SYMLINK

Member = Tuple  # ("file", name, data) | ("dir", name) | ("sym", name, target) | ("hard", name, target) | ("fifo", name)


def tar_of(members: Sequence[Member], fmt: int = tarfile.GNU_FORMAT) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as tf:
        for m in members:
            info = tarfile.TarInfo(m[1])
            info.mode = 0o644
            if m[0] == "file":
                info.size = len(m[2])
                tf.addfile(info, io.BytesIO(m[2]))
                continue
            info.type = {"dir": tarfile.DIRTYPE, "sym": tarfile.SYMTYPE, "hard": tarfile.LNKTYPE,
                         "fifo": tarfile.FIFOTYPE, "chr": tarfile.CHRTYPE}[m[0]]
            if m[0] in ("sym", "hard"):
                info.linkname = m[2]
            tf.addfile(info)
    return buf.getvalue()


def snapshot(root: Path, skip: Optional[Path] = None) -> Dict[str, object]:
    """Every path under ``root`` (``skip`` left out) with its kind and bytes or link target."""
    out: Dict[str, object] = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        here = Path(dirpath)
        if skip is not None and (here == skip or skip in here.parents):
            dirnames[:] = []
            continue
        for name in dirnames + filenames:
            p = here / name
            if skip is not None and p == skip:
                continue
            rel = str(p.relative_to(root))
            st = os.lstat(p)
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("link", os.readlink(p))
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = ("dir",)
            else:
                out[rel] = ("file", p.read_bytes())
    return out


@pytest.fixture(params=[True, False], ids=["dirfd", "bypath"])
def walk(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    if request.param and not tarsafe.DIR_FD_SAFE:
        pytest.skip("no descriptor walk on this platform")
    monkeypatch.setattr(tarsafe, "DIR_FD_SAFE", request.param)
    return request.param


@pytest.fixture
def sandbox(tmp_path: Path) -> Path:
    """``tmp_path`` with a sentinel tree beside ``out``: ``victim/`` (a dir) and ``victim.txt``."""
    (tmp_path / "victim").mkdir()
    (tmp_path / "victim" / "keep").write_bytes(b"keep")
    (tmp_path / "victim.txt").write_bytes(b"original")
    return tmp_path


# (id, members, prefix, what out holds first {name: link target relative to the sandbox, or bytes of a file},
#  expected tree of out, skipped kinds in order)
HOSTILE = [
    ("dotdot-climb", [("file", "src/../../victim.txt", b"pwned")], "src", {}, {}, [OUTSIDE]),
    ("dotdot-one-level", [("file", "src/../victim.txt", b"pwned")], "src", {}, {}, [OUTSIDE]),
    ("dotdot-inside-then-out", [("file", "src/a/../../../victim.txt", b"pwned")], "src", {}, {}, [OUTSIDE]),
    ("dotdot-stays-inside", [("file", "src/a/../b", b"ok")], "src", {}, {"b": ("file", b"ok")}, []),
    ("backslash-climb", [("file", "src\\..\\..\\victim.txt", b"pwned")], "src", {}, {}, [OUTSIDE]),
    ("absolute-lands-inside", [("file", "/victim.txt", b"inside")], "", {},
     {"victim.txt": ("file", b"inside")}, []),
    ("absolute-etc", [("file", "/etc/passwd", b"x")], "", {},
     {"etc": ("dir",), "etc/passwd": ("file", b"x")}, []),
    ("dir-climb", [("dir", "src/../../victim2")], "src", {}, {}, [OUTSIDE]),
    ("symlink-never-made", [("sym", "src/link", "../victim.txt")], "src", {}, {}, [SYMLINK]),
    ("symlink-then-write-through", [("sym", "src/d", "../victim"), ("file", "src/d/keep", b"pwned")], "src", {},
     {"d": ("dir",), "d/keep": ("file", b"pwned")}, [SYMLINK]),
    ("symlink-to-root-then-file", [("sym", "src/r", "/"), ("file", "src/r/tmp/x", b"x")], "src", {},
     {"r": ("dir",), "r/tmp": ("dir",), "r/tmp/x": ("file", b"x")}, [SYMLINK]),
    ("symlink-dotdot-then-file", [("sym", "src/up", ".."), ("file", "src/up/victim.txt", b"pwned")], "src", {},
     {"up": ("dir",), "up/victim.txt": ("file", b"pwned")}, [SYMLINK]),
    ("local-dir-link-not-followed", [("file", "src/d/keep", b"pwned")], "src", {"d": "victim"},
     {"d": ("link", "../victim")}, [THROUGH_SYMLINK]),
    ("local-file-link-not-followed", [("file", "src/f", b"pwned")], "src", {"f": "victim.txt"},
     {"f": ("link", "../victim.txt")}, [THROUGH_SYMLINK]),
    ("local-link-deep", [("file", "src/d/sub/x", b"pwned")], "src", {"d": "victim"},
     {"d": ("link", "../victim")}, [THROUGH_SYMLINK]),
    ("local-link-as-dir-member", [("dir", "src/d")], "src", {"d": "victim"},
     {"d": ("link", "../victim")}, [THROUGH_SYMLINK]),
    ("hardlink-outside-absolute", [("hard", "src/h", "/etc/passwd")], "src", {}, {}, [HARDLINK]),
    ("hardlink-outside-climb", [("hard", "src/h", "src/../../victim.txt")], "src", {}, {}, [HARDLINK]),
    ("hardlink-to-file-not-in-this-copy", [("hard", "src/h", "src/pre")], "src", {"pre": b"local"},
     {"pre": ("file", b"local")}, [HARDLINK]),
    ("hardlink-then-regular-file", [("hard", "src/h", "/etc/passwd"), ("file", "src/h", b"own")], "src", {},
     {"h": ("file", b"own")}, [HARDLINK]),
    ("hardlink-inside-copies-bytes", [("file", "src/a", b"data"), ("hard", "src/b", "src/a")], "src", {},
     {"a": ("file", b"data"), "b": ("file", b"data")}, []),
    ("hardlink-through-local-link", [("file", "src/a", b"data"), ("hard", "src/d/b", "src/a")], "src",
     {"d": "victim"}, {"a": ("file", b"data"), "d": ("link", "../victim")}, [THROUGH_SYMLINK]),
    ("prefix-trick-stays-inside", [("file", "srcx/evil", b"x")], "src", {},
     {"x": ("dir",), "x/evil": ("file", b"x")}, []),
    ("fifo-is-empty-file", [("fifo", "src/p")], "src", {}, {"p": ("file", b"")}, []),
    ("device-is-empty-file", [("chr", "src/null")], "src", {}, {"null": ("file", b"")}, []),
]


@pytest.mark.parametrize("members,prefix,links,want,kinds", [c[1:] for c in HOSTILE], ids=[c[0] for c in HOSTILE])
def test_hostile_stream_never_writes_outside(sandbox: Path, walk: bool, members: List[Member], prefix: str,
                                             links: Dict[str, object], want: Dict[str, object],
                                             kinds: List[str]) -> None:
    out = sandbox / "out"
    if links:
        out.mkdir()
        for name, target in links.items():
            if isinstance(target, bytes):
                (out / name).write_bytes(target)
            else:
                (out / name).symlink_to(Path("..") / target)
    before = snapshot(sandbox, skip=out)
    seen: List[tarsafe.Skipped] = []
    result = tarsafe.extract(io.BytesIO(tar_of(members)), str(out), prefix, on_skip=seen.append)
    assert snapshot(sandbox, skip=out) == before
    assert (snapshot(out) if out.exists() else {}) == want
    assert [s.kind for s in seen] == kinds
    assert result.skipped == tuple(seen)
    assert result.complete


@pytest.mark.parametrize("fmt", [tarfile.GNU_FORMAT, tarfile.PAX_FORMAT, tarfile.USTAR_FORMAT],
                         ids=["gnu", "pax", "ustar"])
def test_long_and_unicode_names_in_every_format(tmp_path: Path, fmt: int) -> None:
    name = "src/" + "d" * 60 + "/" + "ü ñ " * 10 + ".txt" if fmt != tarfile.USTAR_FORMAT else "src/ü ñ.txt"
    result = tarsafe.extract(io.BytesIO(tar_of([("file", name, b"\x00\xff")], fmt)), str(tmp_path / "o"), "src")
    assert (tmp_path / "o" / name[4:]).read_bytes() == b"\x00\xff"
    assert (result.files, result.bytes) == (1, 2)


@pytest.mark.parametrize("members,prefix,message", [
    ([("file", "other/x", b"x")], "src", "tar contents corrupted"),
    ([("file", "src/a", b"a"), ("file", "/src/b", b"b")], "src", "tar contents corrupted"),
    ([("file", "./src/a", b"a")], "src", "tar contents corrupted"),
], ids=["foreign-member", "absolute-after-good", "dot-slash-name"])
def test_member_outside_the_prefix_fails_the_copy(tmp_path: Path, members: List[Member], prefix: str,
                                                  message: str) -> None:
    with pytest.raises(TarStreamError, match=f"^{message}$"):
        tarsafe.extract(io.BytesIO(tar_of(members)), str(tmp_path / "o"), prefix)


def _cut(data: bytes, n: int) -> bytes:
    return data[:n]


GOOD = tar_of([("file", "src/a", b"a" * 2000), ("file", "src/b", b"b")])


@pytest.mark.parametrize("stream,message", [
    (_cut(GOOD, 1000), "unexpected EOF"),
    (_cut(GOOD, 300), "unexpected EOF"),
    (GOOD[:512 + 2048] + b"\x01" * 512 + bytes(1024), "archive/tar: invalid tar header"),
    (b"garbage" * 100, "archive/tar: invalid tar header"),
], ids=["cut-in-data", "cut-in-first-header", "garbage-header-after-a-member", "garbage-from-the-start"])
def test_broken_stream_is_an_error_in_gos_words(tmp_path: Path, stream: bytes, message: str) -> None:
    with pytest.raises(TarStreamError, match=f"^{message}$"):
        tarsafe.extract(io.BytesIO(stream), str(tmp_path / "o"), "src")


@pytest.mark.parametrize("stream,files,complete", [
    (b"", 0, False), (GOOD[:512 + 2048], 1, False), (GOOD, 2, True),
], ids=["empty", "cut-between-members", "whole"])
def test_stream_cut_between_members_ends_quietly_but_incomplete(tmp_path: Path, stream: bytes, files: int,
                                                                complete: bool) -> None:
    result = tarsafe.extract(io.BytesIO(stream), str(tmp_path / "o"), "src")
    assert (result.files, result.complete) == (files, complete)


def test_member_naming_the_destination_writes_it_as_a_file(tmp_path: Path) -> None:
    """``kubectl cp pod:file local``: the one member is the prefix itself, so it becomes ``local``."""
    dest = tmp_path / "new" / "copy.txt"
    tarsafe.extract(io.BytesIO(tar_of([("file", "dir/f.txt", b"x")])), str(dest), "dir/f.txt")
    assert dest.read_bytes() == b"x"


@pytest.mark.parametrize("setup,members,message", [
    ("dir", [("file", "f.txt", b"x")], "open {dest}: is a directory"),
    ("file-parent", [("file", "src/a/b", b"x")], "mkdir {dest}/a: not a directory"),
    ("file-dest", [("file", "src/a", b"x")], "mkdir {dest}: not a directory"),
], ids=["file-onto-a-directory", "through-a-file", "destination-is-a-file"])
def test_local_refusals_in_gos_words(tmp_path: Path, walk: bool, setup: str, members: List[Member],
                                     message: str) -> None:
    dest = tmp_path / "o"
    prefix = "f.txt" if setup == "dir" else "src"
    if setup == "dir":
        dest.mkdir()
    elif setup == "file-parent":
        dest.mkdir()
        (dest / "a").write_bytes(b"file")
    else:
        dest.write_bytes(b"file")
    with pytest.raises(LocalFileError) as err:
        tarsafe.extract(io.BytesIO(tar_of(members)), str(dest), prefix)
    assert str(err.value) == message.format(dest=dest)


def test_big_member_streams_in_chunks(tmp_path: Path) -> None:
    """A member larger than one chunk is copied piecewise; the source is read in small pieces too."""
    data = os.urandom(3 * tarsafe.CHUNK + 17)

    class Trickle(io.RawIOBase):
        def __init__(self, payload: bytes) -> None:
            self._b = io.BytesIO(payload)
            self.largest = 0

        def read(self, n: int = -1) -> bytes:
            chunk = self._b.read(min(n, 1000) if n and n > 0 else 1000)
            self.largest = max(self.largest, len(chunk))
            return chunk

    source = Trickle(tar_of([("file", "src/big", data)]))
    result = tarsafe.extract(source, str(tmp_path / "o"), "src")
    assert (tmp_path / "o" / "big").read_bytes() == data
    assert result.bytes == len(data) and source.largest <= 1000


def test_warning_texts_are_kubectls() -> None:
    assert tarsafe.Skipped(OUTSIDE, "o/../x", "src/../../x").warning() == \
        'warning: file "o/../x" is outside target destination, skipping'
    assert tarsafe.Skipped(SYMLINK, "o/l", "src/l", "/etc").warning() == 'warning: skipping symlink: "o/l" -> "/etc"'
