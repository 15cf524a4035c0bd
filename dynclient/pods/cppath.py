"""The path arithmetic of ``kubectl cp`` (kubectl ``pkg/cmd/cp/filespec.go``), in Go's own semantics.

``kubectl cp`` decides which directory the remote ``tar`` runs in, which
prefix every entry of a tar stream must carry, and which local file an entry
lands in, with Go's ``path`` functions. Python's ``posixpath`` differs at the
edges (``normpath("//a")`` keeps both slashes, ``basename("a/")`` is ``""``),
and those edges decide where bytes are written, so they are redone here
exactly. Remote paths are always ``/``-separated; a ``\\`` in one becomes
``/`` (kubectl assumes a Linux container). Local paths follow the same rules
on POSIX (``filepath`` is ``path`` there).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional

from discovery.gostrings import go_quote

__all__ = ["clean", "dir_of", "base", "join", "rel", "strip_trailing_slash", "strip_leading_slash",
           "strip_path_shortcuts", "remote", "is_relative", "FileSpec", "FileSpecError", "parse_file_spec",
           "tar_prefix", "go_quote"]


def clean(p: str) -> str:
    """Go's ``path.Clean``: the shortest lexically equal path; ``""`` is ``"."``, ``/..`` is ``/``."""
    if not p:
        return "."
    rooted = p.startswith("/")
    parts: List[str] = []
    for part in p.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts and parts[-1] != "..":
                parts.pop()
            elif not rooted:
                parts.append("..")
            continue
        parts.append(part)
    text = "/".join(parts)
    return "/" + text if rooted else (text or ".")


def dir_of(p: str) -> str:
    """Go's ``path.Dir``: everything before the last ``/``, cleaned (``"a"`` gives ``"."``)."""
    return clean(p[:p.rfind("/") + 1])


def base(p: str) -> str:
    """Go's ``path.Base``: the last element, trailing slashes ignored (``""`` is ``"."``, ``"//"`` is ``"/"``)."""
    if not p:
        return "."
    p = p.rstrip("/")
    if not p:
        return "/"
    return p[p.rfind("/") + 1:]


def join(*elems: str) -> str:
    """Go's ``path.Join``: the non-empty elements joined with ``/`` and cleaned; ``""`` when all are empty."""
    for i, elem in enumerate(elems):
        if elem:
            return clean("/".join(elems[i:]))
    return ""


def rel(basepath: str, targpath: str) -> Optional[str]:
    """Go's ``filepath.Rel`` on POSIX, or None where Go returns an error (one side rooted, or ``..`` to climb)."""
    b, t = clean(basepath), clean(targpath)
    if b == t:
        return "."
    if b == ".":
        b = ""
    if b.startswith("/") != t.startswith("/"):
        return None
    bparts = [x for x in b.split("/") if x]
    tparts = [x for x in t.split("/") if x]
    i = 0
    while i < len(bparts) and i < len(tparts) and bparts[i] == tparts[i]:
        i += 1
    if i < len(bparts) and bparts[i] == "..":
        return None
    return "/".join([".."] * (len(bparts) - i) + tparts[i:])


def strip_trailing_slash(p: str) -> str:
    """One trailing ``/`` off, except from ``/`` itself (kubectl's ``stripTrailingSlash``)."""
    return p[:-1] if p and p != "/" and p.endswith("/") else p


def strip_leading_slash(p: str) -> str:
    """Every leading ``/`` and ``\\`` off: tar removes them from member names, so kubectl does too."""
    return p.lstrip("/\\")


def strip_path_shortcuts(p: str) -> str:
    """Leading ``../`` elements off, a lone ``.`` or ``..`` to ``""``, then one leading ``/`` (kubectl's)."""
    while p.startswith("../"):
        p = p[3:]
    if p in (".", ".."):
        p = ""
    return p[1:] if p.startswith("/") else p


def remote(p: str) -> str:
    """kubectl's ``newRemotePath``: one trailing slash off, ``\\`` to ``/``."""
    return strip_trailing_slash(p).replace("\\", "/")


def is_relative(basepath: str, target: str) -> bool:
    """kubectl's ``isRelative``: ``target`` is ``basepath`` or lexically below it."""
    r = rel(basepath, target)
    return r is not None and (r == "." or r == strip_path_shortcuts(r))


def tar_prefix(remote_path: str) -> str:
    """What every member name of ``tar cf - remote_path`` starts with (``copyFromPod``'s ``prefix``).

    tar strips the leading ``/`` (and ``../``) of the names it stores; a
    member not starting with this prefix means the stream was tampered with.
    """
    return strip_path_shortcuts(clean(strip_leading_slash(remote(remote_path))))


class FileSpecError(ValueError):
    """An argument of ``cp`` that is neither a local path nor ``[namespace/]pod:path``."""


@dataclass(frozen=True)
class FileSpec:
    """One side of ``cp``: a local path (``pod`` empty) or a path in ``[namespace/]pod``."""

    path: str
    pod: str = ""
    namespace: str = ""

    @property
    def remote(self) -> bool:
        return bool(self.pod)


FORMAT_ERROR = "filespec must match the canonical format: [[namespace/]pod:]file/path"


def parse_file_spec(arg: str) -> FileSpec:
    """kubectl's ``extractFileSpec``: the first ``:`` splits pod from path; ``ns/pod`` names the namespace."""
    i = arg.find(":")
    if i == 0:
        raise FileSpecError(FORMAT_ERROR)
    if i < 0:
        return FileSpec(strip_trailing_slash(arg))
    pod, path = arg[:i], remote(arg[i + 1:])
    pieces = pod.split("/")
    if len(pieces) == 1:
        return FileSpec(path, pieces[0])
    if len(pieces) == 2:
        return FileSpec(path, pieces[1], pieces[0])
    raise FileSpecError(FORMAT_ERROR)


