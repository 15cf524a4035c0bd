"""cp's branch of the pod I/O error tree: what can go wrong between the local tree and the container's tar.

Each message is kubectl's text for the same failure, so the CLI prints
``str(err)`` after ``error: `` as kubectl does.
"""

from __future__ import annotations

import os

from .errors import PodIOError

__all__ = ["CopyError", "TarStreamError", "LocalFileError", "LocalSourceMissing", "RemoteCommandFailed",
           "go_errno_text"]


class CopyError(PodIOError):
    """copy_to or copy_from could not finish."""


class TarStreamError(CopyError):
    """The container's tar stream is not one to extract: a member outside the source (``tar contents
    corrupted``), a broken header, or its end missing inside a member (``unexpected EOF``)."""


class LocalSourceMissing(CopyError):
    """copy_to's local source does not exist (kubectl: ``X doesn't exist in local filesystem``)."""


class LocalFileError(CopyError):
    """A local file or directory could not be made or written: Go's ``os.PathError`` text (``open a: is a
    directory``); ``errno`` and ``path`` say which."""

    def __init__(self, op: str, path: str, errno: int) -> None:
        super().__init__(f"{op} {path}: {go_errno_text(errno)}")
        self.op, self.path, self.errno = op, path, errno


class RemoteCommandFailed(CopyError):
    """The container's tar exited non-zero; ``stderr`` is what it said (``Cannot open: ...``).

    The text is client-go's for a non-zero exit (``command terminated with
    exit code 2``), which is what kubectl prints before exiting with it.
    """

    def __init__(self, exit_code: int, stderr: bytes = b"", *, namespace: str = "", pod: str = "") -> None:
        super().__init__(f"command terminated with exit code {exit_code}", namespace=namespace, pod=pod)
        self.exit_code, self.stderr = exit_code, stderr


def go_errno_text(errno: int) -> str:
    """Go's ``syscall.Errno.Error()`` on Linux: the C library's text with its first letter in lower case."""
    text = os.strerror(errno)
    return text[:1].lower() + text[1:]
