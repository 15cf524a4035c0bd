"""What a RESTMapper raises when a name maps to nothing, or to too much.

The restmapper branch of dynclient's error tree (apimachinery
``pkg/api/meta/errors.go``)::

    DynclientError
    └── MappingError
        ├── NoMatch                  nothing matched; carries discovery_failures
        │   ├── NoKindMatch          a kind in no searched version
        │   └── NoResourceMatch      a resource nowhere (also kubectl's
        │                            "the server doesn't have a resource type")
        └── Ambiguous                more than one match and no priority broke the tie
            ├── AmbiguousResource
            └── AmbiguousKind

When discovery was partial (``GroupDiscoveryFailed``) the mapper was built
from what did load, so a miss may be the fault of a group that failed. Every
``NoMatch`` then names those group-versions, so the user sees the real cause
instead of only "no matches".
"""

from __future__ import annotations

from typing import Dict, Iterable, Mapping, Optional, Sequence, Tuple

from discovery.errors import DynclientError
from discovery.gostrings import go_quote
from discovery.types import GroupKind, GroupVersion, GroupVersionKind, GroupVersionResource

__all__ = [
    "MappingError",
    "NoMatch",
    "NoKindMatch",
    "NoResourceMatch",
    "Ambiguous",
    "AmbiguousResource",
    "AmbiguousKind",
]

Failures = Mapping[GroupVersion, BaseException]


def _go_list(items: Iterable[object]) -> str:
    # Go's %v of a slice: "[a b c]".
    return "[" + " ".join(str(i) for i in items) + "]"


class MappingError(DynclientError):
    """A name could not be turned into exactly one resource or kind."""


class NoMatch(MappingError):
    """Nothing matched (apimachinery ``IsNoMatchError``).

    ``discovery_failures`` maps each group-version that failed discovery to
    its cause; it is empty when discovery was complete.
    """

    def __init__(self, *, discovery_failures: Optional[Failures] = None) -> None:
        self.discovery_failures: Dict[GroupVersion, BaseException] = dict(discovery_failures or {})
        super().__init__()

    def describe(self) -> str:
        """The message without the discovery-failure note."""
        raise NotImplementedError

    def __str__(self) -> str:
        text = self.describe()
        if self.discovery_failures:
            failed = ", ".join(f"{gv}: {err}" for gv, err in sorted(self.discovery_failures.items()))
            text += f" (discovery failed for: {failed})"
        return text


class NoKindMatch(NoMatch):
    """No version of ``group_kind`` is served (``NoKindMatchError``)."""

    def __init__(
        self,
        group_kind: GroupKind,
        searched_versions: Sequence[str] = (),
        *,
        discovery_failures: Optional[Failures] = None,
    ) -> None:
        self.group_kind = group_kind
        self.searched_versions: Tuple[str, ...] = tuple(searched_versions)
        super().__init__(discovery_failures=discovery_failures)

    def describe(self) -> str:
        # NoKindMatchError.Error: the searched versions as a sorted set of group/version strings.
        searched = sorted({str(GroupVersion(self.group_kind.group, v)) for v in self.searched_versions})
        kind = go_quote(self.group_kind.kind)
        if not searched:
            return f"no matches for kind {kind} in group {go_quote(self.group_kind.group)}"
        if len(searched) == 1:
            return f"no matches for kind {kind} in version {go_quote(searched[0])}"
        return f"no matches for kind {kind} in versions [{' '.join(go_quote(s) for s in searched)}]"


class NoResourceMatch(NoMatch):
    """No resource matches ``partial_resource`` (``NoResourceMatchError``).

    ``message`` replaces apimachinery's text; kubectl's name resolution uses it
    for ``the server doesn't have a resource type "x"``.
    """

    def __init__(
        self,
        partial_resource: GroupVersionResource,
        *,
        message: Optional[str] = None,
        discovery_failures: Optional[Failures] = None,
    ) -> None:
        self.partial_resource = partial_resource
        self.message = message
        super().__init__(discovery_failures=discovery_failures)

    def describe(self) -> str:
        return self.message if self.message is not None else f"no matches for {self.partial_resource}"


class Ambiguous(MappingError):
    """More than one candidate survived every priority rule (``IsAmbiguousError``)."""

    def __init__(
        self,
        partial: object,
        *,
        matching_resources: Sequence[GroupVersionResource] = (),
        matching_kinds: Sequence[GroupVersionKind] = (),
    ) -> None:
        self.matching_resources = list(matching_resources)
        self.matching_kinds = list(matching_kinds)
        super().__init__(self._text(partial))

    def _text(self, partial: object) -> str:
        # AmbiguousResourceError.Error / AmbiguousKindError.Error share this switch.
        if self.matching_kinds and self.matching_resources:
            return (f"{partial} matches multiple resources {_go_list(self.matching_resources)}"
                    f" and kinds {_go_list(self.matching_kinds)}")
        if self.matching_kinds:
            return f"{partial} matches multiple kinds {_go_list(self.matching_kinds)}"
        if self.matching_resources:
            return f"{partial} matches multiple resources {_go_list(self.matching_resources)}"
        return f"{partial} matches multiple resources or kinds"


class AmbiguousResource(Ambiguous):
    """A partial resource matched several resources or kinds (``AmbiguousResourceError``)."""

    def __init__(
        self,
        partial_resource: GroupVersionResource,
        *,
        matching_resources: Sequence[GroupVersionResource] = (),
        matching_kinds: Sequence[GroupVersionKind] = (),
    ) -> None:
        self.partial_resource = partial_resource
        super().__init__(partial_resource, matching_resources=matching_resources, matching_kinds=matching_kinds)


class AmbiguousKind(Ambiguous):
    """A group-kind matched kinds in several versions or groups (``AmbiguousKindError``)."""

    def __init__(
        self,
        partial_kind: GroupVersionKind,
        *,
        matching_resources: Sequence[GroupVersionResource] = (),
        matching_kinds: Sequence[GroupVersionKind] = (),
    ) -> None:
        self.partial_kind = partial_kind
        super().__init__(partial_kind, matching_resources=matching_resources, matching_kinds=matching_kinds)
