"""What applying, creating or deleting one manifest object did, and the errors that stop or fail one."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence

from discovery.types import GroupVersionKind, GroupVersionResource
from discovery.gostrings import go_quote as _go_quote
from restmapper.errors import NoKindMatch

from ..errors import ManifestError
from .loader import Document

__all__ = ["ManifestResult", "ManifestApplyError", "ResourceMappingNotFound", "ACTIONS", "CRD_HINT", "error_text"]

#: Every ``ManifestResult.action``. ``created``, ``configured`` and ``unchanged`` are ``kubectl apply``'s
#: words; ``applied`` is a server-side apply that did not create the object (``kubectl apply
#: --server-side`` prints ``serverside-applied`` for it and for ``created``), used unless
#: ``report_changes=True`` pays a GET per object to tell ``configured`` from ``unchanged``.
ACTIONS = ("created", "applied", "configured", "unchanged", "deleted", "not found", "failed")

#: kubectl's second line under a "resource mapping not found" error.
CRD_HINT = "ensure CRDs are installed first"


class ResourceMappingNotFound(NoKindMatch):
    """A manifest object's kind is not served: the mapper's ``NoKindMatch``, in kubectl's words.

    ``str()`` is kubectl's first line, ``resource mapping not found for
    name: "x" namespace: "" from "f.yaml": no matches for kind "Frobnicator"
    in version "v1"`` (the namespace as the object gives it); kubectl
    prints ``CRD_HINT`` under it. ``cause`` is the mapper's error.
    """

    def __init__(self, cause: NoKindMatch, *, name: str, namespace: str, source: str) -> None:
        super().__init__(cause.group_kind, cause.searched_versions, discovery_failures=cause.discovery_failures)
        self.cause, self.name, self.namespace, self.source = cause, name, namespace, source

    def describe(self) -> str:
        return (f"resource mapping not found for name: {_go_quote(self.name)} namespace: "
                f"{_go_quote(self.namespace)} from {_go_quote(self.source)}: {self.cause.describe()}")


@dataclass(frozen=True)
class ManifestResult:
    """The outcome for one object of a manifest.

    ``str()`` reads like kubectl's output: ``configmap/cfg configured`` for
    apply and create, ``configmap "cfg" deleted`` for delete, with
    `` (server dry run)`` appended for a dry run. ``gvr`` is ``None`` when
    the kind could not be resolved; ``object`` is the server's reply, and
    ``error`` the exception when ``action`` is ``"failed"`` (the server's
    ``StatusError``, ``ResourceMappingNotFound``...), with ``note`` saying
    what probably caused it when that is known (kubectl's ``CRD_HINT`` for
    a kind that is not served). ``object`` is ``None`` unless the run was
    asked to keep the replies (``keep_replies=True``). ``invalid`` marks a
    document that could not be used at all (no kind, not a mapping, bad
    YAML: ``stop_on_error=False`` reports it instead of raising); its
    ``error`` is the loader's ``ManifestError``, naming file and line.
    """

    document: Document
    gvk: GroupVersionKind
    gvr: Optional[GroupVersionResource]
    namespace: Optional[str]
    name: str
    action: str
    object: Optional[Dict[str, Any]] = field(default=None, repr=False, compare=False)
    error: Optional[BaseException] = field(default=None, compare=False)
    dry_run: bool = False
    operation: str = "apply"
    note: str = ""
    invalid: bool = False

    @property
    def failed(self) -> bool:
        return self.action == "failed"

    @property
    def kind_label(self) -> str:
        """kubectl's ``kind.group`` label, lower-cased; no group for the core group."""
        kind = self.gvk.kind.lower()
        return f"{kind}.{self.gvk.group}" if self.gvk.group else kind

    def __str__(self) -> str:
        if self.invalid:
            return str(self.error)
        if self.operation == "delete":
            line = f'{self.kind_label} "{self.name}" {self.action}'
        else:
            line = f"{self.kind_label}/{self.name} {self.action}"
        if self.failed and self.error is not None:
            line += f": {error_text(self.error)}"
            if self.note:
                line += f"; {self.note}"
        elif self.dry_run:
            line += " (server dry run)"
        return line


def error_text(error: Optional[BaseException]) -> str:
    """The message of ``error``, without the location a ``ManifestError`` puts in front of it."""
    text = str(error)
    if isinstance(error, ManifestError):
        prefix = str(ManifestError("", source=error.source, document=error.document, line=error.line))
        if text.startswith(prefix):
            return text[len(prefix):]
    return text


class ManifestApplyError(ManifestError):
    """Applying (creating, deleting) one object failed and ``stop_on_error`` stopped the run.

    The message names the document (source, index, line), its kind and name,
    and the cause (also in ``__cause__`` and ``result.error``). ``results``
    holds every result so far, the failed one last; ``result`` is that one.
    """

    def __init__(self, message: str, *, result: ManifestResult, results: Sequence[ManifestResult]) -> None:
        doc = result.document
        super().__init__(message, source=doc.source, document=doc.index, line=doc.line or None)
        self.result = result
        self.results: List[ManifestResult] = list(results)
