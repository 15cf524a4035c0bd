"""A container's tar stream extracted into a local directory, as ``kubectl cp``'s ``untarAll``, never outside it.

The stream comes from the container, so it is treated as hostile. Each
member goes through kubectl's checks, in kubectl's order:

- its name must start with the source's prefix (what ``tar cf - SRC``
  stores), else the whole copy fails: ``tar contents corrupted``;
- the rest of the name is joined to the destination lexically (``..``
  resolved, a leading ``/`` kept inside); a member that lands outside is
  skipped with kubectl's warning;
- symbolic links are never created (kubectl's warning names each).

and then through what kubectl leaves to the file system, done here without
trusting it: every directory below the destination is opened with
``O_NOFOLLOW`` relative to its parent's descriptor, so no symlink already in
the tree (or put there while the copy runs) is followed, and a member that
would pass through one is skipped. Hard links are never made either: a
member linking to a file this copy wrote gets a copy of its bytes (kubectl
writes an empty file there); any other is skipped. Other kinds (devices,
fifos) become empty files, as with kubectl. The destination path itself is
the user's and is followed like any path they type.

Reading is streamed: one member's data at a time, ``CHUNK`` bytes at a time.
"""

from __future__ import annotations

import errno
import io
import os
import stat
import tarfile
from dataclasses import dataclass
from typing import Any, Callable, List, Optional, Protocol, Set, Tuple

from . import cppath
from .copyerrors import LocalFileError, TarStreamError

__all__ = ["Source", "Skipped", "Extracted", "extract", "OUTSIDE", "SYMLINK", "HARDLINK", "THROUGH_SYMLINK",
           "DIR_FD_SAFE", "CHUNK"]

CHUNK = 256 * 1024
BLOCK = tarfile.BLOCKSIZE

OUTSIDE, SYMLINK, HARDLINK, THROUGH_SYMLINK = "outside", "symlink", "hardlink", "through-symlink"

#: Whether this platform can walk the tree by descriptors (POSIX); elsewhere each step is checked by path.
DIR_FD_SAFE = (os.open in os.supports_dir_fd and os.mkdir in os.supports_dir_fd and os.stat in os.supports_dir_fd
               and hasattr(os, "O_NOFOLLOW") and hasattr(os, "O_DIRECTORY"))
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_BINARY = getattr(os, "O_BINARY", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


class Source(Protocol):
    """Where the tar bytes come from: ``read(n)`` returns up to ``n`` bytes, ``b""`` at the end."""

    def read(self, size: int = ...) -> bytes: ...


@dataclass(frozen=True)
class Skipped:
    """A member that was not written, and why (``kind``): what kubectl would name in its warning."""

    kind: str
    path: str  # the local path it named: the destination joined with the member's name
    member: str  # the member's name as the stream has it
    link: str = ""  # a link's target as the stream has it

    def warning(self) -> str:
        """kubectl's warning line (without the newline); the symlink hint is the caller's (it names the pod)."""
        q = cppath.go_quote
        if self.kind == OUTSIDE:
            return f"warning: file {q(self.path)} is outside target destination, skipping"
        if self.kind == SYMLINK:
            return f"warning: skipping symlink: {q(self.path)} -> {q(self.link)}"
        if self.kind == HARDLINK:
            return f"warning: skipping hard link: {q(self.path)} -> {q(self.link)} (its target is not in this copy)"
        return f"warning: file {q(self.path)} would be written through a symlink, skipping"


@dataclass(frozen=True)
class Extracted:
    """What one extraction wrote. ``complete``: the stream's end-of-archive blocks were read (False when it
    stopped between two members, which a tar that exits 0 never does)."""

    files: int
    directories: int
    bytes: int
    skipped: Tuple[Skipped, ...]
    complete: bool


class _Tap(io.RawIOBase):
    """The source as a raw stream for ``tarfile``, counting bytes and keeping the last ones.

    ``tarfile`` ends quietly on a header it cannot read (or a truncated one)
    after the first member; the tail tells an end-of-archive block from
    garbage and from a stream that simply stopped.
    """

    TAIL = 4 * tarfile.RECORDSIZE

    def __init__(self, source: Source) -> None:
        super().__init__()
        self._source = source
        self.delivered = 0
        self._tail = bytearray()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._source.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.delivered += n
        self._tail += data
        if len(self._tail) > self.TAIL:
            del self._tail[:len(self._tail) - self.TAIL]
        return n

    def block_at(self, offset: int) -> Optional[bytes]:
        """The 512 bytes at ``offset`` of the stream, or None when the stream ended before them."""
        if offset + BLOCK > self.delivered:
            return None
        start = offset - (self.delivered - len(self._tail))
        if start < 0:
            raise TarStreamError("archive/tar: invalid tar header")  # cannot happen: tarfile reads ahead < TAIL
        return bytes(self._tail[start:start + BLOCK])


def _stream_error(err: BaseException) -> TarStreamError:
    """Go's ``archive/tar`` text for what ``tarfile`` found (truncation is ``unexpected EOF``)."""
    text = str(err)
    if "unexpected end of data" in text or "truncated" in text or "empty" in text:
        return TarStreamError("unexpected EOF")
    return TarStreamError("archive/tar: invalid tar header")


def extract(source: Source, dest: str, prefix: str, *,
            on_skip: Optional[Callable[[Skipped], None]] = None) -> Extracted:
    """Write the members of the tar stream ``source`` under the local ``dest``; see the module docstring.

    ``prefix``: what every member name must start with (``cppath.tar_prefix``
    of the remote source). ``on_skip`` hears of each skipped member as it is
    met. Raises ``TarStreamError`` (a member outside the prefix, a broken
    stream) and ``LocalFileError`` (what the local file system refused);
    whatever was written before stays.
    """
    tap = _Tap(source)
    skipped: List[Skipped] = []

    def skip(item: Skipped) -> None:
        skipped.append(item)
        if on_skip is not None:
            on_skip(item)

    try:
        tf = tarfile.open(fileobj=tap, mode="r|", bufsize=tarfile.RECORDSIZE)
    except tarfile.ReadError as err:
        if tap.delivered == 0:  # Go's reader: no bytes is no members, not an error
            return Extracted(0, 0, 0, (), False)
        raise _stream_error(err) from None
    out = _destination(dest)
    files = dirs = size = 0
    try:
        while True:
            try:
                member = tf.next()
            except tarfile.ReadError as err:
                raise _stream_error(err) from None
            if member is None:
                break
            getattr(tf, "members").clear()  # stream mode would keep every TarInfo of the stream otherwise
            kind, written = _member(tf, member, dest, prefix, out, skip)
            files += kind == "file"
            dirs += kind == "dir"
            size += written
    finally:
        out.close()
        tf.close()
    block = tap.block_at(tf.offset)
    if block is not None and block.count(0) != BLOCK:
        raise TarStreamError("archive/tar: invalid tar header")
    return Extracted(files, dirs, size, tuple(skipped), block is not None)


def _member(tf: tarfile.TarFile, member: tarfile.TarInfo, dest: str, prefix: str, out: "_Dest",
            skip: Callable[[Skipped], None]) -> Tuple[str, int]:
    """One member, kubectl's checks first; ``(kind written, bytes)``."""
    name = member.name
    if "\x00" in name or "\x00" in member.linkname:
        raise TarStreamError("archive/tar: invalid tar header")
    if not name.startswith(prefix):
        raise TarStreamError("tar contents corrupted")
    target = cppath.join(dest, cppath.remote(name[len(prefix):]))
    if not cppath.is_relative(dest, target):
        skip(Skipped(OUTSIDE, target, name))
        return "", 0
    parts = _parts(dest, target)
    parent = out.directory(parts[:-1]) if parts else out.above()
    if parent is None:
        skip(Skipped(THROUGH_SYMLINK, target, name))
        return "", 0
    if member.isdir():
        if parts and out.directory(parts) is None:
            skip(Skipped(THROUGH_SYMLINK, target, name))
            return "", 0
        if not parts:
            out.root()
        return "dir", 0
    if member.issym():
        skip(Skipped(SYMLINK, target, name, member.linkname))
        return "", 0
    if member.islnk():
        return _hardlink(member, dest, prefix, target, parts, parent, out, skip)
    data = tf.extractfile(member) if (member.isreg() or member.type not in tarfile.SUPPORTED_TYPES) else None
    fd = out.create(parent, parts, target)
    if fd is None:
        skip(Skipped(THROUGH_SYMLINK, target, name))
        return "", 0
    written = 0
    try:
        while data is not None:
            try:
                chunk = data.read(CHUNK)
            except tarfile.ReadError as err:
                raise _stream_error(err) from None
            if not chunk:
                break
            _write_all(fd, chunk, target)
            written += len(chunk)
    finally:
        os.close(fd)
    out.written.add(tuple(parts))
    return "file", written


def _hardlink(member: tarfile.TarInfo, dest: str, prefix: str, target: str, parts: List[str], parent: int,
              out: "_Dest", skip: Callable[[Skipped], None]) -> Tuple[str, int]:
    """A hard link: a copy of the linked file's bytes if this extraction wrote it, else skipped."""
    link = member.linkname
    source_parts: Optional[List[str]] = None
    if link.startswith(prefix):
        linked = cppath.join(dest, cppath.remote(link[len(prefix):]))
        if cppath.is_relative(dest, linked):
            source_parts = _parts(dest, linked)
    if source_parts is None or tuple(source_parts) not in out.written or source_parts == parts:
        skip(Skipped(HARDLINK, target, member.name, link))
        return "", 0
    src = out.open_written(source_parts)
    if src is None:
        skip(Skipped(HARDLINK, target, member.name, link))
        return "", 0
    written = 0
    try:
        fd = out.create(parent, parts, target)
        if fd is None:
            skip(Skipped(THROUGH_SYMLINK, target, member.name))
            return "", 0
        try:
            while True:
                chunk = os.read(src, CHUNK)
                if not chunk:
                    break
                _write_all(fd, chunk, target)
                written += len(chunk)
        finally:
            os.close(fd)
    finally:
        os.close(src)
    out.written.add(tuple(parts))
    return "file", written


def _parts(dest: str, target: str) -> List[str]:
    """The components from ``dest`` down to ``target`` (``[]``: ``target`` is ``dest``); never ``..``."""
    r = cppath.rel(dest, target)
    if r is None or r == ".":
        return []
    parts = r.split("/")
    if ".." in parts or "." in parts or "" in parts:  # is_relative and clean rule these out; kept as a guard
        raise TarStreamError("tar contents corrupted")
    return parts


def _write_all(fd: int, data: bytes, path: str) -> None:
    view = memoryview(data)
    while view:
        try:
            n = os.write(fd, view)
        except OSError as err:
            raise LocalFileError("write", path, err.errno or errno.EIO) from None
        view = view[n:]


def _mkdir_all(path: str) -> None:
    """Go's ``os.MkdirAll(path, 0755)`` on the user's own path (symlinks in it are followed, as there)."""
    try:
        os.makedirs(path, 0o755, exist_ok=True)
    except FileExistsError:
        raise LocalFileError("mkdir", path, errno.ENOTDIR) from None
    except OSError as err:
        # Go names the first component it could not make; makedirs' error names that one too.
        raise LocalFileError("mkdir", os.fsdecode(err.filename or path), err.errno or errno.EIO) from None


def _destination(dest: str) -> "_Dest":
    return _FdDest(dest) if DIR_FD_SAFE else _PathDest(dest)


class _Dest:
    """The destination tree. ``directory(parts)`` makes and opens ``dest/parts``; None means a symlink is in
    the way. The destination itself is made only once a member needs it, as kubectl's ``MkdirAll`` does."""

    def __init__(self, dest: str) -> None:
        self.dest = dest
        self.written: Set[Tuple[str, ...]] = set()

    def path(self, parts: List[str]) -> str:
        return cppath.join(self.dest, *parts)

    def above(self) -> Optional[int]:
        """For a member that is ``dest`` itself: make ``dest``'s parent; -1 stands for "write ``dest`` by path"."""
        _mkdir_all(cppath.dir_of(self.dest))
        return -1

    def root(self) -> int:
        raise NotImplementedError

    def directory(self, parts: List[str]) -> Optional[int]:
        raise NotImplementedError

    def create(self, parent: int, parts: List[str], path: str) -> Optional[int]:
        raise NotImplementedError

    def open_written(self, parts: List[str]) -> Optional[int]:
        raise NotImplementedError

    def close(self) -> None:
        pass


def _create_by_path(path: str, flags: int = 0) -> int:
    """Go's ``os.Create``: truncate or make, mode 0666 before the umask."""
    try:
        return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _CLOEXEC | _BINARY | flags, 0o666)
    except OSError as err:
        raise LocalFileError("open", path, err.errno or errno.EIO) from None


class _FdDest(_Dest):
    """Walks by directory descriptors, each opened ``O_NOFOLLOW`` in its parent: no symlink is ever followed."""

    _DIR = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _NOFOLLOW | _CLOEXEC

    def __init__(self, dest: str) -> None:
        super().__init__(dest)
        self._root: Optional[int] = None
        self._cached: Tuple[Optional[Tuple[str, ...]], int] = (None, -1)

    def root(self) -> int:
        if self._root is None:
            _mkdir_all(self.dest)
            try:
                self._root = os.open(self.dest, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _CLOEXEC)
            except OSError as err:
                raise LocalFileError("open", self.dest, err.errno or errno.EIO) from None
        return self._root

    def directory(self, parts: List[str]) -> Optional[int]:
        key = tuple(parts)
        if not key:
            return self.root()
        cached_key, cached_fd = self._cached
        if cached_key == key:
            return cached_fd
        start, fd = 0, self.root()
        if cached_key is not None and key[:len(cached_key)] == cached_key:
            start, fd = len(cached_key), cached_fd  # one directory deeper than the last: no walk from the top
        keep = (self._root, cached_fd)
        for i in range(start, len(parts)):
            child = self._open_dir(fd, parts[i], parts[:i + 1])
            if fd not in keep:
                os.close(fd)
            if child is None:
                return None
            fd = child
        self._remember(key, fd)
        return fd

    def _open_dir(self, fd: int, name: str, parts: List[str]) -> Optional[int]:
        for attempt in range(2):
            try:
                return os.open(name, self._DIR, dir_fd=fd)
            except FileNotFoundError:
                if attempt:
                    raise LocalFileError("mkdir", self.path(parts), errno.ENOENT) from None
                try:
                    os.mkdir(name, 0o755, dir_fd=fd)
                except FileExistsError:
                    pass  # made meanwhile: open it
                except OSError as err:
                    raise LocalFileError("mkdir", self.path(parts), err.errno or errno.EIO) from None
            except OSError as err:
                if self._is_link(fd, name):
                    return None
                code = errno.ENOTDIR if err.errno in (errno.ELOOP, errno.ENOTDIR) else (err.errno or errno.EIO)
                raise LocalFileError("mkdir", self.path(parts), code) from None
        return None

    @staticmethod
    def _is_link(fd: int, name: str) -> bool:
        try:
            return stat.S_ISLNK(os.stat(name, dir_fd=fd, follow_symlinks=False).st_mode)
        except OSError:
            return False

    def _remember(self, key: Tuple[str, ...], fd: int) -> None:
        old_key, old_fd = self._cached
        if old_key is not None and old_fd != self._root:
            os.close(old_fd)
        self._cached = (key, fd)

    def create(self, parent: int, parts: List[str], path: str) -> Optional[int]:
        if parent == -1:
            return _create_by_path(path)
        try:
            return os.open(parts[-1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _NOFOLLOW | _CLOEXEC, 0o666,
                           dir_fd=parent)
        except OSError as err:
            if self._is_link(parent, parts[-1]):
                return None
            raise LocalFileError("open", path, err.errno or errno.EIO) from None

    def open_written(self, parts: List[str]) -> Optional[int]:
        if not parts:
            try:
                return os.open(self.dest, os.O_RDONLY | _CLOEXEC)
            except OSError:
                return None
        parent = self.directory(parts[:-1])
        if parent is None:
            return None
        try:
            return os.open(parts[-1], os.O_RDONLY | _NOFOLLOW | _CLOEXEC, dir_fd=parent)
        except OSError:
            return None

    def close(self) -> None:
        key, fd = self._cached
        if key is not None and fd != self._root:
            os.close(fd)
        self._cached = (None, -1)
        if self._root is not None:
            os.close(self._root)
            self._root = None


class _PathDest(_Dest):
    """Where descriptors cannot be walked (Windows): each component is checked with ``lstat`` before use.

    A race with a local process swapping a directory for a link between the
    check and the use is possible here; the container's stream alone cannot
    make one, since no link is ever created.
    """

    def root(self) -> int:
        _mkdir_all(self.dest)
        return 0

    def directory(self, parts: List[str]) -> Optional[int]:
        self.root()
        for i in range(1, len(parts) + 1):
            path = self.path(parts[:i])
            try:
                st = os.lstat(path)
            except FileNotFoundError:
                try:
                    os.mkdir(path, 0o755)
                except FileExistsError:
                    pass
                except OSError as err:
                    raise LocalFileError("mkdir", path, err.errno or errno.EIO) from None
                st = os.lstat(path)
            if stat.S_ISLNK(st.st_mode):
                return None
            if not stat.S_ISDIR(st.st_mode):
                raise LocalFileError("mkdir", path, errno.ENOTDIR)
        return 0

    def create(self, parent: int, parts: List[str], path: str) -> Optional[int]:
        if parent != -1:
            try:
                if stat.S_ISLNK(os.lstat(path).st_mode):
                    return None
            except FileNotFoundError:
                pass
            return _create_by_path(path, _NOFOLLOW)
        return _create_by_path(path)

    def open_written(self, parts: List[str]) -> Optional[int]:
        path = self.path(parts)
        try:
            if parts and stat.S_ISLNK(os.lstat(path).st_mode):
                return None
            return os.open(path, os.O_RDONLY | _BINARY | _CLOEXEC)
        except OSError:
            return None
