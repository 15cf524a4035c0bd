"""A local file or tree as a tar stream, made as it is read: what ``kubectl cp`` pipes into the container's tar.

kubectl's ``makeTar``/``recursiveTar``, member for member: names are the
destination's base joined with each path below the source; a directory
gets a member only when it is empty (so the container's tar makes the
others with its own defaults, as kubectl leaves it); a symlink is stored as
a link (its target as it reads); anything else is a file with its bytes.
Mode, owner and times come from ``lstat``, as Go's ``FileInfoHeader``.
Directory entries are visited in byte order of their names (``os.ReadDir``).

One difference, on purpose: kubectl expands the source as a glob pattern
at every level, so a file named ``a[1]`` is silently left out; here names
are taken literally.

``TarReader`` is a binary file whose ``read(n)`` makes the next bytes: no
thread and no buffer beyond one member's header and one chunk of data, so
a tree of any size streams into exec's stdin.
"""

from __future__ import annotations

import io
import os
import stat
import tarfile
from typing import Any, Dict, Generator, Iterator, Optional

from . import cppath
from .copyerrors import CopyError, LocalFileError

__all__ = ["TarReader", "members", "CHUNK"]

CHUNK = 256 * 1024
BLOCK = tarfile.BLOCKSIZE


class _Names:
    """uid/gid to user/group names, looked up once each (Go's ``FileInfoHeader`` caches them too)."""

    def __init__(self) -> None:
        self._users: Dict[int, str] = {}
        self._groups: Dict[int, str] = {}

    def user(self, uid: int) -> str:
        if uid not in self._users:
            try:
                import pwd

                self._users[uid] = pwd.getpwuid(uid).pw_name
            except (ImportError, KeyError):
                self._users[uid] = ""
        return self._users[uid]

    def group(self, gid: int) -> str:
        if gid not in self._groups:
            try:
                import grp

                self._groups[gid] = grp.getgrgid(gid).gr_name
            except (ImportError, KeyError):
                self._groups[gid] = ""
        return self._groups[gid]


def _header(name: str, st: os.stat_result, kind: bytes, names: _Names, *, size: int = 0, link: str = "") -> bytes:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode = stat.S_IMODE(st.st_mode)
    info.uid, info.gid = st.st_uid, st.st_gid
    info.uname, info.gname = names.user(st.st_uid), names.group(st.st_gid)
    info.mtime = int(round(st.st_mtime))  # Go rounds to the second when no format is asked for
    info.size = size
    info.linkname = link
    if kind in (tarfile.CHRTYPE, tarfile.BLKTYPE):
        info.devmajor, info.devminor = os.major(st.st_rdev), os.minor(st.st_rdev)
    return info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")


def _kind(st: os.stat_result) -> Optional[bytes]:
    mode = st.st_mode
    if stat.S_ISREG(mode):
        return tarfile.REGTYPE
    if stat.S_ISFIFO(mode):
        return tarfile.FIFOTYPE
    if stat.S_ISCHR(mode):
        return tarfile.CHRTYPE
    if stat.S_ISBLK(mode):
        return tarfile.BLKTYPE
    return None


def _file_data(path: str, size: int) -> Iterator[bytes]:
    """Exactly ``size`` bytes of ``path``, then padding; Go's tar writer errors when the file changed size."""
    try:
        f = open(path, "rb", buffering=0)
    except OSError as err:
        raise LocalFileError("open", path, err.errno or 5) from None
    with f:
        left = size
        while left > 0:
            chunk = f.read(min(CHUNK, left))
            if not chunk:
                raise CopyError(f"archive/tar: missed writing {left} bytes")
            left -= len(chunk)
            yield chunk
        if f.read(1):
            raise CopyError("archive/tar: write too long")
    if size % BLOCK:
        yield bytes(BLOCK - size % BLOCK)


def members(src: str, dest: str) -> Generator[bytes, None, None]:
    """The tar stream of local ``src`` with member names under remote ``dest`` (kubectl's ``makeTar``), in pieces."""
    names = _Names()
    src_path, dest_path = cppath.clean(src), cppath.clean(dest)
    src_dir = cppath.dir_of(src_path)
    yield from _walk(cppath.join(src_dir, cppath.base(src_path)), cppath.base(dest_path), names)
    yield bytes(2 * BLOCK)  # end of archive; GNU tar reads a short last record from a pipe without complaint


def _walk(path: str, name: str, names: _Names) -> Iterator[bytes]:
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return  # kubectl's Glob: a path that is gone matches nothing
    except OSError as err:
        raise LocalFileError("lstat", path, err.errno or 5) from None
    if stat.S_ISDIR(st.st_mode):
        try:
            entries = sorted(os.listdir(path), key=os.fsencode)
        except OSError as err:
            raise LocalFileError("open", path, err.errno or 5) from None
        if not entries:
            yield _header(name, st, tarfile.DIRTYPE, names)
        for entry in entries:
            # kubectl names the member through newRemotePath: a "\\" in a local name becomes "/"
            yield from _walk(cppath.join(path, entry), cppath.join(name, cppath.remote(entry)), names)
        return
    if stat.S_ISLNK(st.st_mode):
        try:
            target = os.readlink(path)
        except OSError as err:
            raise LocalFileError("readlink", path, err.errno or 5) from None
        yield _header(name, st, tarfile.SYMTYPE, names, link=target)
        return
    if stat.S_ISSOCK(st.st_mode):
        raise CopyError("archive/tar: sockets not supported")
    kind = _kind(st) or tarfile.REGTYPE
    size = st.st_size if kind == tarfile.REGTYPE else 0
    yield _header(name, st, kind, names, size=size)
    if kind == tarfile.REGTYPE:
        yield from _file_data(path, size)


class TarReader(io.RawIOBase):
    """``members(src, dest)`` as a binary file: each ``read(n)`` makes up to ``n`` more bytes."""

    def __init__(self, src: str, dest: str) -> None:
        super().__init__()
        self._pieces = members(src, dest)
        self._current = memoryview(b"")
        self.produced = 0

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        """Stop making the stream (the file being read, if any, is closed)."""
        self._pieces.close()
        super().close()

    def readinto(self, buffer: Any) -> int:
        while not self._current:
            piece = next(self._pieces, None)
            if piece is None:
                return 0
            self._current = memoryview(piece)
        n = min(len(buffer), len(self._current))
        buffer[:n] = self._current[:n]
        self._current = self._current[n:]
        self.produced += n
        return n
