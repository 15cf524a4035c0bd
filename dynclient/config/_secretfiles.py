"""Private temp files for PEM data that a TLS stack can only take as a path.

``ssl.SSLContext.load_cert_chain`` takes client certificates and keys as file
paths only, so certificate/key *data* (from ``client-key-data`` or an exec plugin)
goes to a 0600 file that lives until the process exits. One file per distinct
content, so asking again for the same data does not litter the temp dir.
"""

from __future__ import annotations

import atexit
import os
import threading
from typing import Dict, Tuple

__all__ = ["private_file_for"]

_lock = threading.Lock()
_paths: Dict[Tuple[str, str], str] = {}


def private_file_for(data: bytes, *, suffix: str = ".pem") -> str:
    """Return the path of a 0600 temp file holding ``data``, written once per process."""
    import hashlib  # only client certificates given as data need these two: kept off import time
    import tempfile

    key = (hashlib.sha256(data).hexdigest(), suffix)
    with _lock:
        path = _paths.get(key)
        if path and os.path.exists(path):
            return path
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
            try:
                os.unlink(path)
            except OSError:
                pass
        _paths.clear()
