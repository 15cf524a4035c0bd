"""Run one exec plugin process with bounded time and memory, and leave nothing behind.

``subprocess.run(timeout=...)`` kills only the process it started: a plugin
that is a shell script waiting on ``sleep`` or a browser helper keeps its
children, and those hold the output pipes open. So a non-interactive plugin
starts in a session of its own (no controlling terminal, so it cannot prompt
on ``/dev/tty`` either), and on a timeout or an over-long output the whole
process group is killed. Both pipes are read as they fill, with a cap on
stdout (the credential) and only the tail of stderr kept (for the error).

An interactive run stays in the terminal's process group (the user must be
able to type and to press Ctrl-C), has no time limit, and shares stderr with
the terminal; its stdout is still capped.
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import time
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

__all__ = ["Finished", "TimedOut", "OutputTooLarge", "run_plugin"]

_CHUNK = 64 * 1024
#: How much of stderr is kept for the error message (the end is what explains a failure).
STDERR_TAIL = 8 * 1024
#: After the plugin itself exits, how long a child that still holds the pipes is waited for.
_EXIT_GRACE = 0.5


@dataclass(frozen=True)
class Finished:
    """How a plugin run ended: its exit status, what it printed, and the tail of its stderr."""

    returncode: int
    stdout: bytes
    stderr_tail: bytes


class TimedOut(Exception):
    """The plugin did not finish in time; its process group was killed."""


class OutputTooLarge(Exception):
    """The plugin wrote more than the limit to stdout; its process group was killed."""


def _kill_group(proc: "subprocess.Popen[bytes]", own_group: bool) -> None:
    try:
        if own_group and hasattr(os, "killpg"):
            # The plugin leads its own session, so its pid is the group id of it and its children.
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
    except (ProcessLookupError, PermissionError):
        pass  # already gone
    proc.wait()


def run_plugin(
    argv: Sequence[str],
    *,
    executable: str,
    env: Dict[str, str],
    interactive: bool,
    timeout: Optional[float],
    max_stdout: int,
) -> Finished:
    """Run ``argv`` (``executable`` is the file to start) and collect its output.

    Raises ``TimedOut`` or ``OutputTooLarge`` after killing the plugin's process
    group, and lets ``OSError`` from starting it propagate.
    """
    own_group = not interactive
    proc = subprocess.Popen(
        list(argv),
        executable=executable,
        env=env,
        # client-go connects stdin only to an interactive plugin.
        stdin=None if interactive else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        # An interactive plugin prompts on stderr, so it must reach the terminal.
        stderr=None if interactive else subprocess.PIPE,
        start_new_session=own_group,
        close_fds=True,
    )
    deadline = None if timeout is None or interactive else time.monotonic() + timeout
    stdout: List[bytes] = []
    stdout_size = 0
    stderr_tail = b""
    exited_at: Optional[float] = None
    done = False
    sel = selectors.DefaultSelector()
    try:
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                os.set_blocking(pipe.fileno(), False)
                sel.register(pipe, selectors.EVENT_READ)
        while sel.get_map():
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                raise TimedOut()
            if exited_at is None and proc.poll() is not None:
                exited_at = now
            if exited_at is not None and now - exited_at >= _EXIT_GRACE:
                break  # the plugin is done; a child it left holding the pipe is not waited for
            wait = 0.1
            if deadline is not None:
                wait = min(wait, deadline - now)
            for key, _ in sel.select(max(wait, 0.0)):
                try:
                    chunk = os.read(key.fd, _CHUNK)
                except BlockingIOError:
                    continue
                if not chunk:
                    sel.unregister(key.fileobj)
                elif key.fileobj is proc.stdout:
                    stdout_size += len(chunk)
                    if stdout_size > max_stdout:
                        raise OutputTooLarge()
                    stdout.append(chunk)
                else:
                    stderr_tail = (stderr_tail + chunk)[-STDERR_TAIL:]
        remaining = None if deadline is None else max(deadline - time.monotonic(), 0.0)
        try:
            returncode = proc.wait(remaining)
        except subprocess.TimeoutExpired:
            raise TimedOut() from None
        done = True
        return Finished(returncode, b"".join(stdout), stderr_tail)
    finally:
        sel.close()
        if not done:
            _kill_group(proc, own_group)
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()
