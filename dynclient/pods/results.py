"""Value types pod I/O hands back."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ExecResult"]


@dataclass(frozen=True)
class ExecResult:
    """What a finished command left: its output and its exit code.

    A non-zero ``exit_code`` is a result, not an exception: ``grep`` finding
    nothing exits 1, and the caller decides what that means.
    """

    stdout: bytes
    stderr: bytes
    exit_code: int

    @property
    def ok(self) -> bool:
        return self.exit_code == 0
