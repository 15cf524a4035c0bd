"""Fake executors for cp: a "container" that is a local directory, and one that replays crafted streams.

``LocalExec`` runs each command as the harness's fake kubelet does (``sh -c 'exec "$@"'`` in the
container's directory), so the tests exercise the real GNU tar on both ends of the copy without a
cluster. ``CannedExec`` answers ``stream`` with given bytes, for the hostile streams.
"""

from __future__ import annotations

import io
import subprocess
import threading
from typing import Any, List, Optional, Sequence

from dynclient.pods.results import ExecResult


class FakeOutput:
    """An ``OutputStream`` stand-in: ``read(n)`` from bytes (split at ``cut`` to force short reads)."""

    def __init__(self, data: bytes, cut: int = 0) -> None:
        self._buf = io.BytesIO(data)
        self._cut = cut

    def read(self, size: int = -1, timeout: Optional[float] = None) -> bytes:
        if size is None or size < 0:
            return self._buf.read()
        return self._buf.read(min(size, self._cut) if self._cut else size)


class FakeSession:
    def __init__(self, stdout: bytes, stderr: bytes = b"", code: int = 0, cut: int = 0,
                 broken: Optional[BaseException] = None) -> None:
        self.stdout, self.stderr = FakeOutput(stdout, cut), FakeOutput(stderr)
        self._code, self._broken = code, broken
        self.closed = False

    def wait(self, timeout: Optional[float] = None) -> int:
        if self._broken is not None:
            raise self._broken
        return self._code

    def close(self) -> None:
        self.closed = True


class LocalExec:
    """Commands run on this machine in ``root``, as the fake kubelet runs them; every call is recorded."""

    def __init__(self, root: str, notice: str = "") -> None:
        self.root, self.notice = root, notice
        self.calls: List[List[str]] = []

    def _argv(self, command: Sequence[str]) -> List[str]:
        self.calls.append(list(command))
        return ["sh", "-c", 'exec "$@"', "sh", *command]

    def run(self, command: Sequence[str], stdin: Any = None, timeout: Optional[float] = None) -> ExecResult:
        with subprocess.Popen(self._argv(command), cwd=self.root, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE) as proc:
            return self._communicate(proc, stdin, timeout)

    @staticmethod
    def _communicate(proc: "subprocess.Popen[bytes]", stdin: Any, timeout: Optional[float]) -> ExecResult:
        def feed() -> None:
            try:
                if stdin is not None:
                    while True:
                        chunk = stdin.read(65536) if hasattr(stdin, "read") else None
                        if chunk is None:
                            proc.stdin.write(stdin)
                            break
                        if not chunk:
                            break
                        proc.stdin.write(chunk)
            except BrokenPipeError:
                pass
            finally:
                try:
                    proc.stdin.close()
                except BrokenPipeError:
                    pass
        writer = threading.Thread(target=feed, daemon=True)
        writer.start()
        errs: List[bytes] = []
        reader = threading.Thread(target=lambda: errs.append(proc.stderr.read()), daemon=True)
        reader.start()
        out = proc.stdout.read()
        reader.join(60)
        err = errs[0] if errs else b""
        code = proc.wait(timeout)
        writer.join(10)
        return ExecResult(out, err, code)

    def stream(self, command: Sequence[str]) -> FakeSession:
        proc = subprocess.run(self._argv(command), cwd=self.root, capture_output=True, timeout=60)
        return FakeSession(proc.stdout, proc.stderr, proc.returncode)


class CannedExec:
    """``stream`` answers with the given sessions in turn (one per attempt); ``run`` is not expected."""

    def __init__(self, *sessions: FakeSession, notice: str = "") -> None:
        self._sessions = list(sessions)
        self.notice = notice
        self.calls: List[List[str]] = []

    def run(self, command: Sequence[str], stdin: Any = None, timeout: Optional[float] = None) -> ExecResult:
        raise AssertionError(f"unexpected run {command}")

    def stream(self, command: Sequence[str]) -> FakeSession:
        self.calls.append(list(command))
        return self._sessions.pop(0)
