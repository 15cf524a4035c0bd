"""kubectl's on-disk discovery cache, file for file.

client-go's ``discovery/cached/disk/cached_discovery.go``, with the layout
and encoding kubectl uses, so kubectl and dynclient share one cache::

    <cache_dir>/servergroups.json                        APIGroupList, core group "" first
    <cache_dir>/v1/serverresources.json                  core group-version
    <cache_dir>/<group>/<version>/serverresources.json   every other group-version

``cache_dir`` is the per-server directory (``cachedir.discovery_cache_dir``).
A file is used until ``ttl`` seconds after its mtime. Files are written to a
temp file in the same directory and renamed into place, so concurrent
readers (other threads, other kubectl or dynclient processes) never see a
partial file. Errors and empty lists are never written, and a file that
cannot be decoded is ignored and fetched again.
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import json
import logging
import os
import threading
import time
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterator, List, Optional, Set, Tuple, Union

from .cachedir import check_group_version, discovery_cache_dir, split_unsafe_groups
from .client import (
    AggregatedDiscoveryInterface,
    DEFAULT_MAX_WORKERS,
    DerivedQueries,
    GroupsAndMaybeResources,
)
from .errors import UnsafeDiscoveryName
from .interface import DiscoveryInterface
from .model import APIGroup, APIGroupList, APIResourceList
from .types import GroupVersion

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

__all__ = ["DiskCachedDiscoveryClient", "DEFAULT_TTL", "KUBECTL_TTL", "encode_cache_file"]

logger = logging.getLogger(__name__)

#: client-go's customary discovery cache lifetime: 10 minutes.
DEFAULT_TTL = 600.0
#: What current kubectl passes (cli-runtime ``ToDiscoveryClient``): 6 hours.
KUBECTL_TTL = 6 * 3600.0

_DIR_MODE = 0o750  # client-go os.MkdirAll(dir, 0750)
_FILE_MODE = 0o660  # client-go os.Chmod(tmp, 0660)

#: Errors that say no file in the cache directory can be written, not just this one.
_UNWRITABLE = frozenset({errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOTDIR, errno.ENOSPC, errno.EDQUOT})

_GROUPS_FILE = "servergroups.json"
_RESOURCES_FILE = "serverresources.json"
_WRITE_LANES = 8

# Go's encoding/json escapes these inside strings; doing the same keeps files byte-identical to kubectl's.
_GO_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def encode_cache_file(obj: Union[APIGroupList, APIResourceList]) -> bytes:
    """Encode a discovery document the way kubectl writes it (``runtime.Encode`` with the legacy codec).

    Compact JSON with ``kind`` and ``apiVersion`` first, Go's string
    escaping, and the trailing newline of Go's ``json.Encoder``.
    """
    text = json.dumps(obj.to_dict(), separators=(",", ":"), ensure_ascii=False)
    for char, escape in _GO_ESCAPES.items():
        if char in text:
            text = text.replace(char, escape)
    return (text + "\n").encode("utf-8")


def _mkdir_all(path: str, mode: int) -> None:
    """Go's ``os.MkdirAll``: every missing level gets ``mode`` (less the umask).

    ``os.makedirs`` gives intermediate directories the default mode instead.
    """
    if os.path.isdir(path):
        return
    parent = os.path.dirname(path)
    if parent and parent != path:
        _mkdir_all(parent, mode)
    try:
        os.mkdir(path, mode)
    except FileExistsError:
        if not os.path.isdir(path):
            # Go: "mkdir <path>: not a directory"; a file where a directory belongs.
            raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), path) from None


def _decode(data: bytes, kind: str) -> Dict[str, Any]:
    """Parse a cache file and check it is the ``kind`` it should be, as client-go's decoder does.

    Any file that is not, UTF-8 that is not, or JSON nested too deeply for
    the decoder, raises ``ValueError``: the caller ignores the file and
    fetches again, as for any corrupt cache file.
    """
    try:
        document = json.loads(data.decode("utf-8"))
    except RecursionError:
        raise ValueError("nested too deeply") from None
    if not isinstance(document, dict):
        raise ValueError("not a JSON object")
    if document.get("kind") != kind or document.get("apiVersion") != "v1":
        raise ValueError(f"expected kind {kind} of apiVersion v1, got {document.get('kind')!r} {document.get('apiVersion')!r}")
    return document


class DiskCachedDiscoveryClient(DerivedQueries):
    """Caches a delegate's discovery answers in kubectl's disk cache (client-go ``CachedDiscoveryClient``).

    ``fresh`` stays True while every answer came from the server or from
    files this object wrote; after ``invalidate()`` files written by anyone
    else are ignored. Thread-safe.
    """

    def __init__(
        self,
        delegate: DiscoveryInterface,
        cache_dir: Union[str, "os.PathLike[str]"],
        *,
        ttl: float = DEFAULT_TTL,
        clock: Callable[[], float] = time.time,
        max_workers: int = DEFAULT_MAX_WORKERS,
        write_behind: bool = False,
    ) -> None:
        self._delegate = delegate
        # Write-behind: cache files are written on background threads, off the caller's
        # critical path (the first list request overlaps them). ``flush()`` waits for them;
        # concurrent.futures joins its threads at interpreter exit, so nothing is lost.
        # Creating directories and files is mostly waiting on the filesystem, so several
        # lanes write at once; one path always goes to the same lane, so writes of one
        # file land in the order they were made.
        from concurrent.futures import ThreadPoolExecutor  # here: its import is 3 ms of `import dynclient`

        self._writers: List[ThreadPoolExecutor] = [
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="dynclient-cache-writer")
            for _ in range(_WRITE_LANES if write_behind else 0)
        ]
        self._pending: Set[Future] = set()  # writes not yet finished; each removes itself when done
        self._holds = 0  # open holding_writes() blocks
        self._held: List[Tuple[str, Union[APIGroupList, APIResourceList], int]] = []
        # Bumped by invalidate(): a write scheduled before it carries data fetched before it,
        # and must neither land on disk nor count as one of our (fresh) files.
        self._generation = 0
        self._cache_dir = os.path.abspath(os.fspath(cache_dir))
        self._ttl = float(ttl)
        self._clock = clock
        self._max_workers = max_workers
        self._lock = threading.Lock()
        self._our_files: Set[str] = set()  # client-go ourFiles
        self._made_dirs: Set[str] = set()  # directories known to exist (saves a stat per file)
        self._tmp_names = itertools.count()
        self._unwritable = False  # set by the first write the file system refuses outright
        self._invalidated = False
        self._fresh = True

    @classmethod
    def for_host(
        cls,
        delegate: DiscoveryInterface,
        host: str,
        *,
        parent: Optional[str] = None,
        ttl: float = DEFAULT_TTL,
        clock: Callable[[], float] = time.time,
        max_workers: int = DEFAULT_MAX_WORKERS,
    ) -> "DiskCachedDiscoveryClient":
        """Use kubectl's directory for ``host`` under ``parent`` (default ``$KUBECACHEDIR`` or ``~/.kube/cache``)."""
        return cls(delegate, discovery_cache_dir(parent, host), ttl=ttl, clock=clock, max_workers=max_workers)

    def __repr__(self) -> str:
        return f"DiskCachedDiscoveryClient({self._delegate!r}, {self._cache_dir!r}, ttl={self._ttl})"

    @property
    def cache_dir(self) -> str:
        """The per-server directory holding this cache's files."""
        return self._cache_dir

    # -- files ----------------------------------------------------------------------

    def _groups_path(self) -> str:
        return os.path.join(self._cache_dir, _GROUPS_FILE)

    def _resources_path(self, gv: GroupVersion) -> str:
        """``<dir>/<group>/<version>/serverresources.json``; raises ``UnsafeDiscoveryName`` first if needed."""
        check_group_version(gv)
        # check_group_version already rules out separators, "." and ".."; this is the last line of
        # defence, kept cheap (it runs for every group-version of every discovery).
        parts = (gv.group, gv.version) if gv.group else (gv.version,)
        if any(os.sep in p or (os.altsep and os.altsep in p) or p in (".", "..") for p in parts):
            raise UnsafeDiscoveryName(f"refusing to use {gv} as a cache path outside {self._cache_dir}")
        return os.path.join(self._cache_dir, *parts, _RESOURCES_FILE)

    def _read(self, path: str) -> Optional[bytes]:
        """client-go ``getCachedFile``: the bytes of a usable file, or ``None``."""
        with self._lock:
            ours = path in self._our_files
            if self._invalidated and not ours:
                return None
        try:
            with open(path, "rb") as f:
                if self._clock() > os.fstat(f.fileno()).st_mtime + self._ttl:
                    return None
                data = f.read()
        except OSError:
            return None
        with self._lock:
            self._fresh = self._fresh and ours
        return data

    def flush(self) -> None:
        """Wait until every cache file scheduled so far is on disk (write-behind mode)."""
        with self._lock:
            pending = list(self._pending)
        for future in pending:
            future.result()

    def close(self) -> None:
        """Flush pending writes and stop the writer thread."""
        self.flush()
        for writer in self._writers:
            writer.shutdown(wait=True)

    @contextlib.contextmanager
    def holding_writes(self) -> Iterator[None]:
        """``WriteBatching``: queue cache writes until the block ends, then schedule them all.

        A parallel legacy fetch would otherwise write a hundred files while
        it is still fetching, and the writes (mostly filesystem metadata
        work) compete with it for the CPU; after it, they overlap the
        caller's next request instead. ``flush()`` covers writes already
        scheduled, not ones still held.
        """
        with self._lock:
            self._holds += 1
        try:
            yield
        finally:
            with self._lock:
                self._holds -= 1
                held, self._held = (self._held, []) if self._holds == 0 else ([], self._held)
            if held:
                self._schedule(held)

    def _write(self, path: str, obj: Union[APIGroupList, APIResourceList]) -> None:
        """Write now, or hand the write to the background writer (held while a ``holding_writes`` block is open)."""
        with self._lock:
            generation = self._generation
            if self._holds:
                self._held.append((path, obj, generation))
                return
        self._schedule([(path, obj, generation)])

    def _schedule(self, writes: List[Tuple[str, Union[APIGroupList, APIResourceList], int]]) -> None:
        """Write now, or hand the writes to the lanes: one task per lane, not one per file."""
        if not self._writers:
            for path, obj, generation in writes:
                self._write_now(path, obj, generation)
            return
        by_lane: Dict[int, List[Tuple[str, Union[APIGroupList, APIResourceList], int]]] = {}
        lanes = len(self._writers)
        for write in writes:
            by_lane.setdefault(hash(write[0]) % lanes, []).append(write)
        futures = [self._writers[lane].submit(self._write_batch, batch) for lane, batch in by_lane.items()]
        with self._lock:
            self._pending.update(futures)
        for future in futures:
            future.add_done_callback(self._forget)

    def _write_batch(self, writes: List[Tuple[str, Union[APIGroupList, APIResourceList], int]]) -> None:
        for path, obj, generation in writes:
            self._write_now(path, obj, generation)

    def _forget(self, future: Future) -> None:
        with self._lock:
            self._pending.discard(future)

    def _write_now(self, path: str, obj: Union[APIGroupList, APIResourceList], generation: int) -> None:
        """client-go ``writeCachedFile``: temp file, chmod 0660, atomic rename. Failures are only logged.

        The first failure to write at all (a read-only file system, a cache
        directory under a file, no permission) is one warning naming the
        directory; from then on this cache stops trying and works from
        memory, so no request waits on a disk that refuses every file.
        """
        if self._unwritable:
            return
        directory = os.path.dirname(path)
        tmp: Optional[str] = None
        try:
            data = encode_cache_file(obj)
            if directory not in self._made_dirs:
                _mkdir_all(directory, _DIR_MODE)
                self._made_dirs.add(directory)
            # client-go os.CreateTemp(dir, base + "."): a name no other writer uses, then a rename.
            tmp = f"{path}.{os.getpid()}-{next(self._tmp_names)}"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
                os.fchmod(fd, _FILE_MODE)
            finally:
                os.close(fd)
            with self._lock:
                if generation != self._generation:
                    return  # invalidated since this was fetched; the finally removes the temp file
                os.replace(tmp, path)
                tmp = None
                self._our_files.add(path)
        except OSError as err:
            self._made_dirs.discard(directory)  # removed under us, perhaps: check it again next time
            with self._lock:  # the lanes fail together: one of them warns
                first = err.errno in _UNWRITABLE and not self._unwritable
                if first:
                    self._unwritable = True
            if first:
                logger.warning("cannot write the discovery cache in %s (%s); discovery works from memory in "
                               "this process", self._cache_dir, err.strerror or err)
            elif not self._unwritable:
                logger.info("failed to write cache to %s due to %s", path, err)
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.remove(tmp)

    def _cached_groups(self) -> Optional[List[APIGroup]]:
        path = self._groups_path()
        data = self._read(path)
        if data is None:
            return None
        try:
            groups = list(APIGroupList.from_dict(_decode(data, "APIGroupList")).groups)
        except (ValueError, TypeError, AttributeError) as err:
            logger.debug("ignoring unreadable discovery cache file %s: %s", path, err)
            return None
        logger.debug("returning cached discovery info from %s", path)
        return groups

    def _cached_resources(self, path: str, gv: GroupVersion) -> Optional[APIResourceList]:
        data = self._read(path)
        if data is None:
            return None
        try:
            resource_list = APIResourceList.from_dict(_decode(data, "APIResourceList"))
            if resource_list.group_version != gv:
                raise ValueError(f"holds {resource_list.group_version}, not {gv}")
        except (ValueError, TypeError, AttributeError) as err:
            logger.debug("ignoring unreadable discovery cache file %s: %s", path, err)
            return None
        logger.debug("returning cached discovery info from %s", path)
        return resource_list

    # -- CachedDiscoveryInterface ---------------------------------------------------

    @property
    def fresh(self) -> bool:
        """False once an answer came from a cache file this object did not write."""
        with self._lock:
            return self._fresh

    def invalidate(self) -> None:
        """Ignore every cache file not written after this call, and invalidate the delegate if it caches."""
        with self._lock:
            self._our_files = set()
            self._fresh = True
            self._invalidated = True
            self._generation += 1
        invalidate = getattr(self._delegate, "invalidate", None)
        if callable(invalidate):
            invalidate()

    # -- DiscoveryInterface -----------------------------------------------------------

    def groups_and_maybe_resources(self) -> GroupsAndMaybeResources:
        """Groups from ``servergroups.json``, or from the delegate and then written to disk.

        With a cached group list no resources are returned: the caller reads
        each group-version through ``server_resources_for_group_version``,
        which uses its own file. Otherwise whatever the delegate returned is
        written: the group list and, when it came with them (aggregated
        discovery), every non-empty group-version's resources.
        """
        cached = self._cached_groups()
        if cached is not None:
            groups, failed = split_unsafe_groups(cached)
            return groups, None, dict(failed)

        delegate = self._delegate
        resources: Optional[Dict[GroupVersion, APIResourceList]]
        if isinstance(delegate, AggregatedDiscoveryInterface):
            groups, resources, failed = delegate.groups_and_maybe_resources()
            failed = dict(failed)
        else:
            groups, resources, failed = list(delegate.server_groups()), None, {}
        groups, unsafe = split_unsafe_groups(groups)
        failed.update(unsafe)
        with self.holding_writes():  # scheduled together at the end: one task per lane
            resources = self._write_groups_and_resources(groups, resources, failed)
        return groups, resources, failed

    def _write_groups_and_resources(
        self,
        groups: List[APIGroup],
        resources: Optional[Dict[GroupVersion, APIResourceList]],
        failed: Dict[GroupVersion, Exception],
    ) -> Optional[Dict[GroupVersion, APIResourceList]]:
        if groups:
            self._write(self._groups_path(), APIGroupList(tuple(groups)))
        else:
            logger.debug("skipped caching discovery info, no groups found")
        if resources is not None:
            kept: Dict[GroupVersion, APIResourceList] = {}
            for gv, resource_list in resources.items():
                if gv in failed:
                    continue
                try:
                    path = self._resources_path(gv)
                except UnsafeDiscoveryName as err:
                    failed[gv] = err
                    continue
                kept[gv] = resource_list
                if resource_list.resources:
                    self._write(path, resource_list)
            resources = kept
        return resources

    def server_groups(self) -> List[APIGroup]:
        """The served groups, from ``servergroups.json`` when it is usable."""
        return self.groups_and_maybe_resources()[0]

    def server_resources_for_group_version(self, gv: GroupVersion) -> APIResourceList:
        """A group-version's resources from its cache file, else from the delegate (then written unless empty)."""
        path = self._resources_path(gv)
        cached = self._cached_resources(path, gv)
        if cached is not None:
            return cached
        live = self._delegate.server_resources_for_group_version(gv)
        if live.resources:
            self._write(path, live)
        else:
            logger.debug("skipped caching discovery info for %s, no resources found", gv)
        return live

    def cached_resources_for_group_version(self, gv: GroupVersion) -> Optional[APIResourceList]:
        """``LocalResources``: the group-version from its cache file only (``None`` when unusable)."""
        try:
            path = self._resources_path(gv)
        except UnsafeDiscoveryName:
            return None  # server_resources_for_group_version raises it when the pool asks
        return self._cached_resources(path, gv)

    def server_version(self) -> Dict[str, Any]:
        """Always asks the delegate; kubectl does not cache the version either."""
        return self._delegate.server_version()
