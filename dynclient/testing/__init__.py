"""dynclient.testing: fakes for testing code that uses dynclient, checked against the real API server.

``FakeCluster`` is an in-process API server mounted under the real client
as a requests transport adapter; ``FakeCluster().connect()`` returns an
ordinary ``DynamicClient``. The pytest plugin
(``dynclient.testing.pytest_plugin``) gives ``fake_cluster`` and
``dynclient_apiserver`` fixtures.

Modelled: the discovery of a recorded release (aggregated and legacy),
CRDs served on create (Established), create/get/list/update/update_status/
patch (merge, JSON, strategic with the built-in merge keys)/apply/delete/
deletecollection, resourceVersion, uid, generateName, generation, label
and field selectors, limit/continue, the real Status bodies, namespaces,
watch (resourceVersion, bookmarks, sendInitialEvents, 410 after
compaction), finalizers and deletionTimestamp, server-side apply with
managedFields, fieldValidation by field names, PartialObjectMetadata, and a
loopback HTTPS socket for kubectl (``serve()``). Not modelled: see
``NOT_MODELLED``.
"""

from __future__ import annotations

from .cluster import DEFAULT_HOST, DEFAULT_NAMESPACES, FakeCluster
from .reactors import Reactor, RequestRecord
from .server import Reply, Request

__all__ = ["FakeCluster", "Reactor", "RequestRecord", "Reply", "Request", "DEFAULT_HOST", "DEFAULT_NAMESPACES",
           "NOT_MODELLED"]

#: What a real API server does that FakeCluster does not (each is a known difference).
NOT_MODELLED = (
    "schemas: only field names are checked (a CRD's schema; the top level of the built-in kinds in "
    "dynclient.testing.schemas.BUILTIN_FIELDS), no types, formats or other constraints, no defaulting "
    "(a Deployment gets no strategy, a container no imagePullPolicy); OpenAPI v3 has paths and no schemas and "
    "there is no /openapi/v2, so kubectl's client-side validation fails where a real server's would not",
    "server-side apply treats every list as atomic (no merging of associative lists or sets by key), all maps as "
    "granular, and omits the '.' markers of FieldsV1",
    "strategic merge patch knows only the merge keys in dynclient.testing.patches.MERGE_KEYS; no $setElementOrder, "
    "$retainKeys, $deleteFromPrimitiveList",
    "no conversion between versions: an object is served at any version of its resource with only apiVersion changed",
    "no controllers: no garbage collection of dependents (ownerReferences), no Deployment/ReplicaSet/Pod behaviour, "
    "no ServiceAccount tokens, no kube-root-ca.crt; the namespace controller's work (deleting contents) is done "
    "at once when a namespace is deleted (controllers=False: never, as on a bare apiserver, which also leaves "
    "the garbage collector's orphan/foregroundDeletion finalizers on deleted objects)",
    "CRDs are Established in the same write that creates them (a real server sets the conditions a moment later)",
    "LIST with a continue token reads the current objects, not a snapshot at the token's resourceVersion",
    "no authorization (every request is an admin's; token= only checks authentication), no admission, "
    "no impersonation checks",
    "no Table output (Accept: as=Table), no protobuf or CBOR (a protobuf body is a 415: kubectl's typed writes, "
    "such as kubectl create namespace, fail against serve()), no gzip replies",
    "field selectors: only metadata.name and metadata.namespace (the real server has per-kind fields)",
    "resourceVersionMatch=Exact and resourceVersion on GET/LIST read the current state",
)
