"""Manifests: read YAML/JSON into objects, and apply, create or delete them in one call.

    from dynclient.manifests import apply_manifests
    for result in apply_manifests(dyn, "app.yaml"):
        print(result)            # namespace/demo created, widget.example.com/w1 applied...

YAML is decoded by kubectl's rules (``dynclient.kyaml``). Modules, one job
each: ``loader`` (sources to validated ``Document``\\ s),
``ordering`` (Helm's install order), ``resolve`` (kind and namespace, with
kubectl's namespace rules), ``crds`` (wait for Established), ``results``
(``ManifestResult``, ``ManifestApplyError``) and ``apply`` (the three
operations). ``DynamicClient.apply_manifests`` and friends call these with
the client itself.
"""

from __future__ import annotations

from .apply import Progress, apply_action, apply_manifests, create_manifests, delete_manifests
from .crds import CRDNotEstablished
from .loader import Document, InvalidDocument, iter_documents, iter_entries, load_manifests
from .ordering import INSTALL_ORDER, install_rank, sort_for_delete, sort_for_install
from .resolve import resolve_document
from .results import ACTIONS, CRD_HINT, ManifestApplyError, ManifestResult, ResourceMappingNotFound

__all__ = [
    "load_manifests",
    "iter_documents",
    "iter_entries",
    "Document",
    "InvalidDocument",
    "ManifestResult",
    "ManifestApplyError",
    "CRDNotEstablished",
    "ResourceMappingNotFound",
    "CRD_HINT",
    "apply_manifests",
    "create_manifests",
    "delete_manifests",
    "resolve_document",
    "apply_action",
    "sort_for_install",
    "sort_for_delete",
    "install_rank",
    "INSTALL_ORDER",
    "ACTIONS",
    "Progress",
]
