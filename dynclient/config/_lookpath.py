"""Find an exec plugin on PATH the way Go's ``os/exec.LookPath`` does (Go >= 1.19).

A bare command name is looked up in ``$PATH``, entry by entry. Go refuses a
match that is found through a *relative* entry (an empty entry, ``.``, a
trailing ``:``, or ``bin``), since that would run whatever file an attacker
left in the current directory (``exec.ErrDot``, CVE-2022-30580 and the
"PATH lookups" post of the Go team). kubectl inherits that refusal, and so do we.

A command that contains a path separator is used as it is: the kubeconfig
loader has already made it absolute against the kubeconfig's directory.
"""

from __future__ import annotations

import os
import stat
from typing import Optional

__all__ = ["CommandNotFound", "FoundRelativeToCwd", "look_path"]


class CommandNotFound(LookupError):
    """No executable file of that name is on PATH."""


class FoundRelativeToCwd(LookupError):
    """The first match on PATH came through a relative entry (Go's ``exec.ErrDot``)."""

    def __init__(self, command: str, path: str) -> None:
        super().__init__(f'exec: "{command}": cannot run executable found relative to current directory')
        self.command = command
        self.path = path


def _is_executable_file(path: str) -> bool:
    # Go's findExecutable: a regular file (not a directory) with an execute bit we may use.
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return stat.S_ISREG(mode) and os.access(path, os.X_OK)


def look_path(command: str, path_env: Optional[str] = None) -> str:
    """Return the file ``command`` would run; raise CommandNotFound or FoundRelativeToCwd.

    ``path_env`` defaults to this process's ``$PATH`` (Go looks the plugin up in
    the parent's PATH, not in the environment it is started with).
    """
    if os.sep in command or (os.altsep and os.altsep in command):
        return command
    search = os.environ.get("PATH", "") if path_env is None else path_env
    # filepath.SplitList("") is empty: no PATH means nothing is found, not "look in .".
    for entry in search.split(os.pathsep) if search else ():
        candidate = os.path.join(entry or ".", command)
        if _is_executable_file(candidate):
            if not os.path.isabs(candidate):
                raise FoundRelativeToCwd(command, candidate)
            return candidate
    raise CommandNotFound(command)
