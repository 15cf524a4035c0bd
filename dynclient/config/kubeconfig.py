"""Read and merge kubeconfig files in kubectl's order (clientcmd ``loader.go``).

The path list is ``$KUBECONFIG`` (``os.pathsep``-separated, empty entries
ignored, duplicates dropped, missing files skipped) or ``~/.kube/config``.
Paths given explicitly must exist. Merging follows ``ClientConfigLoadingRules.Load``:

* ``clusters``, ``users``, ``contexts`` and ``extensions``: the *first* file
  that defines a name wins, and its whole entry is used (later entries with
  the same name are discarded even where they would not conflict);
* ``current-context`` and each ``preferences`` key: the first non-empty value wins.

Relative paths inside a file resolve against that file's directory before
merging, so each entry keeps the meaning it had in its own file.
"""

from __future__ import annotations

import logging
import os
from types import MappingProxyType
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from discovery._frozen import Frozen

from ._build import build_rest_config
from ._parse import ParsedFile, parse_document
from ._yamlfile import decode_kubeconfig
from .errors import ConfigError
from .impersonation import Impersonation
from .model import ClusterInfo, ContextInfo, RESTConfig, UserInfo

__all__ = ["Kubeconfig", "load_kubeconfig", "default_kubeconfig_paths"]

logger = logging.getLogger("dynclient.config")



PathArg = Union[str, "os.PathLike[str]"]


def default_kubeconfig_paths() -> List[str]:
    """The files kubectl would read: ``$KUBECONFIG``'s entries, or ``~/.kube/config``."""
    env = os.environ.get("KUBECONFIG", "")
    if env:
        seen: Dict[str, None] = {}
        for entry in env.split(os.pathsep):
            if entry:
                seen.setdefault(entry, None)
        return list(seen)
    return [os.path.join(os.path.expanduser("~"), ".kube", "config")]


def _read_file(path: str, *, must_exist: bool) -> Optional[ParsedFile]:
    try:
        with open(path, "rb") as handle:
            text = handle.read()
    except FileNotFoundError:
        if must_exist:
            raise ConfigError("file not found", file=path) from None
        return None
    except OSError as err:
        raise ConfigError(f"cannot read: {err.strerror or type(err).__name__}", file=path) from None
    doc = decode_kubeconfig(text, path=path)
    return parse_document(doc, source=path, base_dir=os.path.dirname(os.path.abspath(path)))


def _first_wins(target: Dict[str, Any], source: Mapping[str, Any]) -> None:
    for key, value in source.items():
        target.setdefault(key, value)


def _is_empty(value: Any) -> bool:
    return value is None or value is False or value == "" or value == {} or value == []


class Kubeconfig(Frozen):
    """A merged kubeconfig: named clusters, users and contexts, and the current context."""

    clusters: Mapping[str, ClusterInfo]
    users: Mapping[str, UserInfo]
    contexts: Mapping[str, ContextInfo]
    current_context: Optional[str]
    preferences: Mapping[str, Any]
    extensions: Mapping[str, Any]
    #: The files merged, in precedence order ("<dict>" for an in-memory config).
    sources: Tuple[str, ...]
    #: Every path considered, including the missing ones that were skipped.
    searched: Tuple[str, ...]
    __slots__ = ("clusters", "users", "contexts", "current_context", "preferences", "extensions", "sources",
                 "searched")

    def __init__(self, clusters: Optional[Mapping[str, ClusterInfo]] = None,
                 users: Optional[Mapping[str, UserInfo]] = None, contexts: Optional[Mapping[str, ContextInfo]] = None,
                 current_context: Optional[str] = None, preferences: Optional[Mapping[str, Any]] = None,
                 extensions: Optional[Mapping[str, Any]] = None, sources: Tuple[str, ...] = (),
                 searched: Tuple[str, ...] = ()) -> None:
        for name, value in (("clusters", clusters), ("users", users), ("contexts", contexts),
                            ("preferences", preferences), ("extensions", extensions)):
            object.__setattr__(self, name, MappingProxyType(dict(value or {})))
        object.__setattr__(self, "current_context", current_context)
        object.__setattr__(self, "sources", sources)
        object.__setattr__(self, "searched", searched)

    def __reduce__(self) -> Tuple[Any, Tuple[Any, ...]]:
        # mappingproxies do not pickle: hand __init__ the plain dicts it wraps again.
        return self.__class__, (dict(self.clusters), dict(self.users), dict(self.contexts), self.current_context,
                                dict(self.preferences), dict(self.extensions), self.sources, self.searched)

    def __repr__(self) -> str:
        return (f"Kubeconfig(sources={self.sources!r}, current_context={self.current_context!r}, "
                f"contexts={sorted(self.contexts)!r}, clusters={sorted(self.clusters)!r}, "
                f"users={sorted(self.users)!r})")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "<dict>") -> "Kubeconfig":
        """Build from an already-decoded kubeconfig mapping.

        When ``source`` is a file path, relative paths resolve against its
        directory; with the default ``"<dict>"`` they stay relative to the
        working directory, as clientcmd does for in-memory configs.
        """
        if not isinstance(data, Mapping):
            raise TypeError(f"kubeconfig data must be a mapping, got {type(data).__name__}")
        base_dir = None if source.startswith("<") else os.path.dirname(os.path.abspath(source))
        return cls._merged([parse_document(dict(data), source=source, base_dir=base_dir)], searched=(source,))

    @classmethod
    def _merged(cls, files: Sequence[ParsedFile], *, searched: Sequence[str]) -> "Kubeconfig":
        clusters: Dict[str, ClusterInfo] = {}
        users: Dict[str, UserInfo] = {}
        contexts: Dict[str, ContextInfo] = {}
        extensions: Dict[str, Any] = {}
        preferences: Dict[str, Any] = {}
        current: Optional[str] = None
        for parsed in files:
            _first_wins(clusters, parsed.clusters)
            _first_wins(users, parsed.users)
            _first_wins(contexts, parsed.contexts)
            _first_wins(extensions, parsed.extensions)
            current = current or parsed.current_context
            for key, value in parsed.preferences.items():
                if _is_empty(preferences.get(key)) and not _is_empty(value):
                    preferences[key] = value
        return cls(clusters=clusters, users=users, contexts=contexts, current_context=current,
                   preferences=preferences, extensions=extensions,
                   sources=tuple(p.source for p in files), searched=tuple(searched))

    def context_names(self) -> List[str]:
        """The context names, sorted."""
        return sorted(self.contexts)

    def rest_config(
        self,
        context: Optional[str] = None,
        *,
        namespace: Optional[str] = None,
        impersonate: Optional[Impersonation] = None,
        cluster: Optional[str] = None,
        user: Optional[str] = None,
    ) -> RESTConfig:
        """Build the ``RESTConfig`` for ``context`` (default: current-context), validating what it uses.

        ``cluster``/``user`` replace the context's references (kubectl ``--cluster``/``--user``);
        ``impersonate``'s non-empty fields replace the user's ``as*`` settings;
        the namespace is ``namespace``, else the context's, else ``"default"``.
        """
        return build_rest_config(self, context, namespace=namespace, impersonate=impersonate,
                                 cluster=cluster, user=user)


def load_kubeconfig(paths: Optional[Union[PathArg, Sequence[PathArg]]] = None) -> Kubeconfig:
    """Read and merge kubeconfig files; with ``None``, those of ``$KUBECONFIG`` or ``~/.kube/config``.

    Explicit paths must exist; files from ``$KUBECONFIG`` that are missing are
    skipped, as kubectl does. Finding none at all is not an error here: the
    result is empty and ``rest_config()`` explains what was looked for.
    """
    if paths is None:
        chosen, must_exist = default_kubeconfig_paths(), False
    else:
        if isinstance(paths, (str, os.PathLike)):
            paths = [paths]
        chosen, must_exist = [os.path.expanduser(os.fspath(p)) for p in paths], True
        chosen = list(dict.fromkeys(chosen))
    files = [parsed for parsed in (_read_file(p, must_exist=must_exist) for p in chosen) if parsed]
    if not files and paths is None and os.environ.get("KUBECONFIG"):
        # clientcmd's WarnIfAllMissing.
        logger.warning("no kubeconfig found: none of the KUBECONFIG files exist: %s", ", ".join(chosen))
    return Kubeconfig._merged(files, searched=chosen)
