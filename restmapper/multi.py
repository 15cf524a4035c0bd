"""apimachinery's MultiRESTMapper: ask every member, merge the answers.

The literal composition, kept for stacking arbitrary mappers. The discovery
mapper does not use it: ``DefaultRESTMapper.union`` answers the same from one
index, and the tests check the two agree on the real discovery fixture.
"""

from __future__ import annotations

from typing import Callable, List, Sequence, TypeVar

from discovery.types import GroupKind, GroupVersionKind, GroupVersionResource

from .errors import AmbiguousKind, AmbiguousResource, MappingError, NoKindMatch, NoMatch, NoResourceMatch
from .interface import RESTMapper, maybe_reset
from .mapping import RESTMapping

__all__ = ["MultiRESTMapper"]

T = TypeVar("T")


class MultiRESTMapper:
    """A union of RESTMappers, asked in order (``meta.MultiRESTMapper``).

    No-match answers from a member are skipped; any other error propagates.
    """

    def __init__(self, mappers: Sequence[RESTMapper]) -> None:
        self.mappers: List[RESTMapper] = list(mappers)

    def _merged(self, lookup: Callable[[RESTMapper], List[T]]) -> List[T]:
        merged: List[T] = []
        for mapper in self.mappers:
            try:
                found = lookup(mapper)
            except NoMatch:
                continue
            for item in found:
                if item not in merged:
                    merged.append(item)
        return merged

    def resources_for(self, resource: GroupVersionResource) -> List[GroupVersionResource]:
        """Every member's plurals, de-duplicated in member order (``ResourcesFor``)."""
        found = self._merged(lambda m: m.resources_for(resource))
        if not found:
            raise NoResourceMatch(resource)
        return found

    def kinds_for(self, resource: GroupVersionResource) -> List[GroupVersionKind]:
        """Every member's kinds, de-duplicated in member order (``KindsFor``)."""
        found = self._merged(lambda m: m.kinds_for(resource))
        if not found:
            raise NoResourceMatch(resource)
        return found

    def resource_for(self, resource: GroupVersionResource) -> GroupVersionResource:
        """Exactly one plural across all members, else AmbiguousResource."""
        found = self.resources_for(resource)
        if len(found) == 1:
            return found[0]
        raise AmbiguousResource(resource, matching_resources=found)

    def kind_for(self, resource: GroupVersionResource) -> GroupVersionKind:
        """Exactly one kind across all members, else AmbiguousResource."""
        found = self.kinds_for(resource)
        if len(found) == 1:
            return found[0]
        raise AmbiguousResource(resource, matching_kinds=found)

    def rest_mapping(self, group_kind: GroupKind, *versions: str) -> RESTMapping:
        """The one member mapping; ambiguous when two members answer (``RESTMapping``)."""
        mappings: List[RESTMapping] = []
        errors: List[MappingError] = []
        for mapper in self.mappers:
            try:
                mappings.append(mapper.rest_mapping(group_kind, *versions))
            except NoMatch:
                continue
            except MappingError as err:
                errors.append(err)
        # "if we got exactly one mapping, then use it even if other requested failed"
        if len(mappings) == 1:
            return mappings[0]
        if mappings:
            raise AmbiguousKind(group_kind.with_version(""),
                                matching_kinds=[m.group_version_kind for m in mappings])
        if errors:
            raise errors[0]
        raise NoKindMatch(group_kind, versions)

    def rest_mappings(self, group_kind: GroupKind, *versions: str) -> List[RESTMapping]:
        """Every member's mappings, concatenated (``RESTMappings``)."""
        mappings: List[RESTMapping] = []
        errors: List[MappingError] = []
        for mapper in self.mappers:
            try:
                mappings.extend(mapper.rest_mappings(group_kind, *versions))
            except NoMatch:
                continue
            except MappingError as err:
                errors.append(err)
        if errors:
            raise errors[0]
        if not mappings:
            raise NoKindMatch(group_kind, versions)
        return mappings

    def resource_singularizer(self, resource: str) -> str:
        """The first member's singular; the last member's error when none knows it."""
        error: MappingError = NoResourceMatch(GroupVersionResource("", "", resource))
        for mapper in self.mappers:
            try:
                return mapper.resource_singularizer(resource)
            except MappingError as err:
                error = err
        raise error

    def reset(self) -> None:
        """Reset every member that can be reset."""
        for mapper in self.mappers:
            maybe_reset(mapper)
