"""The local tree as kubectl's tar stream (``dynclient.pods.tarmake``): kubectl's member names and kinds, read
back with ``tarfile`` and extracted by GNU tar, as the container's ``tar -xmf -`` will."""

from __future__ import annotations

import io
import os
import shutil
import socket
import subprocess
import tarfile
from pathlib import Path
from typing import List, Tuple

import pytest

from dynclient.pods import tarmake
from dynclient.pods.copyerrors import CopyError


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    (src / "sub" / "deep").mkdir(parents=True)
    (src / "empty").mkdir()
    (src / "a.txt").write_bytes(b"hi\n")
    (src / "sub" / "bin").write_bytes(bytes(range(256)) * 3)
    (src / "sub" / "ü ñ file").write_bytes(b"u")
    (src / "B").write_bytes(b"upper sorts first")
    (src / "a[1]").write_bytes(b"glob characters taken literally")
    (src / "link").symlink_to("a.txt")
    os.chmod(src / "a.txt", 0o600)
    return src


def listing(data: bytes) -> List[Tuple[str, str, object]]:
    out = []
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tf:
        for m in tf:
            if m.isdir():
                out.append((m.name, "dir", oct(m.mode)))
            elif m.issym():
                out.append((m.name, "sym", m.linkname))
            else:
                out.append((m.name, "file", tf.extractfile(m).read()))
    return out


def test_members_are_kubectls(tree: Path) -> None:
    data = b"".join(tarmake.members(str(tree), "dst"))
    assert listing(data) == [
        ("dst/B", "file", b"upper sorts first"),
        ("dst/a.txt", "file", b"hi\n"),
        ("dst/a[1]", "file", b"glob characters taken literally"),
        ("dst/empty", "dir", oct(0o755)),  # only an empty directory gets a member of its own
        ("dst/link", "sym", "a.txt"),
        ("dst/sub/bin", "file", bytes(range(256)) * 3),
        ("dst/sub/deep", "dir", oct(0o755)),
        ("dst/sub/ü ñ file", "file", b"u"),
    ]
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tf:
        assert tf.getmember("dst/a.txt").mode == 0o600
    assert len(data) % 512 == 0 and data.endswith(bytes(1024))


@pytest.mark.parametrize("src,dest,first", [
    ("src", "dst", "dst/B"), ("src/", "x/y/", "y/B"), ("src/.", "d", "d/B"), ("src/a.txt", "f", "f"),
    ("src/link", "l", "l"), ("src/empty", "e", "e"),
], ids=["dir", "trailing-slashes", "dot", "file", "top-level-symlink", "empty-dir"])
def test_names_start_at_the_destinations_base(tree: Path, monkeypatch: pytest.MonkeyPatch, src: str, dest: str,
                                              first: str) -> None:
    monkeypatch.chdir(tree.parent)
    assert listing(b"".join(tarmake.members(src, dest)))[0][0] == first


def test_backslash_in_a_local_name_becomes_a_directory_remotely(tmp_path: Path) -> None:
    """kubectl names members through ``newRemotePath``, which reads ``\\`` as ``/``."""
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "a\\b").write_bytes(b"x")
    assert [n for n, *_ in listing(b"".join(tarmake.members(str(tmp_path / "s"), "d")))] == ["d/a/b"]


@pytest.mark.skipif(shutil.which("tar") is None, reason="GNU tar is needed")
def test_gnu_tar_extracts_the_stream(tree: Path, tmp_path: Path) -> None:
    target = tmp_path / "ctr"
    target.mkdir()
    proc = subprocess.run(["tar", "-xmf", "-", "-C", str(target)], input=b"".join(tarmake.members(str(tree), "dst")),
                          capture_output=True)
    assert (proc.returncode, proc.stderr) == (0, b"")
    for rel in ["B", "a.txt", "a[1]", "sub/bin", "sub/ü ñ file"]:
        assert (target / "dst" / rel).read_bytes() == (tree / rel).read_bytes()
    assert (target / "dst" / "empty").is_dir() and os.readlink(target / "dst" / "link") == "a.txt"
    assert (target / "dst" / "a.txt").stat().st_mode & 0o777 == 0o600


def test_reader_streams_in_bounded_pieces(tmp_path: Path) -> None:
    big = tmp_path / "big"
    big.write_bytes(os.urandom(3 * tarmake.CHUNK + 5))
    assert max(len(p) for p in tarmake.members(str(big), "b")) <= tarmake.CHUNK
    reader = tarmake.TarReader(str(big), "b")
    got = bytearray()
    while True:
        chunk = reader.read(1000)
        assert len(chunk) <= 1000
        if not chunk:
            break
        got += chunk
    assert listing(bytes(got)) == [("b", "file", big.read_bytes())]
    assert reader.produced == len(got)


def test_socket_is_refused_as_go_refuses_it(tmp_path: Path) -> None:
    s = socket.socket(socket.AF_UNIX)
    path = tmp_path / "d" / "sock"
    path.parent.mkdir()
    try:
        s.bind(str(path))
        with pytest.raises(CopyError, match=r"^archive/tar: sockets not supported$"):
            b"".join(tarmake.members(str(tmp_path / "d"), "x"))
    finally:
        s.close()


@pytest.mark.parametrize("change,message", [
    (lambda p: p.write_bytes(b"0123456789ABC"), "archive/tar: write too long"),
    (lambda p: p.write_bytes(b"0123"), "archive/tar: missed writing 6 bytes"),
], ids=["grew", "shrank"])
def test_file_changing_size_while_read_is_an_error(tmp_path: Path, change, message: str) -> None:
    f = tmp_path / "f"
    f.write_bytes(b"0123456789")
    pieces = tarmake.members(str(f), "f")
    next(pieces)  # the header, with the size as it was
    change(f)
    with pytest.raises(CopyError, match=f"^{message}$"):
        list(pieces)


def test_missing_source_is_no_members(tmp_path: Path) -> None:
    assert b"".join(tarmake.members(str(tmp_path / "gone"), "x")) == bytes(1024)
