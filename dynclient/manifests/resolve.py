"""Map a manifest document to its resource and namespace, with kubectl's namespace rules.

What ``kubectl apply|create|delete -f`` does, checked against a real API
server (kubectl 1.32, kube-apiserver 1.36):

* A namespaced object without ``metadata.namespace`` goes to the caller's
  namespace (``-n``), else the kubeconfig context's.
* A namespaced object whose ``metadata.namespace`` differs from the caller's
  namespace is refused before any request::

      the namespace from the provided object "a" does not match the namespace "b".
      You must pass '--namespace=a' to perform this operation.

* A cluster-scoped object ignores namespaces: ``metadata.namespace`` on a
  Namespace or ClusterRole, and ``-n``, are both dropped. kubectl sends no
  namespace in the URL and the server clears the field (``kubectl delete``
  alone prints a warning). So this is not an error here either; the field
  is removed from what is sent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, Mapping, Optional, Tuple, Union

from discovery.types import GroupVersionKind
from restmapper.mapping import RESTMapping

from .loader import Document, iter_documents

if TYPE_CHECKING:  # pragma: no cover
    from ..client import DynamicClient

__all__ = ["resolve_document", "object_for"]


def _as_document(doc: Union[Document, Mapping[str, Any]]) -> Document:
    if isinstance(doc, Document):
        return doc
    documents = list(iter_documents(doc))
    if len(documents) != 1:
        raise ValueError(f"resolve_document takes one object, got a List of {len(documents)}")
    return documents[0]


def resolve_document(
    dyn: "DynamicClient",
    doc: Union[Document, Mapping[str, Any]],
    *,
    namespace: Optional[str] = None,
) -> Tuple[RESTMapping, Optional[str]]:
    """The REST mapping of ``doc``'s own apiVersion and kind, and the namespace it goes to.

    The namespace is ``None`` for a cluster-scoped kind (any
    ``metadata.namespace`` is ignored, as kubectl ignores it); for a
    namespaced kind it is the object's, else ``namespace``, else the
    context's (``dyn.namespace``). Raises the mapper's ``MappingError``
    (``NoKindMatch`` when the kind is not served, e.g. its CRD is missing)
    and ``ManifestError`` when the object's namespace contradicts
    ``namespace``.
    """
    document = _as_document(doc)
    gvk = GroupVersionKind.from_api_version(document.api_version, document.kind)
    mapping = dyn.rest_mapping(gvk)
    if not mapping.namespaced:
        return mapping, None
    own = document.namespace
    if namespace and own and own != namespace:
        raise document.error(
            f'the namespace from the provided object "{own}" does not match the namespace "{namespace}". '
            f"You must pass namespace={own!r} to perform this operation."
        )
    return mapping, own or namespace or dyn.namespace


def object_for(document: Document, namespace: Optional[str]) -> Dict[str, Any]:
    """The body to send: ``document.obj`` with ``metadata.namespace`` set to ``namespace`` (or removed).

    Copies the top level and ``metadata`` only; the document is not changed.
    """
    obj = dict(document.obj)
    meta = dict(obj.get("metadata") or {})
    if namespace:
        meta["namespace"] = namespace
    else:
        meta.pop("namespace", None)
    obj["metadata"] = meta
    return obj
