"""A minimal OpenAPI v3, made from discovery: enough for kubectl to validate on the server.

kubectl validates a manifest (``--validate=strict``, its default) on the
server when the OpenAPI v3 document of the object's group-version shows a
``fieldValidation`` parameter on the PATCH operation for its kind
(cli-runtime ``queryParamVerifierV3``); otherwise it downloads schemas and
validates on the client. This module serves exactly that: per served
group-version, the item paths with a PATCH operation carrying
``x-kubernetes-group-version-kind`` and ``fieldValidation``, and no schemas.
FakeCluster accepts ``fieldValidation`` and does not validate fields.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Dict, Optional

from .discoverydocs import DiscoveryDocuments

__all__ = ["openapi_document"]


def _gv_path(group: str, version: str) -> str:
    return f"apis/{group}/{version}" if group else f"api/{version}"


def _gv_document(docs: DiscoveryDocuments, group: str, version: str) -> Dict[str, Any]:
    paths: Dict[str, Any] = {}
    for info in docs.resources().values():
        if (info.group, info.version) != (group, version) or "patch" not in info.verbs:
            continue
        scope = "/namespaces/{namespace}" if info.namespaced else ""
        path = f"/{_gv_path(group, version)}{scope}/{info.resource}/{{name}}"
        paths[path] = {"patch": {
            "operationId": f"patch{info.kind}",
            "x-kubernetes-group-version-kind": {"group": group, "version": version, "kind": info.kind},
            "x-kubernetes-action": "patch",
            "parameters": [{"name": name, "in": "query", "schema": {"type": "string", "uniqueItems": True}}
                           for name in ("dryRun", "fieldManager", "fieldValidation", "force")],
            "responses": {"200": {"description": "OK"}},
        }}
    return {"openapi": "3.0.0", "info": {"title": "Kubernetes (dynclient FakeCluster)", "version": "unversioned"},
            "paths": paths, "components": {"schemas": {}}}


def openapi_document(docs: DiscoveryDocuments, path: str) -> Optional[bytes]:
    """The body for ``/openapi/v3`` or ``/openapi/v3/<group-version>``, or ``None``."""
    served = sorted({(i.group, i.version) for i in docs.resources().values()})
    if path == "/openapi/v3":
        index = {}
        for group, version in served:
            body = json.dumps(_gv_document(docs, group, version), separators=(",", ":")).encode()
            digest = hashlib.sha512(body).hexdigest()[:64].upper()
            index[_gv_path(group, version)] = {"serverRelativeURL": f"/openapi/v3/{_gv_path(group, version)}"
                                                                    f"?hash={digest}"}
        return json.dumps({"paths": index}, separators=(",", ":")).encode()
    for group, version in served:
        if path == f"/openapi/v3/{_gv_path(group, version)}":
            return json.dumps(_gv_document(docs, group, version), separators=(",", ":")).encode()
    return None
