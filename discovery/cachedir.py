"""Where kubectl keeps its caches, and which names may become part of a path.

dynclient shares kubectl's discovery cache, so the directory for a server
must be computed exactly as cli-runtime's ``config_flags.go`` does it:
``$KUBECACHEDIR`` (or ``~/.kube/cache``), then ``discovery/``, then the
server host made filesystem-safe by ``computeDiscoverCacheDir``.

The same module owns the other half of path safety: group and version names
come from the server (or from a cache file anyone could have written) and
end up in URLs and file paths, so each one must pass ``safe_component``
before it is used. ``split_unsafe_groups`` applies that rule to a whole
group list and reports what it refused as failed group-versions.
"""

from __future__ import annotations

import os
import posixpath
import re
from typing import Dict, List, Optional, Sequence, Tuple

from .errors import UnsafeDiscoveryName
from .model import APIGroup
from .types import GroupVersion

__all__ = [
    "default_cache_dir",
    "discovery_cache_dir",
    "http_cache_dir",
    "safe_component",
    "check_group_version",
    "split_unsafe_groups",
]

# cli-runtime's overlyCautiousIllegalFileCharacters is the Go regexp `[^(\w/.)]`.
# Go's \w is ASCII-only, and the parentheses are literal members of the class.
_ILLEGAL_HOST_CHARS = re.compile(r"[^()A-Za-z0-9_/.]")

_SAFE_COMPONENT = re.compile(r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?")


def default_cache_dir() -> str:
    """kubectl's cache root: ``$KUBECACHEDIR``, else ``~/.kube/cache`` (cli-runtime ``getDefaultCacheDir``).

    Read at call time, so a changed ``HOME`` or ``KUBECACHEDIR`` is honoured.
    """
    env = os.environ.get("KUBECACHEDIR", "")
    if env:
        return env
    # HOME unset: Python falls back to the password database, where kubectl (homedir.HomeDir()
    # returning "") uses ".kube/cache" under the working directory. When neither knows a home,
    # dynclient does what kubectl does, rather than create a directory named "~".
    home = os.path.expanduser("~")
    if home.startswith("~"):
        return os.path.join(".kube", "cache")
    return os.path.join(home, ".kube", "cache")


def _go_join(*elems: str) -> str:
    """Go's ``filepath.Join`` on POSIX: join the non-empty parts, then ``Clean``.

    Unlike ``os.path.join`` an absolute later part does not discard the
    earlier ones, and ``..``/``//`` are collapsed, which is what decides the
    directory kubectl uses.
    """
    parts = [e for e in elems if e]
    if not parts:
        return ""
    cleaned = posixpath.normpath("/".join(parts))
    if cleaned.startswith("//"):
        # POSIX normpath keeps a leading "//"; Go's Clean does not.
        cleaned = "/" + cleaned.lstrip("/")
    return cleaned


def discovery_cache_dir(parent: Optional[str], host: str) -> str:
    """The per-server discovery cache directory kubectl uses for ``host``.

    ``parent`` is the cache root (``default_cache_dir()`` when ``None``);
    kubectl passes ``filepath.Join(cacheDir, "discovery")`` to
    ``computeDiscoverCacheDir``, which strips one ``https://`` and one
    ``http://`` (anywhere, as ``strings.Replace(..., 1)`` does) and turns every
    other unsafe character into ``_``.
    """
    root = default_cache_dir() if parent is None else parent
    schemeless = host.replace("https://", "", 1).replace("http://", "", 1)
    safe_host = _ILLEGAL_HOST_CHARS.sub("_", schemeless)
    return _go_join(_go_join(root, "discovery"), safe_host)


def http_cache_dir(parent: Optional[str] = None) -> str:
    """kubectl's HTTP cache directory: ``<cache root>/http``."""
    root = default_cache_dir() if parent is None else parent
    return _go_join(root, "http")


def safe_component(name: str) -> bool:
    """Whether ``name`` may be used as one URL path segment or one directory name.

    Letters and digits at both ends, ``-``, ``_`` and ``.`` inside; never
    ``.`` or ``..``. Every real group and version name fits (DNS subdomains
    and ``v1beta1`` forms), and nothing that fits can climb out of a directory.
    """
    return (
        isinstance(name, str)
        and name not in (".", "..")
        and _SAFE_COMPONENT.fullmatch(name) is not None  # not match+$: "$" accepts a trailing newline
    )


def check_group_version(gv: GroupVersion) -> None:
    """Raise ``UnsafeDiscoveryName`` unless ``gv`` can be put in a path (the core group ``""`` can)."""
    if gv.group and not safe_component(gv.group):
        raise UnsafeDiscoveryName(f"refusing to use unsafe API group name {gv.group!r} as a path component")
    if not safe_component(gv.version):
        raise UnsafeDiscoveryName(
            f"refusing to use unsafe API version name {gv.version!r} of group {gv.group!r} as a path component"
        )


def split_unsafe_groups(
    groups: Sequence[APIGroup],
) -> Tuple[List[APIGroup], Dict[GroupVersion, Exception]]:
    """Drop every group-version whose names are unsafe, and report each as failed.

    A group whose own name is unsafe is dropped whole. When the preferred
    version is dropped, the first remaining version becomes preferred, the
    same rule aggregated discovery uses for stale versions.
    """
    kept: List[APIGroup] = []
    failed: Dict[GroupVersion, Exception] = {}
    for group in groups:
        versions = []
        for version in group.versions:
            gv = GroupVersion(group.name, version)
            try:
                check_group_version(gv)
            except UnsafeDiscoveryName as err:
                failed[gv] = err
                continue
            versions.append(version)
        if group.name and not safe_component(group.name):
            continue
        if len(versions) == len(group.versions):
            kept.append(group)
            continue
        preferred = group.preferred_version if group.preferred_version in versions else (versions[0] if versions else "")
        kept.append(APIGroup(group.name, tuple(versions), preferred))
    return kept, failed
