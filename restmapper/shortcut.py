"""Short names from discovery (client-go ``restmapper/shortcut.go``).

``ShortcutExpander`` wraps a RESTMapper and rewrites the resource of every
resource lookup first, the way ``expandResourceShortcut`` does:

1. a full resource name or singular name served in the requested group (any
   group when none was given) is left alone, so a CRD named ``po`` wins over
   the ``po`` short name;
2. otherwise the first short name in discovery order wins, and the result is
   ``resource.group`` with the version DROPPED (upstream builds a fresh value).
   Every other resource with the same short name gets one warning naming it;
3. otherwise, when a group was given, the first short name whose group starts
   with it wins (``hpa.autoscal``), keeping the version;
4. otherwise the resource is passed on unchanged.

Go re-reads (cached) discovery on every expansion. Here the short-name table
is built once per discovery snapshot, so an expansion costs a few dict reads
and needs no cache of its own; ``reset()`` drops the table.
"""

from __future__ import annotations

from typing import Callable, Dict, FrozenSet, List, Optional, Sequence, Tuple

from discovery.errors import DynclientError, GroupDiscoveryFailed
from discovery.interface import DiscoveryInterface
from discovery.model import APIResourceList
from discovery.types import GroupKind, GroupResource, GroupVersionKind, GroupVersionResource

from discovery.gostrings import go_quote

from .errors import NoMatch
from .interface import RESTMapper, maybe_reset
from .mapping import RESTMapping

__all__ = ["ShortcutExpander", "WarningHandler"]

WarningHandler = Callable[[str], None]

# (group the short name is served in, the resource it stands for)
_Shortcut = Tuple[str, GroupResource]
_Expansion = Tuple[GroupVersionResource, Tuple[str, ...]]


class _ShortcutTable:
    """Names and short names of one discovery snapshot, indexed for expansion."""

    def __init__(self, resource_lists: Sequence[APIResourceList]) -> None:
        names: Dict[str, set] = {}
        shortcuts: Dict[str, List[_Shortcut]] = {}
        for lst in resource_lists:
            group = lst.group_version.group
            for res in lst.resources:
                # Upstream compares against every entry, subresources included.
                names.setdefault(res.name, set()).add(group)
                names.setdefault(res.singular_name, set()).add(group)
                for short in res.short_names:
                    shortcuts.setdefault(short, []).append((group, GroupResource(group, res.name)))
        self.names: Dict[str, FrozenSet[str]] = {k: frozenset(v) for k, v in names.items()}
        self.shortcuts: Dict[str, Tuple[_Shortcut, ...]] = {k: tuple(v) for k, v in shortcuts.items()}

    def expand(self, resource: GroupVersionResource) -> _Expansion:
        name, group = resource.resource, resource.group
        # "avoid expanding if there's an exact match to a full resource name"
        served_in = self.names.get(name)
        if served_in is not None and (not group or group in served_in):
            return resource, ()

        candidates = self.shortcuts.get(name, ())
        found: Optional[GroupResource] = None
        warnings: List[str] = []
        warned = set()
        for short_group, long_form in candidates:
            if group and group != short_group:
                continue
            if found is None:
                found = long_form
            elif long_form != found and long_form not in warned:
                # Several versions of one resource sharing a short name are not ambiguous.
                warnings.append(f"short name {go_quote(name)} could also match lower priority resource {long_form}")
                warned.add(long_form)
        if found is not None:
            return GroupVersionResource(found.group, "", found.resource), tuple(warnings)

        # "match on group prefixing. This allows autoscal to match autoscaling"
        if group:
            for short_group, long_form in candidates:
                if short_group.startswith(group):
                    return GroupVersionResource(long_form.group, resource.version, long_form.resource), ()
        return resource, ()


def _resource_lists(discovery: DiscoveryInterface) -> Optional[Sequence[APIResourceList]]:
    """Discovery's resource lists, partial ones included; None when nothing could be read."""
    try:
        return discovery.server_groups_and_resources()[1]
    except GroupDiscoveryFailed as err:
        partial = err.partial
        return partial[1] if partial and partial[1] is not None else None
    except DynclientError:
        # Upstream logs and expands nothing; the delegate reports the real failure.
        return None


class ShortcutExpander:
    """A RESTMapper that expands short names before asking ``delegate`` (``shortcutExpander``).

    ``resource_lists`` pins the expander to one discovery snapshot (the
    deferred mapper passes the lists it built its delegate from, so both agree
    and discovery is read once). Without it the table is read from
    ``discovery`` on first use and re-read when a ``kind_for`` misses, as
    upstream re-reads discovery before its retry.
    """

    def __init__(
        self,
        delegate: RESTMapper,
        discovery: DiscoveryInterface,
        warning_handler: Optional[WarningHandler] = None,
        *,
        resource_lists: Optional[Sequence[APIResourceList]] = None,
    ) -> None:
        self.delegate = delegate
        self.discovery = discovery
        self.warning_handler = warning_handler
        self._pinned = resource_lists is not None
        self._table: Optional[_ShortcutTable] = _ShortcutTable(resource_lists) if resource_lists is not None else None

    def _current_table(self) -> _ShortcutTable:
        table = self._table
        if table is None:
            lists = _resource_lists(self.discovery)
            if lists is None:
                return _ShortcutTable(())  # never cache a failure
            table = self._table = _ShortcutTable(lists)
        return table

    def expand(self, resource: GroupVersionResource) -> GroupVersionResource:
        """The resource a (possibly short) name stands for; warns on ambiguous short names."""
        expanded, warnings = self._current_table().expand(resource)
        if warnings and self.warning_handler is not None:
            for message in warnings:
                self.warning_handler(message)
        return expanded

    def kind_for(self, resource: GroupVersionResource) -> GroupVersionKind:
        """Expand, then ask the delegate; on a miss expand again from current discovery and retry once."""
        try:
            return self.delegate.kind_for(self.expand(resource))
        except NoMatch:
            # Upstream: the delegate (kubectl: a deferred mapper) may just have
            # refreshed discovery, so expand once more before giving up.
            if not self._pinned:
                self._table = None
        return self.delegate.kind_for(self.expand(resource))

    def kinds_for(self, resource: GroupVersionResource) -> List[GroupVersionKind]:
        """The delegate's kinds for the expanded resource."""
        return self.delegate.kinds_for(self.expand(resource))

    def resource_for(self, resource: GroupVersionResource) -> GroupVersionResource:
        """The delegate's plural for the expanded resource."""
        return self.delegate.resource_for(self.expand(resource))

    def resources_for(self, resource: GroupVersionResource) -> List[GroupVersionResource]:
        """The delegate's plurals for the expanded resource."""
        return self.delegate.resources_for(self.expand(resource))

    def resource_singularizer(self, resource: str) -> str:
        """The delegate's singular of the expanded name (``svc`` -> ``service``)."""
        return self.delegate.resource_singularizer(self.expand(GroupVersionResource("", "", resource)).resource)

    def rest_mapping(self, group_kind: GroupKind, *versions: str) -> RESTMapping:
        """Kinds have no short names: passed straight to the delegate."""
        return self.delegate.rest_mapping(group_kind, *versions)

    def rest_mappings(self, group_kind: GroupKind, *versions: str) -> List[RESTMapping]:
        """Passed straight to the delegate."""
        return self.delegate.rest_mappings(group_kind, *versions)

    def reset(self) -> None:
        """Forget the short-name table (unless pinned) and reset the delegate."""
        if not self._pinned:
            self._table = None
        maybe_reset(self.delegate)

    def __repr__(self) -> str:
        return f"ShortcutExpander(delegate={self.delegate!r})"
