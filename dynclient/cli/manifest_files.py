"""``-f PATH [-R]``: which files kubectl reads (cli-runtime ``ExpandPathsToFileVisitors``)."""

from __future__ import annotations

import os
import sys
from typing import Iterable, List, Union

__all__ = ["MANIFEST_EXTENSIONS", "expand_paths", "read_source"]

#: kubectl's FileExtensions: the files a directory contributes.
MANIFEST_EXTENSIONS = (".json", ".yaml", ".yml")


def expand_paths(paths: Iterable[str], *, recursive: bool = False) -> List[str]:
    """Files named by ``-f`` arguments, in kubectl's order.

    A file is used whatever its extension; a directory contributes its
    ``.json``/``.yaml``/``.yml`` files in lexical order (``filepath.Walk``),
    and its subdirectories' only with ``recursive``. ``-`` stands for stdin.
    """
    out: List[str] = []
    for path in paths:
        if path == "-":
            out.append(path)
            continue
        if not os.path.exists(path):
            raise ValueError(f'the path "{path}" does not exist')
        if not os.path.isdir(path):
            out.append(path)
            continue
        out.extend(_walk(path, recursive))
    return out


def _walk(root: str, recursive: bool) -> List[str]:
    found: List[str] = []
    for entry in sorted(os.listdir(root)):
        full = os.path.join(root, entry)
        if os.path.isdir(full):
            if recursive:
                found.extend(_walk(full, recursive))
        elif entry.endswith(MANIFEST_EXTENSIONS):
            found.append(full)
    return found


def read_source(path: str) -> Union[str, bytes]:
    """What to hand the manifests library for one ``-f`` entry: the path, or stdin's text for ``-``."""
    if path == "-":
        return sys.stdin.read()
    return path
