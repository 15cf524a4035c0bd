"""apimachinery's DefaultRESTMapper, answered from dict indexes.

Go's ``DefaultRESTMapper`` (``pkg/api/meta/restmapper.go``) keeps a few maps
and scans all of ``pluralToSingular`` or ``resourceToKind`` on every lookup;
client-go then stacks one such mapper per group-version in a
``MultiRESTMapper``, so ``kubectl get po`` walks every entry of every
group-version. Here the same maps are kept (so the semantics stay
recognisable) and an index by lower-case resource name and by group-kind is
derived from them, already sorted the way Go sorts. A lookup reads one short
list and filters it.

``DefaultRESTMapper.union(mappers)`` fuses several mappers into one index and
answers exactly what ``MultiRESTMapper(mappers)`` answers (``multi.py`` keeps
the literal composition, and the tests compare the two). Each member stays a
*segment*, because some rules are per member in Go: the "exact group first,
then group prefix" fallback, the per-member sort, and ``RESTMapping``'s
"ambiguous across members" rule.

Deliberate differences from Go, all where Go's answer is accidental:

* results are de-duplicated. A lone Go DefaultRESTMapper lists ``endpoints``
  twice (its singular and plural are equal) and so calls it ambiguous with
  itself; every real stack de-duplicates in MultiRESTMapper anyway;
* sorting treats a group-version missing from ``default_group_versions`` as
  last. Go's comparator is inconsistent there, so its order is undefined;
* where Go iterates a map and stops at the first hit (fully qualified
  ``ResourcesFor``), the hit is the first registered, not a random one.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Mapping, NamedTuple, Optional, Sequence, Tuple

from discovery.types import GroupKind, GroupVersion, GroupVersionKind, GroupVersionResource

from .errors import AmbiguousKind, AmbiguousResource, MappingError, NoKindMatch, NoResourceMatch
from .mapping import RESTMapping, Scope

__all__ = ["DefaultRESTMapper", "unsafe_guess_kind_to_resource", "INTERNAL_VERSION"]

#: runtime.APIVersionInternal; a version that means "no version" when matching.
INTERNAL_VERSION = "__internal"

# restmapper.go unpluralizedSuffixes: kinds whose plural equals the singular.
_UNPLURALIZED_SUFFIXES = ("endpoints",)


def unsafe_guess_kind_to_resource(kind: GroupVersionKind) -> Tuple[GroupVersionResource, GroupVersionResource]:
    """Guess ``(plural, singular)`` resources from a kind (``meta.UnsafeGuessKindToResource``).

    Only a guess: used for servers that omit ``singularName``. ``Endpoints``
    stays ``endpoints``; ``-s/-z/-ch/-sh/-x`` add ``es``; consonant + ``y``
    becomes ``ies``; everything else adds ``s``.
    """
    if not kind.kind:
        empty = GroupVersionResource("", "", "")
        return empty, empty
    singular_name = kind.kind.lower()
    singular = GroupVersionResource(kind.group, kind.version, singular_name)
    if singular_name.endswith(_UNPLURALIZED_SUFFIXES):
        return singular, singular
    if singular_name.endswith(("s", "z", "ch", "sh", "x")):
        return GroupVersionResource(kind.group, kind.version, singular_name + "es"), singular
    if singular_name.endswith("y") and not singular_name.endswith(("ay", "ey", "iy", "oy", "uy")):
        return GroupVersionResource(kind.group, kind.version, singular_name[:-1] + "ies"), singular
    return GroupVersionResource(kind.group, kind.version, singular_name + "s"), singular


class _Segment:
    """The maps of one Go DefaultRESTMapper (one member of a union)."""

    def __init__(self, default_group_versions: Iterable[GroupVersion]) -> None:
        order = list(dict.fromkeys(default_group_versions))
        self.default_group_versions: Tuple[GroupVersion, ...] = tuple(order)
        self.rank: Dict[GroupVersion, int] = {gv: i for i, gv in enumerate(order)}
        # The same ranks keyed by (group, version): no GroupVersion is built to look one up.
        self.rank_by_pair: Dict[Tuple[str, str], int] = {(gv.group, gv.version): i for i, gv in enumerate(order)}
        self.plural_to_singular: Dict[GroupVersionResource, GroupVersionResource] = {}
        self.resource_to_kind: Dict[GroupVersionResource, GroupVersionKind] = {}
        self.kind_to_plural: Dict[GroupVersionKind, GroupVersionResource] = {}
        self.kind_to_scope: Dict[GroupVersionKind, Scope] = {}

    def sort_rank(self, gv: GroupVersion) -> int:
        return self.rank.get(gv, len(self.rank))

    def pair_rank(self, group: str, version: str) -> int:
        return self.rank_by_pair.get((group, version), len(self.rank_by_pair))


class _ResourceEntry(NamedTuple):
    """One way a lower-case name reaches a plural: via ``match`` (its singular or plural)."""

    segment: int
    group: str  # match.group
    version: str  # match.version
    match: GroupVersionResource
    plural: GroupVersionResource
    singular: GroupVersionResource
    order: int  # registration order, for Go's "first hit in the map" cases


class _KindEntry(NamedTuple):
    """One ``resourceToKind`` key whose resource is the indexed name."""

    segment: int
    group: str
    version: str
    kind: GroupVersionKind


class _MappingEntry(NamedTuple):
    """One ``kindToPluralResource`` key, with its mapping built once."""

    segment: int
    version: str
    default_rank: Optional[int]  # position in the segment's default group versions, or None
    mapping: RESTMapping


class _Index(NamedTuple):
    resources: Dict[str, Tuple[_ResourceEntry, ...]]
    kinds: Dict[str, Tuple[_KindEntry, ...]]
    mappings: Dict[GroupKind, Tuple[_MappingEntry, ...]]


def _build_index(segments: Sequence[_Segment]) -> _Index:
    # Each entry is kept with its sort key, computed once: (segment, rank of its
    # group-version in the segment, name).
    resources: Dict[str, List[Tuple[tuple, _ResourceEntry]]] = {}
    kinds: Dict[str, List[Tuple[tuple, _KindEntry]]] = {}
    mappings: Dict[GroupKind, List[Tuple[tuple, _MappingEntry]]] = {}
    for n, seg in enumerate(segments):
        rank = seg.pair_rank
        for order, (plural, singular) in enumerate(seg.plural_to_singular.items()):
            key = (n, rank(plural.group, plural.version), plural.resource)
            # ResourcesFor appends the plural when either its singular or its plural matches.
            for match in ((singular,) if singular == plural else (singular, plural)):
                resources.setdefault(match.resource, []).append(
                    (key, _ResourceEntry(n, match.group, match.version, match, plural, singular, order)))
        for res_key, kind in seg.resource_to_kind.items():
            kinds.setdefault(res_key.resource, []).append(
                ((n, rank(kind.group, kind.version), kind.kind), _KindEntry(n, res_key.group, res_key.version, kind)))
        unranked = len(seg.rank)
        for gvk, plural in seg.kind_to_plural.items():
            mapping = RESTMapping(plural, gvk, seg.kind_to_scope[gvk])
            default_rank = seg.rank_by_pair.get((gvk.group, gvk.version))
            mappings.setdefault(gvk.group_kind, []).append(
                ((n, unranked if default_rank is None else default_rank),
                 _MappingEntry(n, gvk.version, default_rank, mapping)))

    # The orders Go produces: members in union order; inside a member, sorted by
    # preferred group version, then by name (resourceByPreferredGroupVersion,
    # kindByPreferredGroupVersion). Sorting once here keeps lookups sort-free;
    # a name with one entry (most CRD names per member) needs no sort at all.
    def ordered(entries: List[Tuple[tuple, Any]]) -> tuple:
        if len(entries) > 1:
            entries.sort(key=lambda pair: pair[0])
        return tuple(e for _, e in entries)

    return _Index({k: ordered(v) for k, v in resources.items()}, {k: ordered(v) for k, v in kinds.items()},
                  {k: ordered(v) for k, v in mappings.items()})


def _unique(items: Iterable) -> list:
    return list(dict.fromkeys(items))


class DefaultRESTMapper:
    """Resource/kind mapping from registered kinds (apimachinery ``DefaultRESTMapper``).

    ``default_group_versions`` orders results and is searched, in order, when
    ``rest_mapping`` gets no version. A resource name is matched in lower case
    against both the plural and the singular form.
    """

    def __init__(
        self,
        default_group_versions: Sequence[GroupVersion] = (),
        *,
        discovery_failures: Optional[Mapping[GroupVersion, BaseException]] = None,
    ) -> None:
        self._segments: List[_Segment] = [_Segment(default_group_versions)]
        self._failures: Dict[GroupVersion, BaseException] = dict(discovery_failures or {})
        self._index: Optional[_Index] = None

    @classmethod
    def union(
        cls,
        mappers: Sequence["DefaultRESTMapper"],
        *,
        discovery_failures: Optional[Mapping[GroupVersion, BaseException]] = None,
    ) -> "DefaultRESTMapper":
        """One indexed mapper answering what ``MultiRESTMapper(mappers)`` answers.

        The members are copied, so adding to them afterwards changes nothing here.
        """
        return cls._fused(mappers, discovery_failures, copy=True)

    @classmethod
    def _fused(cls, mappers: Sequence["DefaultRESTMapper"],
               discovery_failures: Optional[Mapping[GroupVersion, BaseException]], *, copy: bool) -> "DefaultRESTMapper":
        """``union``; with ``copy=False`` the members' maps are adopted (callers that drop the members)."""
        self = cls.__new__(cls)
        self._segments = []
        for mapper in mappers:
            for seg in mapper._segments:
                if copy:
                    dup = _Segment(seg.default_group_versions)
                    dup.plural_to_singular = dict(seg.plural_to_singular)
                    dup.resource_to_kind = dict(seg.resource_to_kind)
                    dup.kind_to_plural = dict(seg.kind_to_plural)
                    dup.kind_to_scope = dict(seg.kind_to_scope)
                    seg = dup
                self._segments.append(seg)
        self._failures = dict(discovery_failures or {})
        self._index = _build_index(self._segments)
        return self

    @property
    def discovery_failures(self) -> Dict[GroupVersion, BaseException]:
        """Group-versions that failed discovery when this mapper was built."""
        return dict(self._failures)

    # -- registration ------------------------------------------------------

    def add(self, kind: GroupVersionKind, scope: Scope) -> None:
        """Register a kind under its guessed plural and singular resources (``Add``)."""
        plural, singular = unsafe_guess_kind_to_resource(kind)
        self.add_specific(kind, plural, singular, scope)

    def add_specific(
        self, kind: GroupVersionKind, plural: GroupVersionResource, singular: GroupVersionResource, scope: Scope
    ) -> None:
        """Register a kind with explicit resource names (``AddSpecific``); later entries overwrite."""
        if len(self._segments) != 1:
            raise TypeError("add to the member mappers before calling union()")
        seg = self._segments[0]
        seg.plural_to_singular[plural] = singular
        seg.resource_to_kind[singular] = kind
        seg.resource_to_kind[plural] = kind
        seg.kind_to_plural[kind] = plural
        seg.kind_to_scope[kind] = scope
        self._index = None

    def _idx(self) -> _Index:
        index = self._index
        if index is None:
            # Built into a local and published in one assignment, so a racing
            # reader sees either the old or the new index, never half of one.
            index = self._index = _build_index(self._segments)
        return index

    # -- resource -> resource / kind ----------------------------------------

    @staticmethod
    def _coerce(resource: GroupVersionResource) -> Tuple[str, str, str]:
        # coerceResourceForMatching: lower-case the name, treat the internal version as none.
        name = resource.resource.lower()
        if not name:
            raise ValueError(f"a resource must be present, got: {resource}")
        version = "" if resource.version == INTERNAL_VERSION else resource.version
        return resource.group, version, name

    def resources_for(self, resource: GroupVersionResource) -> List[GroupVersionResource]:
        """All plurals ``resource`` may mean (``ResourcesFor``; union: ``MultiRESTMapper.ResourcesFor``)."""
        group, version, name = self._coerce(resource)
        entries = self._idx().resources.get(name, ())
        if group and version:
            # Fully qualified: Go stops at the first exact match in each member.
            first: Dict[int, _ResourceEntry] = {}
            for e in entries:
                if e.group == group and e.version == version:
                    if e.segment not in first or e.order < first[e.segment].order:
                        first[e.segment] = e
            out = [e.plural for e in first.values()]
        elif group:
            # Go's prefix fallback tests the plural's group, the exact test either form's.
            exact = {e.segment for e in entries if e.group == group}
            out = [e.plural for e in entries
                   if (e.group == group if e.segment in exact else e.plural.group.startswith(group))]
        elif version:
            out = [e.plural for e in entries if e.version == version]
        else:
            out = [e.plural for e in entries]
        out = _unique(out)
        if not out:
            raise NoResourceMatch(resource, discovery_failures=self._failures)
        return out

    def resource_for(self, resource: GroupVersionResource) -> GroupVersionResource:
        """The single plural for ``resource``; AmbiguousResource when several remain."""
        found = self.resources_for(resource)
        if len(found) == 1:
            return found[0]
        raise AmbiguousResource(resource, matching_resources=found)

    def kinds_for(self, resource: GroupVersionResource) -> List[GroupVersionKind]:
        """All kinds ``resource`` may name (``KindsFor``; union: ``MultiRESTMapper.KindsFor``)."""
        group, version, name = self._coerce(resource)
        entries = self._idx().kinds.get(name, ())
        if group and version:
            out = [e.kind for e in entries if e.group == group and e.version == version]
        elif group:
            # Exact group wins inside a member; a member with no exact hit falls back to
            # group-prefix matching, "so storageclass.storage matches storage.k8s.io".
            exact = {e.segment for e in entries if e.group == group}
            out = [e.kind for e in entries
                   if (e.group == group if e.segment in exact else e.group.startswith(group))]
        elif version:
            out = [e.kind for e in entries if e.version == version]
        else:
            out = [e.kind for e in entries]
        out = _unique(out) if len(out) > 1 else out
        if not out:
            raise NoResourceMatch(resource, discovery_failures=self._failures)
        return out

    def kind_for(self, resource: GroupVersionResource) -> GroupVersionKind:
        """The single kind for ``resource``; AmbiguousResource when several remain."""
        found = self.kinds_for(resource)
        if len(found) == 1:
            return found[0]
        raise AmbiguousResource(resource, matching_kinds=found)

    def resource_singularizer(self, resource: str) -> str:
        """The singular of ``resource`` (``ResourceSingularizer``; union: first member that knows it)."""
        entries = self._idx().resources.get(resource.lower(), ())
        last_error: MappingError = NoResourceMatch(
            GroupVersionResource("", "", resource), discovery_failures=self._failures)
        by_segment: Dict[int, List[str]] = {}
        for e in entries:
            by_segment.setdefault(e.segment, []).append(e.singular.resource)
        for n, singulars in by_segment.items():
            distinct = _unique(singulars)
            if len(distinct) == 1:
                return distinct[0]
            if n == len(self._segments) - 1:
                # MultiRESTMapper reports the last member's error.
                last_error = MappingError(f"multiple possible singular resources found for {resource}")
        raise last_error

    # -- kind -> mapping -----------------------------------------------------

    def rest_mappings(self, group_kind: GroupKind, *versions: str) -> List[RESTMapping]:
        """Every mapping for ``group_kind`` (``RESTMappings``; union: concatenated per member).

        Given versions, each member contributes the first of them it serves;
        given none, each member contributes its default group versions.
        """
        return [e.mapping for e in self._mapping_entries(group_kind, versions)]

    def _mapping_entries(self, group_kind: GroupKind, versions: Sequence[str]) -> List[_MappingEntry]:
        entries = self._idx().mappings.get(group_kind, ())
        explicit = [v for v in versions if v and v != INTERNAL_VERSION]
        if not explicit:
            found = [e for e in entries if e.default_rank is not None]
        else:
            position = {v: i for i, v in reversed(list(enumerate(explicit)))}
            best: Dict[int, _MappingEntry] = {}
            for e in entries:
                if e.version in position:
                    current = best.get(e.segment)
                    if current is None or position[e.version] < position[current.version]:
                        best[e.segment] = e
            found = list(best.values())
        if not found:
            raise self._no_kind_match(group_kind, versions, explicit)
        return found

    def _no_kind_match(self, group_kind: GroupKind, versions: Sequence[str], explicit: List[str]) -> MappingError:
        if len(self._segments) == 1 and not explicit and any(
                gv.group == group_kind.group for gv in self._segments[0].default_group_versions):
            # A lone DefaultRESTMapper had candidate versions but no registered kind.
            return NoResourceMatch(GroupVersionResource(group_kind.group, "", group_kind.kind),
                                   discovery_failures=self._failures)
        return NoKindMatch(group_kind, versions, discovery_failures=self._failures)

    def rest_mapping(self, group_kind: GroupKind, *versions: str) -> RESTMapping:
        """The mapping for ``group_kind`` (``RESTMapping``; union: ``MultiRESTMapper.RESTMapping``).

        A single member answers with its first mapping. Across members, each
        contributes its first mapping and more than one is ambiguous.
        """
        entries = self._mapping_entries(group_kind, versions)
        first_per_member: Dict[int, RESTMapping] = {}
        for e in entries:
            first_per_member.setdefault(e.segment, e.mapping)
        if len(first_per_member) == 1:
            return entries[0].mapping
        kinds = [m.group_version_kind for m in first_per_member.values()]
        raise AmbiguousKind(group_kind.with_version(""), matching_kinds=kinds)

    def __repr__(self) -> str:
        kinds = sum(len(s.kind_to_plural) for s in self._segments)
        return f"DefaultRESTMapper(members={len(self._segments)}, kinds={kinds})"
