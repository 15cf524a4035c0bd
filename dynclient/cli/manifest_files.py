"""``-f PATH [-R]``: which files kubectl reads (cli-runtime ``ExpandPathsToFileVisitors``)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, List, Union

__all__ = ["MANIFEST_EXTENSIONS", "expand_paths"]

#: kubectl's FileExtensions: the files a directory contributes.
MANIFEST_EXTENSIONS = (".json", ".yaml", ".yml")


def expand_paths(paths: Iterable[str], *, recursive: bool = False) -> List[Union[Path, str]]:
    """Files named by ``-f`` arguments, in kubectl's order.

    A file is used whatever its extension; a directory contributes its
    ``.json``/``.yaml``/``.yml`` files in lexical order (``filepath.Walk``),
    and its subdirectories' only with ``recursive``. Files come back as
    ``Path`` objects (so the manifests library never mistakes a name for
    text); ``-`` (stdin) stays ``"-"``.
    """
    out: List[Union[Path, str]] = []
    for path in paths:
        if path == "-":
            out.append(path)
            continue
        if not os.path.exists(path):
            raise ValueError(f'the path "{path}" does not exist')
        if not os.path.isdir(path):
            out.append(Path(path))
            continue
        out.extend(_walk(path, recursive))
    return out


def _walk(root: str, recursive: bool) -> List[Path]:
    found: List[Path] = []
    for entry in sorted(os.listdir(root)):
        full = os.path.join(root, entry)
        if os.path.isdir(full):
            if recursive:
                found.extend(_walk(full, recursive))
        elif entry.endswith(MANIFEST_EXTENSIONS):
            found.append(Path(full))
    return found
