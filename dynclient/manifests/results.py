"""What applying, creating or deleting one manifest object did, and the error that stops a run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence

from discovery.types import GroupVersionKind, GroupVersionResource

from ..errors import ManifestError
from .loader import Document

__all__ = ["ManifestResult", "ManifestApplyError", "ACTIONS", "error_text"]

#: Every ``ManifestResult.action``. The first three are ``kubectl apply``'s words.
ACTIONS = ("created", "configured", "unchanged", "deleted", "not found", "failed")


@dataclass(frozen=True)
class ManifestResult:
    """The outcome for one object of a manifest.

    ``str()`` reads like kubectl's output: ``configmap/cfg configured`` for
    apply and create, ``configmap "cfg" deleted`` for delete, with
    `` (server dry run)`` appended for a dry run. ``gvr`` is ``None`` when
    the kind could not be resolved; ``object`` is the server's reply, and
    ``error`` the exception when ``action`` is ``"failed"`` (the server's
    ``StatusError``, the mapper's ``NoKindMatch``...), with ``note`` saying
    what probably caused it when that is known.
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

    @property
    def failed(self) -> bool:
        return self.action == "failed"

    @property
    def kind_label(self) -> str:
        """kubectl's ``kind.group`` label, lower-cased; no group for the core group."""
        kind = self.gvk.kind.lower()
        return f"{kind}.{self.gvk.group}" if self.gvk.group else kind

    def __str__(self) -> str:
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
