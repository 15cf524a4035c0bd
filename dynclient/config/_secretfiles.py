"""Private files for PEM data that a TLS stack can only take as a path.

``ssl.SSLContext.load_cert_chain`` takes client certificates and keys as file
paths only, so certificate/key *data* (from ``client-key-data`` or an exec
plugin) needs a path. A private key goes, where the platform allows it, into
an anonymous in-memory file (``memfd_create``), reachable only by this
process as ``/proc/self/fd/N``: nothing touches the disk, even if the
process is killed. Otherwise, and for certificates and CAs (not secret, and
sometimes handed to other tools by path), the data goes to a 0600 temp file
removed at exit. One file per distinct content, so asking again for the
same data does not litter the temp dir.
"""

from __future__ import annotations

import atexit
import os
import threading
from typing import Dict, Tuple

__all__ = ["private_file_for"]

_lock = threading.Lock()
_paths: Dict[Tuple[str, str], str] = {}
_memfds: Dict[str, int] = {}


def _in_memory(data: bytes) -> str:
    """A ``/proc/self/fd`` path to a memfd holding ``data``; OSError where there is none."""
    memfd_create = getattr(os, "memfd_create", None)
    if memfd_create is None or not os.path.isdir("/proc/self/fd"):
        raise OSError("no memfd_create")
    fd = memfd_create("dynclient-key", getattr(os, "MFD_CLOEXEC", 0))
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, data)
    except OSError:
        os.close(fd)
        raise
    path = f"/proc/self/fd/{fd}"
    _memfds[path] = fd
    return path


def private_file_for(data: bytes, *, suffix: str = ".pem", secret: bool = False) -> str:
    """Return a path that reads as ``data`` for the rest of the process; ``secret`` data stays off disk if it can."""
    import hashlib  # only client certificates given as data need these two: kept off import time
    import tempfile

    key = (hashlib.sha256(data).hexdigest(), suffix)
    with _lock:
        path = _paths.get(key)
        if path and os.path.exists(path):
            return path
        if secret:
            try:
                path = _paths[key] = _in_memory(data)
                return path
            except OSError:
                pass  # no memfd here: a private temp file, as for the rest
        # mkstemp creates the file with mode 0600 and O_EXCL, so no other user can read it.
        fd, path = tempfile.mkstemp(prefix="dynclient-", suffix=suffix)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)
        _paths[key] = path
        return path


@atexit.register
def _remove_all() -> None:
    with _lock:
        for path in _paths.values():
            fd = _memfds.pop(path, None)
            try:
                if fd is not None:
                    os.close(fd)
                else:
                    os.unlink(path)
            except OSError:
                pass
        _paths.clear()
